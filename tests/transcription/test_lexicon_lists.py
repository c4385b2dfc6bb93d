"""The drug lexicon's lists are built from the package once and kept: a later
process reads the same lists, and a damaged file is built again, never trusted.
Each build costs ~3 s of CPU: two in all here."""

import json

import pytest

from transcription.engines import lexicon


@pytest.fixture
def fresh_lists(settings, tmp_path):
    """An empty cache folder, as a new install has, and the lists this process
    already holds (from the default folder); those are restored after."""
    held = lexicon._drug_lists()
    settings.WHISPER_MODEL_CACHE = tmp_path
    lexicon._drug_lists.cache_clear()
    yield tmp_path, held
    lexicon._drug_lists.cache_clear()


def test_a_later_process_reads_the_lists_the_first_one_built(fresh_lists):
    folder, held = fresh_lists
    built = lexicon._drug_lists()  # built from the packages and kept
    assert built == held
    (kept,) = folder.glob("drug-lists-*.json")
    assert kept.stat().st_size > 1_000_000  # the whole list, not a stub
    lexicon._drug_lists.cache_clear()  # as a new process: from the file alone
    assert lexicon._drug_lists() == built
    assert ("methotrexate", "M0TRKST", "methotrexate") in lexicon.lexicon()
    assert "lisinopril" in lexicon.known_drugs()
    assert "pressure" in lexicon._english()
    # read, not built: a name only the file holds is known
    lists = json.loads(kept.read_text())
    kept.write_text(json.dumps({**lists, "known": [*lists["known"], "noumarisol"]}))
    lexicon._drug_lists.cache_clear()
    assert "noumarisol" in lexicon.known_drugs()


def test_a_damaged_file_is_built_again(fresh_lists):
    folder, held = fresh_lists
    kept = lexicon._drug_lists_path()
    kept.write_text('{"lexicon": [["methotrexate"')  # cut short
    assert lexicon._drug_lists() == held
    assert kept.read_text().endswith("]}")
