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


def upload_limit_seconds() -> float:
    """The longest recording an upload may be (UPLOAD_MAX_MINUTES)."""
    from django.conf import settings

    return settings.UPLOAD_MAX_MINUTES * 60


def too_long(seconds: float) -> ValidationError:
    return ValidationError(
        {"file": [f"The recording is longer than {seconds / 60:g} minutes."]}
    )


def audio_seconds(path, *, limit: float | None = None) -> float:
    """The recording's length: from its container when it says, else measured from
    its packets' timestamps without decoding them (MediaRecorder's WebM carries no
    Duration), stopping once past `limit` (the upload limit by default)."""
    limit = upload_limit_seconds() if limit is None else limit
    with _open(path) as container:
        stream = container.streams.audio[0]
        if container.duration:
            return container.duration / 1_000_000  # av.time_base
        if stream.duration and stream.time_base:
            return float(stream.duration * stream.time_base)
        return _measured_seconds(container, stream, limit=limit)


def _measured_seconds(container, stream, *, limit: float) -> float:
    import av

    end = 0.0
    try:
        for packet in container.demux(stream):
            if packet.pts is None or packet.time_base is None:
                continue
            end = max(end, float((packet.pts + packet.duration) * packet.time_base))
            if end > limit:
                break
    except (av.error.FFmpegError, ValueError):
        raise ValidationError({"file": [UNREADABLE]}) from None
    return end


def decode_16k_mono(path, *, max_seconds: float | None = None) -> np.ndarray:
    """Every sample of the first audio stream, resampled to 16 kHz mono float32.
    Decoded frame by frame and counted as it goes: a recording longer than
    `max_seconds` (the upload limit by default) stops with a ValidationError, so
    what is held never passes the limit whatever the container claimed."""
    import av

    max_seconds = upload_limit_seconds() if max_seconds is None else max_seconds
    most = int(max_seconds * RATE)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
    chunks, held = [], 0
    with _open(path) as container:
        try:
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
                    held += chunks[-1].size
                if held > most:
                    raise too_long(max_seconds)
            for out in resampler.resample(None):  # flush
                chunks.append(out.to_ndarray().reshape(-1))
        except (av.error.FFmpegError, ValueError):
            raise ValidationError({"file": [UNREADABLE]}) from None
    if not chunks:
        raise ValidationError({"file": [UNREADABLE]})
    samples = np.concatenate(chunks).astype(np.float32)
    samples /= 32768.0
    return samples
