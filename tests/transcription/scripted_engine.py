"""A test engine that says a known final, with Whisper-like words (a drug corrected
from what was heard, a doubtful number, a doubtful word) on its first frame of
audio: the live page's marks are then known in advance.
`scripted_settings` names it for a live server (DJANGO_SETTINGS_MODULE)."""

from transcription.engines.base import Engine, Result
from transcription.engines.words import DRUG, Word, shown_text

FINALS = (
    (
        Word("Continue", 200, 600, 0.97),
        Word("the", 600, 700, 0.95),
        Word("methotrexate,", 700, 1300, 0.45, "methatrix,", DRUG),
        Word("15", 1300, 1500, 0.31),
        Word("mg", 1500, 1700, 0.93, "milligrams", "number"),
        Word("weekly.", 1700, 2000, 0.96),
        Word("How", 2200, 2400, 0.98),
        Word("is", 2400, 2500, 0.98),
        Word("the", 2500, 2600, 0.97),
        Word("knee?", 2600, 3000, 0.42),
    ),
)
HEARD = ("Continue the methatrix, fifteen milligrams weekly. How is the knee?",)


class ScriptedEngine(Engine):
    name = "scripted"

    async def start(
        self,
        *,
        sample_rate,
        language,
        on_result,
        on_failure=None,
        offset_ms=0,
        keyterms=None,
    ):
        self.on_result = on_result
        self.said = 0

    async def send_audio(self, pcm: bytes) -> None:
        while self.said < len(FINALS):
            words = FINALS[self.said]
            await self.on_result(
                Result(
                    text=shown_text(list(words)),
                    is_final=True,
                    start_ms=words[0].start_ms,
                    end_ms=words[-1].end_ms,
                    speaker=self.said % 2,
                    heard=HEARD[self.said],
                    words=words,
                )
            )
            self.said += 1

    async def finish(self) -> None:
        return None

    async def abort(self) -> None:
        return None
