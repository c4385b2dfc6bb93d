"""Reading an uploaded recording with PyAV (FFmpeg): WAV, MP3, M4A/AAC, OGG/Opus,
WebM and whatever else FFmpeg reads, as 16 kHz mono samples for the engines."""

import numpy as np
from django.core.exceptions import ValidationError

RATE = 16000
UNREADABLE = (
    "This file is not a recording we can read: upload WAV, MP3, M4A/AAC, "
    "OGG/Opus or WebM audio."
)


def _open(path):
    import av

    try:
        container = av.open(str(path))
    except Exception:  # FFmpeg's many ways of saying "not a recording"
        raise ValidationError({"file": [UNREADABLE]}) from None
    if not container.streams.audio:
        container.close()
        raise ValidationError({"file": [UNREADABLE]})
    return container


def audio_seconds(path) -> float:
    """The recording's length from its container, without decoding it."""
    with _open(path) as container:
        stream = container.streams.audio[0]
        if container.duration:
            return container.duration / 1_000_000  # av.time_base
        if stream.duration and stream.time_base:
            return float(stream.duration * stream.time_base)
    return 0.0


def decode_16k_mono(path) -> np.ndarray:
    """Every sample of the first audio stream, resampled to 16 kHz mono float32."""
    import av

    resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
    chunks = []
    with _open(path) as container:
        try:
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):  # flush
                chunks.append(out.to_ndarray().reshape(-1))
        except (av.error.FFmpegError, ValueError):
            raise ValidationError({"file": [UNREADABLE]}) from None
    if not chunks:
        raise ValidationError({"file": [UNREADABLE]})
    return np.concatenate(chunks).astype(np.float32) / 32768.0
