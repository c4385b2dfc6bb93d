"""Small bar charts drawn as SVG by templates (no JavaScript, no inline styles)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: nothing to measure that month, drawn as a gap
    display: str
    x: float
    y: float
    width: float
    height: float

    @property
    def gap(self) -> bool:
        return self.value is None

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
    points: list[tuple[str, float | None]],
    *,
    width: int = 360,
    height: int = 160,
    unit: str = "",
) -> BarChart:
    """Lay out one bar per (label, value), scaled to the largest value. A value of
    None is a gap (no bar, "no data"), never a bar of 0: a mean of nothing is not
    a mean of zero."""
    top, bottom = 18, 22  # room for the values above and the labels below
    plot = height - top - bottom
    values = [value for _, value in points if value is not None]
    biggest = max(values, default=0) or 1
    slot = width / max(len(points), 1)
    bar_width = round(slot * 0.6, 1)
    bars = []
    for index, (label, value) in enumerate(points):
        bar_height = round(plot * value / biggest, 1) if value else 0
        bars.append(
            Bar(
                label=label,
                value=value,
                display="no data" if value is None else f"{value:g}{unit}",
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
        empty=not any(values),
    )
