"""In Chromium: a resident drafts a History and Physical with the embedded offline
drafter from a visit with a drug allergy, a dictated examination with vitals and a
two-problem plan, and the note page reads as the attending would sign it: each fact
in its section, each problem with its plan item, no patient speech in the first
person.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import SharedServer, screenshot
from tests.templates_app.conftest import record_encounter
from tests.templates_app.test_browser_notes import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_attending_note")]

VISIT = [
    (0, "Good morning, Mrs. Rivera. What brings you in today?"),
    (1, "My left knee has been hurting for about three weeks, mostly on the stairs."),
    (0, "Any swelling or locking?"),
    (1, "No swelling, no locking."),
    (0, "What medications do you take?"),
    (1, "I take lisinopril 20 mg once a day for my blood pressure."),
    (0, "Any allergies to medications?"),
    (1, "I'm allergic to sulfa. I get a rash with it."),
    (0, "Let me examine you. Your blood pressure is 148 over 92 and your pulse is 76."),
    (0, "On your left knee exam there is tenderness along the medial joint line "
        "and no effusion."),
    (0, "For your first problem, left knee osteoarthritis, I want to start "
        "meloxicam 15 mg once a day and refer you to physical therapy."),
    (0, "For your second problem, hypertension, I want to increase the lisinopril "
        "to 40 mg a day and check a basic metabolic panel."),
    (1, "Okay, thank you."),
]  # fmt: skip
SECTIONS = [
    "chief_complaint", "hpi", "past_history", "medications", "allergies",
    "social_history", "family_history", "review_of_systems", "exam", "results",
    "assessment", "plan",
]  # fmt: skip
FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|me|my|we|us|our)\b")


@pytest.fixture(scope="module")
def offline():
    """A server and task worker drafting with the embedded drafter (tests/browser.py)."""
    shared = SharedServer()
    yield shared(worker=True, NOTE_ENGINE="offline")
    shared.close()


def test_offline_draft_reads_as_the_attending_would_sign_it(
    offline, module_browser, transactional_db, resident, password, seeded_templates
):
    encounter = record_encounter(resident, VISIT, label="Room 2, knee")
    page = module_browser.new_page(viewport={"width": 1280, "height": 1400})
    sign_in(page, offline, "resident", password)
    page.goto(f"{offline}/encounters/{encounter.pk}")
    page.get_by_label("Template").select_option(
        label="History and Physical · Internal Medicine"
    )
    page.get_by_role("button", name="Generate note").click()
    page.wait_for_url(re.compile(r"/notes/\d+$"))
    expect(page.get_by_text("Draft complete")).to_be_visible()

    def body(key: str) -> str:
        return page.locator(f"#section-{key} [data-role=body]").inner_text()

    text = {key: body(key) for key in SECTIONS}
    screenshot(page, "note-attending-hp")

    assert "pain" in text["chief_complaint"].lower()
    assert "left knee" in text["chief_complaint"].lower()
    # the allergen under Allergies with its reaction, never under Medications
    assert "sulfa" in text["allergies"].lower()
    assert "rash" in text["allergies"].lower()
    assert "sulfa" not in text["medications"].lower()
    assert "lisinopril 20 mg" in text["medications"].lower()
    # the dictated vitals and finding in the examination, in standard form
    assert "BP 148/92" in text["exam"]
    assert "HR 76" in text["exam"]
    assert "medial joint line" in text["exam"]
    for key in ("chief_complaint", "hpi", "medications", "allergies"):
        assert "148" not in text[key] and "medial joint line" not in text[key]
    # two numbered problems, each with its plan item
    assert re.search(r"1\. Left knee osteoarthritis", text["assessment"])
    assert re.search(r"2\. Hypertension", text["assessment"])
    plan = {
        line.split(":")[0]: line for line in text["plan"].splitlines() if ":" in line
    }
    assert "meloxicam 15 mg" in plan["Left knee osteoarthritis"]
    assert "physical therapy" in plan["Left knee osteoarthritis"]
    assert "40 mg" in plan["Hypertension"]
    assert "metabolic panel" in plan["Hypertension"]
    # the patient in the third person, the clinician's own words not verbatim
    for key, said in text.items():
        assert not FIRST_PERSON.search(said), (key, said)
