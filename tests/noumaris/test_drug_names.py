"""The exact drug-name finder (noumaris.common.drug_names) finds what the package's
own `find_drugs` finds, on the suite's encounters and on names of every shape; and
the list is kept (noumaris.common.kept): built once, read after, rebuilt when damaged.

The package is imported here (~2 s of CPU, once): it is what the finder is held to."""

import json
import re

from noumaris.common import drug_names
from noumaris.common.kept import kept_json, kept_path
from tests.templates_app import transcripts

SENTENCES = [
    "I take Tylenol and aspirin 81 mg, also vitamin D and folic acid daily.",
    "Lisinopril 10 milligrams daily, metformin ER twice a day, insulin glargine.",
    "Start amoxicillin clavulanate, stop the ibuprofen, keep the Advil at home.",
    "She is allergic to penicillin and sulfa drugs; no codeine either.",
    "Prednisone taper, albuterol inhaler as needed, Flonase nasal spray.",
    "The pain in my left arm is better, no fever, no cough.",
    "hydrochlorothiazide twenty five mg and potassium chloride",
    "",
]


def _texts() -> list[str]:
    lines = [
        text
        for name in dir(transcripts)
        if name.isupper() and isinstance(getattr(transcripts, name), list)
        for *_, text in getattr(transcripts, name)
    ]
    return SENTENCES + lines + [" ".join(lines)]


def test_it_finds_what_the_package_finds():
    from drug_named_entity_recognition import find_drugs

    found_any = 0
    for text in _texts():
        tokens = re.findall(r"[A-Za-z][A-Za-z0-9-]*", text)
        theirs = [(str(e["name"]), s, t) for e, s, t in find_drugs(tokens)]
        assert drug_names.drug_spans(tokens) == theirs, text
        found_any += bool(theirs)
    assert found_any >= 5  # the texts name drugs: the comparison means something


def test_the_list_is_built_once_then_read_and_a_damaged_one_is_built_again(
    settings, tmp_path
):
    settings.WHISPER_MODEL_CACHE = tmp_path
    builds = []

    def build():
        builds.append(1)
        return {"aspirin": ["aspirin"]}

    made_from = {"sources": [__file__], "packages": ["pytest"]}
    valid = {"valid": lambda value: isinstance(value, dict) and "aspirin" in value}
    assert kept_json("probe", build, **made_from, **valid) == {"aspirin": ["aspirin"]}
    path = kept_path("probe", **made_from)
    assert json.loads(path.read_text()) == {"aspirin": ["aspirin"]}
    assert kept_json("probe", build, **made_from, **valid) and len(builds) == 1
    for damage in ('{"aspirin": [', '{"other": []}'):  # cut short; not what was kept
        path.write_text(damage)
        assert kept_json("probe", build, **made_from, **valid)["aspirin"]
    assert len(builds) == 3
    assert json.loads(path.read_text()) == {"aspirin": ["aspirin"]}
    # made from something else (a new version of the source): another file
    assert kept_path("probe", sources=[transcripts.__file__]) != path


def test_a_folder_that_cannot_be_written_only_costs_the_build(settings, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    settings.WHISPER_MODEL_CACHE = blocked
    assert kept_json("probe", lambda: [1, 2]) == [1, 2]
