"""Lists a process would otherwise build from a package at every start, kept on disk.

Some packages build what we read from them at import (the drug list unpickles and
indexes 107,000 names: ~2 s of CPU in every process that drafts, verifies or
transcribes). `kept_json` keeps what a caller builds from them as JSON in
WHISPER_MODEL_CACHE (the folder for the product's model files), named by what it
is made from (the caller's source and the packages' versions), so only the first
process after an install or a change builds it; the others read it (~0.1 s). A
file that cannot be read is built again; one that cannot be written is only not
kept. A file is written whole or not at all (a process reading it meanwhile sees
the old one or none).
"""

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def kept_json(
    name: str,
    build: Callable[[], Any],
    *,
    sources: Iterable[str | Path] = (),
    packages: Iterable[str] = (),
    valid: Callable[[Any], bool] = lambda value: True,
) -> Any:
    """`build()` (a JSON value), from the kept file when one was made from the same
    `sources` (files) and `packages` (their installed versions) and it is `valid`."""
    path = kept_path(name, sources=sources, packages=packages)
    try:
        value = json.loads(path.read_text())
        if valid(value):
            return value
    except (OSError, ValueError):
        pass
    built = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=path.parent, prefix=f".{name}-", delete=False
        ) as out:
            json.dump(built, out)
        os.replace(out.name, path)
    except OSError:
        logger.warning("%s could not be kept in %s", name, path.parent)
    return built


def kept_path(name: str, *, sources=(), packages=()) -> Path:
    """Where `kept_json` keeps `name` made from these sources and packages."""
    made_from = hashlib.sha256()
    for source in sources:
        made_from.update(Path(source).read_bytes())
    for package in packages:
        made_from.update(f"{package}=={metadata.version(package)}".encode())
    return _folder() / f"{name}-{made_from.hexdigest()[:16]}.json"


def _folder() -> Path:
    from django.conf import settings

    # Outside Django (the benchmarks, pure functions in a script): the setting's own
    # default, read as settings.py reads it.
    return Path(
        settings.WHISPER_MODEL_CACHE
        if settings.configured
        else os.environ.get("WHISPER_MODEL_CACHE")
        or Path.home() / ".cache" / "noumaris" / "whisper"
    )
