"""Small bar charts drawn as SVG by templates (no JavaScript, no inline styles)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    display: str
    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def text_y(self) -> float:
        return round(self.y - 4, 1)


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    width: int
    height: int
    baseline: float
    empty: bool

    @property
    def value_y(self) -> float:
        return self.baseline - 4

    @property
    def label_y(self) -> float:
        return self.baseline + 16


def bar_chart(
    title: str,
    points: list[tuple[str, float]],
    *,
    width: int = 360,
    height: int = 160,
    unit: str = "",
) -> BarChart:
    """Lay out one bar per (label, value), scaled to the largest value."""
    top, bottom = 18, 22  # room for the values above and the labels below
    plot = height - top - bottom
    biggest = max((value for _, value in points), default=0) or 1
    slot = width / max(len(points), 1)
    bar_width = round(slot * 0.6, 1)
    bars = []
    for index, (label, value) in enumerate(points):
        bar_height = round(plot * value / biggest, 1) if value else 0
        bars.append(
            Bar(
                label=label,
                value=value,
                display=f"{value:g}{unit}",
                x=round(index * slot + (slot - bar_width) / 2, 1),
                y=round(top + plot - bar_height, 1),
                width=bar_width,
                height=max(bar_height, 1),
            )
        )
    return BarChart(
        title=title,
        bars=bars,
        width=width,
        height=height,
        baseline=top + plot,
        empty=not any(value for _, value in points),
    )
