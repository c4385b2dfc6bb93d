"""Speech engines behind one small async interface.

An engine is made per live session by `engine_for(name)`, then:
`await engine.start(sample_rate=..., language=..., on_result=callback)`, any number
of `await engine.send_audio(pcm)`, `pause()`/`resume()`, and finally `finish()`
(flushes every final result, then closes) or `abort()` (closes at once).
`on_result` is awaited with each `Result`, in order, from one task; an engine that
fails for good raises `EngineError` from its methods or passes it to `on_failure`.
"""

from transcription.engines.base import (
    Engine,
    EngineError,
    Result,
    engine_for,
    engine_name,
)

__all__ = ["Engine", "EngineError", "Result", "engine_for", "engine_name"]
