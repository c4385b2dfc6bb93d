"""Decoding audio with Whisper, and keeping only what Whisper did not make up.

A window Whisper fails on is decoded again before anything is dropped: each decode
passes faster-whisper's temperature fallback (a loop or a doubtful window is tried
again at higher temperatures), and a whole-recording window that still comes out as
a repetition loop is cut at shorter pauses and each piece decoded alone, so a loop
over a recording's opening no longer takes the words after it with it. Speech that
the whole-recording pass returned nothing for is decoded again the same way: when
the fallback's last, sampled try of a looping window scores as silence,
faster-whisper skips the window without a segment (seen on the looping test
recording with 7 of 12 CTranslate2 seeds: the greeting after the loop was gone).
"""

import logging
import re
from dataclasses import dataclass

import numpy as np

logger = logging.getLogger(__name__)

SAMPLE_RATE = 16000
# faster-whisper's default fallback; `temperature=0.0` alone would turn it off.
TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)

# Whisper's own rule for "nothing was said", and its repetition-loop signal.
NO_SPEECH_PROB = 0.6
LOG_PROB_FLOOR = -1.0
MAX_COMPRESSION_RATIO = 2.4
# Text Whisper emits on silence and noise (learnt from video subtitles). The first
# set is never said in a clinic; the second is, so it goes only when Whisper itself
# doubts there was speech.
NEVER_SAID = {
    "thank you for watching",
    "thanks for watching",
    "thank you for watching this video",
    "thank you so much for watching",
    "please subscribe",
    "please like and subscribe",
    "like and subscribe",
    "subscribe to my channel",
    "see you in the next video",
    "subtitles by the amaraorg community",
}
SAID_ON_NOISE = {"you", "thank you", "thanks", "bye", "okay", "oh"}
# Measured on espeak-ng speech of ACI-Bench train lines: a patient's real "Okay." or
# "Yes." decodes at no-speech 0.22-0.28 and log-probability -0.35 to -0.47, so such
# a word goes only past 0.35, or past 0.2 when Whisper is also unsure of the words.
DOUBTFUL_NO_SPEECH_PROB = 0.35
UNSURE_NO_SPEECH_PROB = 0.2
UNSURE_LOG_PROB = -0.5

# Tokens Whisper may write for one 30-second window. faster-whisper allows up to the
# model's 448 less the prompt; a window that loops ("R.A. R.A. ...") writes them all,
# at every temperature of the fallback and for each of its best_of samples. Thirty
# seconds of fast clinical speech is ~110 tokens with its timestamps, and a window
# cut short is not lost (the next one starts at its last timestamp); OpenAI's
# reference decoder stops at 224. 220 leaves room for the longest prompt
# faster-whisper builds (228 tokens). On the suite's looping recording (tiny.en) the
# upload decode took 12.5 CPU-s instead of 22.5, hearing the same words.
MAX_NEW_TOKENS = 220

# A longer stretch of VAD speech dropped as silence is decoded again.
MAX_DROPPED_S = 3.0
# Re-decoding a looped window: pieces cut at pauses this long, padded like the live
# engine's utterances, at most this long each.
REDECODE_SILENCE_MS = 500
REDECODE_PAD_MS = 200
REDECODE_MAX_S = 20


def _normalised(text: str) -> str:
    return re.sub(r"[^a-z ]+", "", text.lower()).strip()


def looped(segment) -> bool:
    """A repetition loop: in the window (Whisper's own figure) or in this segment."""
    from faster_whisper.transcribe import get_compression_ratio

    return (
        segment.compression_ratio > MAX_COMPRESSION_RATIO
        or get_compression_ratio(segment.text) > MAX_COMPRESSION_RATIO
    )


def kept(segment) -> bool:
    """Whether a Whisper segment is speech, not one of its known failure modes."""
    words = _normalised(segment.text)
    if not words or words in NEVER_SAID or looped(segment):
        return False
    if segment.no_speech_prob > NO_SPEECH_PROB and segment.avg_logprob < LOG_PROB_FLOOR:
        return False
    return not (
        words in SAID_ON_NOISE
        and (
            segment.no_speech_prob > DOUBTFUL_NO_SPEECH_PROB
            or (
                segment.no_speech_prob > UNSURE_NO_SPEECH_PROB
                and segment.avg_logprob < UNSURE_LOG_PROB
            )
        )
    )


def kept_text(segments) -> str:
    """The text of Whisper's `segments` without its known failure modes."""
    return " ".join(s.text.strip() for s in segments if kept(s))


@dataclass(frozen=True, slots=True)
class Heard:
    """What Whisper heard in a stretch of audio, times in seconds from its start."""

    start: float
    end: float
    segments: tuple  # Whisper's kept segments (with their words)
    offset: float = 0.0  # add to the segments' own times

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments)


def decode_options(*, beam_size: int, prompt=None, quick=False) -> dict:
    return {
        "language": "en",
        "beam_size": beam_size,
        "temperature": 0.0 if quick else TEMPERATURES,
        "condition_on_previous_text": False,
        "word_timestamps": not quick,
        "max_new_tokens": MAX_NEW_TOKENS,
        **(prompt or {}),
    }


def decode_utterance(
    model, audio: np.ndarray, *, beam_size: int, prompt=None, quick=False
):
    """Whisper's kept segments for one utterance (blocking); `quick`: one pass at
    temperature 0 without word times (interim text)."""
    options = decode_options(beam_size=beam_size, prompt=prompt, quick=quick)
    segments, _ = model.transcribe(
        audio, vad_filter=False, without_timestamps=True, **options
    )
    return tuple(s for s in segments if kept(s))


def decode_recording(
    model, samples: np.ndarray, *, beam_size: int, prompt=None, on_progress=None
) -> list[Heard]:
    """What Whisper heard in a whole recording, in order (blocking).

    Whisper's own VAD pass packs the speech into 30-second windows, which is several
    times faster than decoding it utterance by utterance; a window that still loops
    after the temperature fallback is cut into utterances, each decoded alone.
    """
    segments, _ = model.transcribe(
        samples, vad_filter=True, **decode_options(beam_size=beam_size, prompt=prompt)
    )
    windows: dict[int, list] = {}  # Whisper's 30-second windows, by their seek
    for segment in _progressing(segments, on_progress):
        windows.setdefault(segment.seek, []).append(segment)
    heard, failed = [], _unheard(samples, windows.values())
    decoded = list(windows.values())
    good = [_decoded_well(w) for w in decoded]
    for n, window in enumerate(decoded):
        if good[n]:
            heard += [Heard(s.start, s.end, (s,)) for s in window if kept(s)]
            continue
        # All the audio between the good windows around it: a failed window's first
        # segment may start seconds into it (a sampled decode skips what it could
        # not read), and what it skipped must be decoded again too.
        earlier = [w[-1].end for w, ok in zip(decoded[:n], good[:n], strict=True) if ok]
        later = [
            w[0].start
            for w, ok in zip(decoded[n + 1 :], good[n + 1 :], strict=True)
            if ok
        ]
        start = earlier[-1] if earlier else 0.0
        end = later[0] if later else len(samples) / SAMPLE_RATE
        failed.append((start, end))
    for start, end in _merged(failed):
        logger.info("Whisper failed on %.1f-%.1f s: decoding it again", start, end)
        heard += _redecode(model, samples, start, end, beam_size, prompt)
    return sorted(heard, key=lambda h: h.start)


def _unheard(samples: np.ndarray, windows) -> list[tuple[float, float]]:
    """The stretches of speech (faster-whisper's own VAD, with the options its
    `vad_filter` pass used) that no segment of the pass overlaps, kept or not."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    returned = sorted((s.start, s.end) for window in windows for s in window)
    unheard = []
    for chunk in get_speech_timestamps(samples, VadOptions()):
        start, end = chunk["start"] / SAMPLE_RATE, chunk["end"] / SAMPLE_RATE
        if not any(s < end and e > start for s, e in returned):
            unheard.append((start, end))
    return unheard


def _merged(ranges: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """`ranges` in order, those that touch or overlap joined."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted(ranges):
        if merged and merged[-1][1] >= start:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _decoded_well(window: list) -> bool:
    """A window decoded at the first temperature, dropping nothing but a short
    phrase on silence: a fallback, a loop, or seconds of VAD speech judged silent
    mean part of it may be lost or made up."""
    return all(
        s.temperature == TEMPERATURES[0]
        and (kept(s) or (not looped(s) and s.end - s.start < MAX_DROPPED_S))
        for s in window
    )


def _progressing(segments, on_progress):
    for segment in segments:
        if on_progress is not None:
            on_progress(segment.end)
        yield segment


def _redecode(model, samples, start: float, end: float, beam_size, prompt):
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    first = int(start * SAMPLE_RATE)
    window = samples[first : int(end * SAMPLE_RATE)]
    pieces = get_speech_timestamps(
        window,
        VadOptions(
            min_silence_duration_ms=REDECODE_SILENCE_MS,
            speech_pad_ms=REDECODE_PAD_MS,
            max_speech_duration_s=REDECODE_MAX_S,
        ),
    )
    heard = []
    for piece in pieces:
        audio = window[piece["start"] : piece["end"]]
        kept_segments = decode_utterance(
            model, audio, beam_size=beam_size, prompt=prompt
        )
        if kept_segments:
            offset = (first + piece["start"]) / SAMPLE_RATE
            heard.append(
                Heard(offset, offset + len(audio) / SAMPLE_RATE, kept_segments, offset)
            )
    return heard
