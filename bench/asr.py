"""Benchmark of the speech engines (issue 16) on synthetic clinical dialogues.

The development set is made from ACI-Bench's TRAIN dialogues only
(../shared/data/aci-bench/train.csv, CC BY 4.0; its test splits are held out for
acceptance and never read here): each line is spoken by espeak-ng, the doctor in
one voice and the patient in another, 16 kHz mono, lines 0.8 s apart. The audio
is cached outside the repository (~/.cache/noumaris-asr, or NOUMARIS_ASR_CACHE).

Per engine and model it reports (scores: bench/asr_scores.py):
- WER of the finals against the spoken lines, on the text shown and on the text
  the engine heard (before the drug lexicon's and the numbers' rewrites);
- RTF: decoding seconds per second of audio, audio fed as fast as it is taken, in
  wall time and in CPU time (the process's, all threads), and from the CPU time the
  real-time streams one core sustains (finals; interims yield to them);
- interim and final latency, p50/p95, from the end of each spoken line to the first
  result covering it, with the audio streamed in real time through the engine
  interface (one stream);
- the most concurrent real-time streams the machine sustains with final p95 <= 3 s
  (streams added one at a time until the p95 goes past it);
- a 20-minute recording transcribed as an upload: seconds to the transcript;
- what a clinician must trust (issue 23), live and as an upload (whole-file): drug
  mentions kept / said and drugs written that nobody said per 10 minutes, numbers
  with units kept / said, and each final's speaker role (the roles classifier's)
  against the spoken line's;
- a summary: each of issue 23's targets, the figure measured and whether it is met.

The roles classifier was trained on ACI-Bench train (transcription/engines/
roles_model/): its accuracy on train dialogues flatters it; `--split valid` speaks
ACI-Bench valid dialogues instead (a development split too, held out from training).

    .venv/bin/python bench/asr.py --quick
    .venv/bin/python bench/asr.py --dialogues 5 --max-streams 8
    .venv/bin/python bench/asr.py --models tiny.en,base --dialogues 3
    .venv/bin/python bench/asr.py --smoke   # seconds, generated audio (CI)

Drug recall needs many mentions: `--drug-dense --dialogues 4` speaks the four train
dialogues with the most drug mentions per word (59 mentions, 30 minutes), chosen by
that rule alone. `--finals-out F` keeps the live finals with Whisper's words and
their probabilities; `--rescore F` measures a change to the drug lexicon or the
numbers' rewrite on those same words, without decoding again.

Other work on the machine skews every figure: note `uptime` beside them (printed).
"""

import argparse
import asyncio
import csv
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noumaris.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

from asr_scores import drugs_in, scores, summary  # noqa: E402 (bench/ is the script's path)

ACI = ROOT.parent / "shared" / "data" / "aci-bench"
TRAIN = Path(os.environ.get("NOUMARIS_ACI_TRAIN") or ACI / "train.csv")
CACHE = Path(os.environ.get("NOUMARIS_ASR_CACHE", "~/.cache/noumaris/asr")).expanduser()
VOICES = {"doctor": "en-us", "patient": "en-gb"}  # everyone else: the patient's
RATE = 16000
GAP_S = 0.8
FRAME = 3200  # 100 ms of 16-bit PCM
FINAL_P95_LIMIT_S = 3.0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dialogues", type=int, default=5, help="train dialogues")
    parser.add_argument(
        "--drug-dense",
        action="store_true",
        help="the --dialogues dialogues with the most drug mentions per word spoken "
        "(as the drug recall counts them), not the first ones",
    )
    parser.add_argument(
        "--split",
        choices=("train", "valid"),
        default="train",
        help="ACI-Bench split spoken (never test); valid: held out from the roles "
        "classifier's training",
    )
    parser.add_argument(
        "--wer-seconds", type=float, default=0, help="audio per dialogue (0: all)"
    )
    parser.add_argument("--latency-seconds", type=float, default=120)
    parser.add_argument("--stream-seconds", type=float, default=60)
    parser.add_argument("--max-streams", type=int, default=8)
    parser.add_argument("--upload-minutes", type=float, default=20)
    parser.add_argument("--skip-upload", action="store_true")
    parser.add_argument(
        "--skip-live",
        action="store_true",
        help="no live engine (accuracy, latency, streams): uploads only",
    )
    parser.add_argument("--skip-streams", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument(
        "--quick", action="store_true", help="2 dialogues, 3 min each, short runs"
    )
    parser.add_argument("--models", default="", help="e.g. tiny.en,base")
    parser.add_argument(
        "--finals-out",
        type=Path,
        help="write the live finals (shown and heard) beside the lines to this JSON, "
        "and the whole-file ones to its name with .upload before the suffix",
    )
    parser.add_argument("--skip-whole-file", action="store_true")
    parser.add_argument(
        "--false-corrections",
        type=int,
        default=0,
        help="only: the drug lexicon's corrections on N train dialogues' own text",
    )
    parser.add_argument(
        "--rescore",
        type=Path,
        help="only: the drug and number figures of a --finals-out file, rewritten "
        "again by today's lexicon",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a few seconds on generated speech (no ../shared): the script runs",
    )
    args = parser.parse_args()
    if args.smoke:
        args.dialogues, args.wer_seconds = 1, 0
        args.skip_latency = args.skip_streams = args.skip_upload = True
    if args.quick:
        args.dialogues, args.wer_seconds = 2, 180
        args.latency_seconds, args.stream_seconds = 60, 45
    return args


# --- the development set ---------------------------------------------------------------
LINE = re.compile(r"^\[(\w+)\]\s*(.*)$")


def train_dialogues(
    count: int, split: str = "train", *, drug_dense: bool = False
) -> list[tuple[str, list[tuple[str, str]]]]:
    """The split's first `count` dialogues, or with `drug_dense` the `count` with
    the most drug mentions per word spoken (the split's order breaking ties)."""
    csv.field_size_limit(10**8)
    path = TRAIN if split == "train" else ACI / f"{split}.csv"
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    dialogues = []
    for row in rows:
        lines = []
        for raw in row["dialogue"].splitlines():
            match = LINE.match(raw.strip())
            if match and match.group(2).strip():
                lines.append((match.group(1).lower(), match.group(2).strip()))
        dialogues.append((row["encounter_id"], lines))
    if drug_dense:
        dialogues.sort(key=lambda dialogue: -drug_density(dialogue[1]))
    return dialogues[:count]


def drug_density(lines: list[tuple[str, str]]) -> float:
    """Drug mentions per word of the spoken lines, counted as the drug recall
    counts them (bench/asr_scores.py)."""
    text = " ".join(spoken(line) for _, line in lines)
    return len(drugs_in(text)) / max(1, len(text.split()))


def spoken(text: str) -> str:
    """ACI-Bench's tokenised text (`i'm doing okay .`) as a speaker would say it."""
    text = re.sub(r"\s+([.,?!;:])", r"\1", text)
    return re.sub(r"\s+'", "'", text)


def synthesise(encounter: str, lines: list[tuple[str, str]]) -> dict:
    """The dialogue's audio (cached) and each line's text and span in samples."""
    key = hashlib.sha256(json.dumps([VOICES, lines]).encode()).hexdigest()[:12]
    wav, meta = CACHE / f"{encounter}-{key}.wav", CACHE / f"{encounter}-{key}.json"
    if wav.exists() and meta.exists():
        return {"wav": wav, **json.loads(meta.read_text())}
    CACHE.mkdir(parents=True, exist_ok=True)
    spans, pcm = [], bytearray()
    gap = bytes(int(GAP_S * RATE) * 2)
    with tempfile.TemporaryDirectory() as folder:
        for n, (speaker, text) in enumerate(lines):
            raw, out = Path(folder) / f"{n}.wav", Path(folder) / f"{n}-16k.wav"
            voice = VOICES.get(speaker, VOICES["patient"])
            subprocess.run(
                ["espeak-ng", "-v", voice, "-s", "165", "-w", str(raw), spoken(text)],
                check=True,
            )
            subprocess.run(
                ["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out)],
                check=True,
            )
            with wave.open(str(out)) as handle:
                audio = handle.readframes(handle.getnframes())
            pcm += gap
            start = len(pcm) // 2
            pcm += audio
            spans.append([speaker, spoken(text), start, len(pcm) // 2])
    pcm += gap
    with wave.open(str(wav), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(RATE)
        handle.writeframes(bytes(pcm))
    meta.write_text(json.dumps({"lines": spans}))
    return {"wav": wav, "lines": spans}


def read_pcm(path: Path) -> bytes:
    with wave.open(str(path)) as handle:
        return handle.readframes(handle.getnframes())


def clip(item: dict, seconds: float) -> tuple[bytes, list]:
    """The dialogue's first `seconds` (0: all), cut after a whole line."""
    pcm, lines = read_pcm(item["wav"]), item["lines"]
    if seconds:
        lines = [line for line in lines if line[3] <= seconds * RATE] or lines[:1]
        pcm = pcm[: (lines[-1][3] + int(GAP_S * RATE)) * 2]
    return pcm, lines


# --- driving an engine ----------------------------------------------------------------------
class Collector:
    def __init__(self) -> None:
        self.results: list[tuple[float, object]] = []

    async def __call__(self, result) -> None:
        self.results.append((time.perf_counter(), result))


async def stream(engine_name: str, pcm: bytes, *, real_time: bool):
    """Push `pcm` through a fresh engine; the results and when the stream began."""
    from transcription.engines import engine_for

    engine = engine_for(engine_name)
    collector = Collector()
    await engine.start(sample_rate=RATE, language="en", on_result=collector)
    began = time.perf_counter()
    for n, i in enumerate(range(0, len(pcm), FRAME)):
        await engine.send_audio(pcm[i : i + FRAME])
        if real_time:
            await asyncio.sleep(max(0.0, began + (n + 1) * 0.1 - time.perf_counter()))
    await engine.finish()
    return collector.results, began, time.perf_counter() - began


def latencies(results, began: float, lines) -> tuple[list[float], list[float]]:
    """Per line: seconds from its end to the first interim and final covering it."""
    interim, final = [], []
    for _, _, _, end in lines:
        end_ms, spoken_at = end * 1000 // RATE, began + end / RATE
        for kind, wanted in ((interim, None), (final, True)):
            arrivals = [
                at
                for at, r in results
                if r.end_ms >= end_ms - 300 and (wanted is None or r.is_final)
            ]
            if arrivals:
                kind.append(max(0.0, min(arrivals) - spoken_at))
    return interim, final


def p(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def bench_accuracy(
    engine_name: str, items: list[dict], seconds: float, finals_out: Path | None = None
) -> dict:
    refs, finals_and_lines, audio, spent = [], [], 0.0, 0.0
    cpu = time.process_time()  # every thread's: robust to other work on the machine
    for item in items:
        pcm, lines = clip(item, seconds)
        results, _, took = asyncio.run(stream(engine_name, pcm, real_time=False))
        refs.append(" ".join(line[1] for line in lines))
        finals_and_lines.append(([r for _, r in results if r.is_final], lines))
        audio += len(pcm) / (2 * RATE)
        spent += took
    cpu_rtf = (time.process_time() - cpu) / audio
    if finals_out:
        write_finals(finals_out, finals_and_lines, audio)
    return {
        **scores(refs, finals_and_lines, audio),
        "rtf": round(spent / audio, 3),
        "cpu_rtf": round(cpu_rtf, 3),
        # Finals only: interims are decoded only while a decoder is idle.
        "streams_one_core_sustains": round(1 / cpu_rtf, 1),
        "audio_seconds": round(audio),
    }


def write_finals(path: Path, finals_and_lines, audio: float) -> None:
    """The live finals beside the spoken lines, with the words Whisper heard and
    their probabilities (a rewritten word's heard words each at its probability,
    the lowest of them), for `--rescore`."""
    dialogues = []
    for finals, lines in finals_and_lines:
        rows = []
        for final in finals:
            heard = [
                [text, w.probability]
                for w in final.words
                for text in (w.heard.split() if w.heard else [w.text])
            ]
            rows.append({"text": final.text, "heard": final.heard, "words": heard})
        dialogues.append({"lines": [line[1] for line in lines], "finals": rows})
    path.write_text(json.dumps({"audio_seconds": audio, "dialogues": dialogues}))


def rescore(path: Path) -> dict:
    """Drug and number figures of finals written by `--finals-out`, their heard
    words rewritten again as today's finals are (the prompt's echoes, the lexicon,
    the numbers; no decoding: a change to them measured on the same Whisper
    output)."""
    from asr_scores import trust

    from transcription.engines.clinical import shown_words
    from transcription.engines.prompting import prompted_words, whisper_prompt
    from transcription.engines.words import DRUG, UNKNOWN, Word, shown_text

    saved = json.loads(path.read_text())
    prompted = prompted_words(whisper_prompt(None))
    references, hypotheses, corrections, unknown = [], [], [], []
    for dialogue in saved["dialogues"]:
        texts = []
        for final in dialogue["finals"]:
            heard = [Word(t, 0, 0, p) for t, p in final["words"]]
            words = shown_words(heard, prompted) if heard else None
            if words is None:
                continue
            texts.append(shown_text(words))
            corrections += [f"{w.heard} -> {w.text}" for w in words if w.kind == DRUG]
            unknown += [w.text for w in words if w.kind == UNKNOWN]
        references.append(" ".join(dialogue["lines"]))
        hypotheses.append(" ".join(texts))
    return {
        **trust(references, hypotheses, saved["audio_seconds"]),
        "corrections": corrections,
        # words no dictionary knows in a medication context: underlined as doubtful
        "unknown_words": unknown,
    }


def bench_latency(engine_name: str, items: list[dict], seconds: float) -> dict:
    pcm, lines = clip(items[0], seconds)
    results, began, _ = asyncio.run(stream(engine_name, pcm, real_time=True))
    interim, final = latencies(results, began, lines)
    return {
        "lines": len(lines),
        "interim_p50": p(interim, 0.5),
        "interim_p95": p(interim, 0.95),
        "final_p50": p(final, 0.5),
        "final_p95": p(final, 0.95),
    }


async def concurrent(engine_name: str, items: list[dict], count: int, seconds: float):
    jobs = []
    for n in range(count):
        item = items[n % len(items)]
        pcm, lines = read_pcm(item["wav"]), item["lines"]
        skip = (n // len(items)) * int(seconds * RATE)  # another stretch of it
        lines = [
            [s, t, a - skip, b - skip]
            for s, t, a, b in lines
            if a >= skip and b - skip <= seconds * RATE
        ]
        chunk = pcm[skip * 2 : (skip + int(seconds * RATE)) * 2]
        jobs.append((chunk, lines))

    async def one(n, chunk, lines):
        await asyncio.sleep(n * 0.37)  # streams do not speak in step
        results, began, _ = await stream(engine_name, chunk, real_time=True)
        return latencies(results, began, lines)[1]

    outcomes = await asyncio.gather(*(one(n, *job) for n, job in enumerate(jobs)))
    return [value for finals in outcomes for value in finals]


def bench_streams(engine_name: str, items: list[dict], seconds: float, most: int):
    from django.conf import settings

    settings.WHISPER_MAX_STREAMS = most
    sustained, runs = 0, []
    for count in range(1, most + 1):
        finals = asyncio.run(concurrent(engine_name, items, count, seconds))
        p95 = p(finals, 0.95)
        runs.append({"streams": count, "final_p50": p(finals, 0.5), "final_p95": p95})
        print(json.dumps({"concurrency": runs[-1], "load": load()}), flush=True)
        if p95 is None or p95 > FINAL_P95_LIMIT_S:
            break
        sustained = count
    return {"sustained_streams": sustained, "runs": runs}


def bench_upload(items: list[dict], minutes: float) -> dict:
    import numpy as np
    from django.conf import settings

    from transcription.engines.offline import transcribe_recording, whisper_model

    pcm = b""
    while len(pcm) < minutes * 60 * RATE * 2:
        for item in items:
            pcm += read_pcm(item["wav"])
    pcm = pcm[: int(minutes * 60 * RATE) * 2]
    whisper_model(settings.WHISPER_UPLOAD_MODEL)
    began, cpu = time.perf_counter(), time.process_time()
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    results = transcribe_recording(samples, beam_size=settings.WHISPER_BEAM_SIZE)
    took = time.perf_counter() - began
    return {
        "audio_minutes": minutes,
        "seconds_to_transcript": round(took, 1),
        "rtf": round(took / (minutes * 60), 3),
        "cpu_rtf": round((time.process_time() - cpu) / (minutes * 60), 3),
        "segments": len(results),
    }


def bench_whole_file(
    items: list[dict], seconds: float, finals_out: Path | None = None
) -> dict:
    """Each dialogue transcribed as an upload is (whole-file, Whisper's VAD)."""
    import numpy as np
    from django.conf import settings

    from transcription.engines.offline import transcribe_recording

    refs, finals_and_lines, audio = [], [], 0.0
    began = time.perf_counter()
    for item in items:
        pcm, lines = clip(item, seconds)
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
        results = transcribe_recording(samples, beam_size=settings.WHISPER_BEAM_SIZE)
        refs.append(" ".join(line[1] for line in lines))
        finals_and_lines.append((results, lines))
        audio += len(pcm) / (2 * RATE)
    took = time.perf_counter() - began
    if finals_out:
        write_finals(upload_finals(finals_out), finals_and_lines, audio)
    return {
        **scores(refs, finals_and_lines, audio),
        "rtf": round(took / audio, 3),
        "audio_seconds": round(audio),
    }


def upload_finals(path: Path) -> Path:
    """Where `--finals-out path` writes the whole-file finals."""
    return path.with_name(f"{path.stem}.upload{path.suffix}")


def bench_false_corrections(count: int, probability: float) -> dict:
    """The lexicon's corrections on the reference text itself (as if every word were
    heard right, each at `probability`): every correction there is a false one."""
    from transcription.engines.lexicon import correct
    from transcription.engines.words import DRUG, Word

    words_said, corrections = 0, []
    for _, lines in train_dialogues(count):
        for _, text in lines:
            words = [Word(w, 0, 0, probability) for w in spoken(text).split()]
            words_said += len(words)
            corrections += [
                f"{w.heard} -> {w.text}" for w in correct(words) if w.kind == DRUG
            ]
    minutes = words_said / 150  # espeak-ng's rate here (165 wpm) less the pauses
    return {
        "dialogues": count,
        "words": words_said,
        "word_probability": probability,
        "false_corrections": len(corrections),
        "per_10_min": round(len(corrections) / (minutes / 10), 2),
        "examples": corrections[:10],
    }


SMOKE_LINES = [
    ("doctor", "how are you feeling today ?"),
    ("patient", "better , thank you ."),
    ("doctor", "take metformin 500 mg twice a day for two weeks ."),
]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    args = parse_args()
    import django

    django.setup()

    if args.rescore:
        print(json.dumps(rescore(args.rescore), indent=1))
        return
    if args.false_corrections:
        for probability in (0.9, 0.5):
            figures = bench_false_corrections(args.false_corrections, probability)
            print(json.dumps(figures), flush=True)
        return
    if args.smoke:  # generated speech, never ../shared; its own cache
        global CACHE
        CACHE = Path(tempfile.mkdtemp(prefix="noumaris-asr-smoke-"))
        items = [synthesise("smoke", SMOKE_LINES)]
    else:
        items = [
            synthesise(e, lines)
            for e, lines in train_dialogues(
                args.dialogues, args.split, drug_dense=args.drug_dense
            )
        ]
    from django.conf import settings

    reports = []
    for model in (args.models or getattr(settings, "WHISPER_MODEL", "tiny.en")).split(
        ","
    ):
        settings.WHISPER_MODEL = settings.WHISPER_UPLOAD_MODEL = model
        reports.append(bench_model(args, items, model))
    print(json.dumps(reports, indent=2))
    for report in reports:
        assert (report.get("accuracy") or report["whole_file"])["audio_seconds"] > 0
        print(json.dumps({"summary": report["summary"]}, indent=1))


def bench_model(args, items, model: str) -> dict:
    from transcription.engines.offline import whisper_model

    whisper_model()  # loaded once, as a server process does
    report = {
        "engine": "offline",
        "model": model,
        "cpus": os.cpu_count(),
        "load_before": load(),
        "dialogues": [item["wav"].stem.rsplit("-", 1)[0] for item in items],
    }
    if not args.skip_live:
        report["accuracy"] = bench_accuracy(
            "offline", items, args.wer_seconds, args.finals_out
        )
        report["accuracy"]["load"] = load()
        print(json.dumps(report), flush=True)
    if not (args.skip_live or args.skip_latency):
        latency = bench_latency("offline", items, args.latency_seconds)
        report["latency_one_stream"] = {**latency, "load": load()}
        print(json.dumps(report["latency_one_stream"]), flush=True)
    if not (args.skip_live or args.skip_streams):
        report["concurrency"] = bench_streams(
            "offline", items, args.stream_seconds, args.max_streams
        )
    if not args.skip_whole_file or args.skip_live:
        report["whole_file"] = bench_whole_file(
            items, args.wer_seconds, args.finals_out
        )
        report["whole_file"]["load"] = load()
        print(json.dumps(report["whole_file"]), flush=True)
    if not args.skip_upload:
        report["upload"] = bench_upload(items, args.upload_minutes)
        report["upload"]["load"] = load()
    report["load_after"] = load()
    report["summary"] = summary(report, "smoke" if args.smoke else args.split)
    return report


if __name__ == "__main__":
    main()
