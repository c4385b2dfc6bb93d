"""A benchmark-only engine that answers at once (bench/ws_settings.py names it in
TRANSCRIPTION_ENGINE_CLASSES; the socket tests use it too).

Every audio frame gets an interim result that echoes the frame's first 8 bytes (the
benchmark's frame counter) in hex; every tenth frame also ends a final result, so the
relay's latency and the storage of finals are measured without a speech model.
"""

from transcription.engines.base import BYTES_PER_SECOND, Engine, Result

FINAL_EVERY = 10


class InstantEngine(Engine):
    name = "instant"

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
        self.offset_ms = offset_ms
        self.frames = 0
        self.received_ms = 0

    async def send_audio(self, pcm: bytes) -> None:
        self.frames += 1
        start = self.offset_ms + self.received_ms
        self.received_ms += len(pcm) * 1000 // BYTES_PER_SECOND
        tag = pcm[:8].hex()
        await self.on_result(
            Result(text=tag, is_final=False, start_ms=start, end_ms=start)
        )
        if self.frames % FINAL_EVERY == 0:
            await self.on_result(
                Result(
                    text=f"frames to {tag}",
                    is_final=True,
                    start_ms=start,
                    end_ms=self.offset_ms + self.received_ms,
                    speaker=0,
                    confidence=1.0,
                )
            )

    async def finish(self) -> None:
        return None

    async def abort(self) -> None:
        return None
