"""In Chromium: a resident turns a recorded encounter into a signed note and the
attending co-signs it from /supervision/; on the embedded drafter and on Claude (the
real SDK against the local fake server), the draft streams into the page.

The module's tests share one Chromium and a server with a task worker on the test
database, drafting offline or with Claude (the fake, reset for each test), started
again only when the next test asks for the other engine. Each test has its own
browser contexts and a fresh database.
"""

import concurrent.futures
import re
import threading

import pytest
from django.db import connections
from playwright.sync_api import expect

from accounts.models import AuditLog
from templates_app.generation.structured import answer_json
from templates_app.models import ClinicalNote
from tests.browser import SharedServer, screenshot
from tests.fakes.anthropic_server import Answer, fake_anthropic
from tests.templates_app.conftest import record_encounter

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_notes")]

# Records, in the page, each section that was shown streaming (in order).
WATCH_STREAM = """
window.__stream = [];
new MutationObserver((records) => {
  for (const r of records) {
    if ((r.oldValue || "").split(" ").includes("streaming")) {
      window.__stream.push([r.target.dataset.key, "streaming", performance.now()]);
    }
  }
}).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                      attributeFilter: ["class"]});
"""


def sign_in(page, base, username, password):
    page.goto(base + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # Each person lands on their own home (a resident's encounters, an attending's
    # queue), so wait for the sign-in page to be left, wherever it leads.
    page.wait_for_url(lambda url: "/login" not in url)


def claude_env(fake) -> dict[str, str]:
    """A live server drafting with Claude, that is the local fake, with no retries."""
    return {
        "NOTE_ENGINE": "anthropic",
        "ANTHROPIC_API_KEY": "sk-test",
        "ANTHROPIC_BASE_URL": fake.base_url,
        "ANTHROPIC_MAX_RETRIES": "0",
    }


@pytest.fixture(scope="module")
def servers(django_db_setup):
    """The module's server and worker, one at a time (tests/browser.py). The tests
    that draft with Claude come first and the offline ones after, so the module
    starts two servers and workers, not one more each time the engine changes back."""
    shared = SharedServer()
    yield shared
    shared.close()


@pytest.fixture
def offline(servers):
    """The base URL of a server and worker drafting with the embedded drafter."""
    return servers(worker=True, NOTE_ENGINE="offline")


@pytest.fixture(scope="module")
def claude_fake():
    with fake_anthropic() as fake:
        yield fake


@pytest.fixture
def claude(servers, claude_fake):
    """(fake Claude, reset for the test; the base URL of a server and worker
    drafting with it)."""
    claude_fake.reset()
    yield claude_fake, servers(worker=True, **claude_env(claude_fake))
    claude_fake.reset()


def _closing_connections(function, *args):
    try:
        return function(*args)
    finally:
        connections.close_all()  # this thread's, or the database cannot be dropped


def draft_from_the_encounter(page, base, encounter, template="SOAP note · General"):
    page.goto(f"{base}/encounters/{encounter.pk}")
    page.get_by_label("Template").select_option(label=template)
    page.get_by_role("button", name="Generate note").click()
    page.wait_for_url(re.compile(r"/notes/\d+$"))


def test_with_claude_the_draft_streams_into_the_page_and_an_error_keeps_it(
    claude, module_browser, transactional_db, resident, password, seeded_templates
):
    encounter = record_encounter(resident)
    fake, base = claude
    browser = module_browser
    # Claude pauses before the plan until the page has been looked at mid-stream: a
    # state, where a slow stream (~0.6 s a section) raced a loaded machine's page load
    # (the whole draft could arrive before the first look).
    midway = threading.Event()
    fake.script(Answer(chunk_size=6, hold_before='"plan"', release=midway))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, base, "resident", password)
    draft_from_the_encounter(page, base, encounter)
    # the first section is on the page while Claude is still writing
    expect(page.locator("#section-subjective .cite").first).to_be_visible()
    expect(page.locator("#gen-status")).to_contain_text("Drafting with claude")
    expect(page.locator("#section-plan.pending")).to_have_count(1)
    screenshot(page, "note-streaming-claude")
    midway.set()
    expect(page.get_by_text("Draft complete")).to_be_visible()

    # Claude overloaded mid-stream: the partial draft stays and says so
    partial = answer_json(
        {
            "subjective": [("Cough for about five days.", [2])],
            "objective": [("Temperature 38.2.", [18]), ("Crackles.", [19])],
            "assessment": [("Pneumonia.", [22])],
            "plan": [("Doxycycline.", [23])],
        }
    )
    cut = partial.index('"Crackles.') // 20 + 1
    fake.script(Answer(json=partial, chunk_size=20, fail_after_chunks=cut))
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Redraft all").click()
    status = page.locator("#gen-status")
    expect(status).to_contain_text("overloaded")
    expect(status).to_contain_text("Kept: objective, subjective")
    expect(status.get_by_role("button", name="Try again")).to_be_visible()
    screenshot(page, "note-claude-error")
    page.reload()
    expect(page.locator("#gen-status")).to_contain_text("stopped early")
    expect(page.locator("#section-subjective")).to_contain_text(
        "Cough for about five days."
    )
    assert fake.requests[0].body["system"][-1]["cache_control"] == {"type": "ephemeral"}


def test_flagged_statements_block_signing_until_each_is_resolved(
    claude,
    module_browser,
    transactional_db,
    resident,
    attending,
    password,
    seeded_templates,
):
    encounter = record_encounter(resident)
    reply = answer_json(
        {
            "subjective": [("Cough for about five days after a cold.", [2])],
            "objective": [("Crackles at the right base.", [19]), ("SpO2 99%.", [404])],
            "assessment": [("Community acquired pneumonia.", [22])],
            "plan": [("Start doxycycline 200 mg twice a day for 7 days.", [23])],
        }
    )
    fake, base = claude
    browser = module_browser
    fake.script(Answer(json=reply))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, base, "resident", password)
    draft_from_the_encounter(page, base, encounter)
    status = page.locator("#gen-status")
    expect(status).to_contain_text("not ready to sign")
    expect(page.locator("#note-engine")).to_contain_text("Drafted by Claude")

    # each flag beside its statement, with the words it cites
    plan_flag = page.locator("#section-plan .flag")
    expect(plan_flag).to_contain_text("Number not in the transcript")
    expect(plan_flag).to_contain_text("200: not said")
    expect(plan_flag).to_contain_text("doxycycline 100 mg twice a day")
    objective_flag = page.locator("#section-objective .flag")
    expect(objective_flag).to_contain_text("S404: no such segment")
    sign_button = page.get_by_role("button", name="Sign note…")
    expect(sign_button).to_be_disabled()
    expect(page.locator("#sign-blocked")).to_contain_text("Resolve the 2")
    screenshot(page, "note-flags")

    # resolved by an edit: the statement is verified again on save, and the server
    # answers with the section and the review panel, which htmx swaps in by id
    page.evaluate("window.__alerts = document.getElementById('review-alerts')")
    plan = page.locator("#section-plan")
    plan.get_by_role("button", name="Edit").click()
    plan.get_by_label("Text of Plan").fill(
        "Start doxycycline 100 mg twice a day for 7 days. [S23]"
    )
    with page.expect_response(lambda r: r.url.endswith("/sections/plan")) as saved:
        plan.get_by_role("button", name="Save section").click()
    assert saved.value.request.headers.get("hx-request") == "true"
    assert 'hx-swap-oob="true"' in saved.value.text()
    expect(plan.locator(".flag")).to_contain_text("Resolved by an edit")
    expect(page.locator("#review-alerts")).to_contain_text("1 statement says")
    expect(page.locator("#flag-count")).to_contain_text("1 flagged statement")
    expect(page.locator("#sign-blocked")).to_contain_text("Resolve the 1")
    expect(page.get_by_role("button", name="Sign note…")).to_be_disabled()
    # swapped in place: the same page, its review panel a new element
    assert page.evaluate(
        "window.__alerts && window.__alerts !== document.getElementById('review-alerts')"
    )

    # resolved by confirming it as checked
    objective_flag.get_by_role("button", name="Confirm as checked").click()
    expect(page.get_by_text("Confirmed as checked against")).to_be_visible()
    expect(page.locator("#sign-blocked")).to_have_count(0)
    page.get_by_label("Supervising attending, who co-signs").select_option(
        label="Alan Attending · Internal Medicine"
    )
    page.get_by_label("I reviewed every section").check()
    page.get_by_role("button", name="Sign note…").click()
    page.locator("#sign-dialog").get_by_role("button", name="Sign and lock").click()
    expect(page.get_by_text("Awaiting co-signature by Alan Attending.")).to_be_visible()
    screenshot(page, "note-flags-resolved-signed")

    note = ClinicalNote.objects.get()
    assert note.status == ClinicalNote.Status.SIGNED
    flags = {f.kind: f for f in note.flags.all()}
    assert (
        flags["number"].status == "edited" and flags["number"].resolved_by == resident
    )
    assert flags["missing_segment"].status == "confirmed"
    assert AuditLog.objects.filter(action="NOTE_FLAG_CONFIRMED").count() == 1


def test_resident_drafts_follows_a_citation_edits_signs_and_attending_cosigns(
    offline,
    module_browser,
    transactional_db,
    resident,
    attending,
    password,
    seeded_templates,
):
    encounter = record_encounter(resident)
    base, browser = offline, module_browser
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.add_init_script(WATCH_STREAM)
    sign_in(page, base, "resident", password)
    draft_from_the_encounter(page, base, encounter)

    # the draft streams in, section by section, in the template's order
    expect(page.get_by_text("Draft complete")).to_be_visible()
    stream = page.evaluate("window.__stream")
    started = dict.fromkeys(key for key, state, _ in stream if state == "streaming")
    assert list(started) == ["subjective", "objective", "assessment", "plan"]
    plan = page.locator("#section-plan")
    expect(plan).to_contain_text("doxycycline 100 mg twice a day")
    screenshot(page, "note-drafted")

    # follow a citation: the cited words and their time, and the transcript
    citation = plan.get_by_role("button", name="Show what was said in S23")
    citation.hover()
    popover = page.locator("#cite-popover")
    expect(popover).to_be_visible()
    expect(popover).to_contain_text("S23 · 01:28 · Clinician")
    expect(popover).to_contain_text("start doxycycline")
    citation.click()
    expect(page.locator("#seg-23")).to_have_class(re.compile("seg-hit"))
    screenshot(page, "note-citation")

    # edit one section
    assessment = page.locator("#section-assessment")
    assessment.get_by_role("button", name="Edit").click()
    assessment.get_by_label("Text of Assessment").fill(
        "Right lower lobe community-acquired pneumonia. [S21] [S22]"
    )
    assessment.get_by_role("button", name="Save section").click()
    expect(assessment.get_by_text("Edited")).to_be_visible()
    expect(assessment).to_contain_text("Right lower lobe community-acquired")

    # sign: an attending, the box, and the confirmation
    page.get_by_label("Supervising attending, who co-signs").select_option(
        label="Alan Attending · Internal Medicine"
    )
    page.get_by_role("button", name="Sign note…").click()
    assert not page.locator("#sign-dialog").is_visible()  # the box is required
    page.get_by_label("I reviewed every section").check()
    page.get_by_role("button", name="Sign note…").click()
    dialog = page.locator("#sign-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Alan Attending will be asked to co-sign")
    screenshot(page, "note-sign-confirm")
    dialog.get_by_role("button", name="Sign and lock").click()
    expect(page.get_by_text("Awaiting co-signature by Alan Attending.")).to_be_visible()
    expect(page.get_by_role("button", name="Edit")).to_have_count(0)
    screenshot(page, "note-signed")
    page.get_by_role("link", name="Revisions").click()
    expect(page.locator("ins.diff-ins").first).to_contain_text("Right lower lobe")
    screenshot(page, "note-revisions")

    # the attending co-signs from the queue
    attending_page = browser.new_context(
        viewport={"width": 1280, "height": 900}
    ).new_page()
    sign_in(attending_page, base, "attending", password)
    expect(attending_page.get_by_text("Your co-signature")).to_be_visible()
    screenshot(attending_page, "dashboard-notes-awaiting")
    attending_page.goto(base + "/supervision/")
    screenshot(attending_page, "supervision-queue")
    attending_page.get_by_role("link", name=re.compile("Review SOAP note")).click()
    compare = attending_page.locator("#section-assessment .machine-compare")
    expect(compare).to_contain_text("Machine draft")
    # The drafter writes the clinician's impression in the note's voice.
    expect(compare).to_contain_text("This is most likely a community acquired")
    screenshot(attending_page, "note-attending-review")
    # No attestation is assumed: the attending chooses one.
    attending_page.get_by_label(re.compile("Present for the key portion")).check()
    attending_page.get_by_role("button", name="Co-sign note…").click()
    attending_page.locator("#cosign-dialog").get_by_role(
        "button", name="Co-sign"
    ).click()
    attending_page.wait_for_url(base + "/supervision/")
    expect(attending_page.get_by_text("Co-signed SOAP note")).to_be_visible()
    expect(attending_page.get_by_text("Nothing waiting")).to_be_visible()

    note = ClinicalNote.objects.get()
    assert note.status == ClinicalNote.Status.COSIGNED
    assert note.supervisor == attending
    assert list(note.revisions.values_list("kind", flat=True)) == [
        "generated",
        "edited",
    ]


def test_a_stale_save_in_a_second_tab_shows_both_texts(
    offline, module_browser, transactional_db, resident, password, seeded_templates
):
    encounter = record_encounter(resident)
    base, browser = offline, module_browser
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    first = context.new_page()
    sign_in(first, base, "resident", password)
    draft_from_the_encounter(first, base, encounter)
    expect(first.get_by_text("Draft complete")).to_be_visible()
    second = context.new_page()
    second.goto(first.url)
    # Both tabs edit the same revision; the first saves, and once its save is on its
    # page the second saves. (Saved back to back, the second's request could reach
    # the server first under load and find the draft's text as the other edit.)
    for page, words in ((first, "First tab. [S22]"), (second, "Second tab. [S22]")):
        section = page.locator("#section-assessment")
        section.get_by_role("button", name="Edit").click()
        section.get_by_label("Text of Assessment").fill(words)
    mine = first.locator("#section-assessment")
    mine.get_by_role("button", name="Save section").click()
    expect(mine.get_by_text("Edited")).to_be_visible()
    expect(mine).to_contain_text("First tab.")
    second.locator("#section-assessment").get_by_role(
        "button", name="Save section"
    ).click()
    error = second.locator("#section-assessment [data-role=error]")
    expect(error).to_contain_text("changed after you opened it")
    expect(error.locator("[data-role=conflict-theirs]")).to_contain_text("First tab.")
    expect(error.locator("[data-role=conflict-yours]")).to_contain_text("Second tab.")
    screenshot(second, "note-edit-conflict")
    note = ClinicalNote.objects.get()
    assert note.sections["assessment"] == "First tab. [S22]"


def test_the_template_library_in_chromium(
    offline, module_browser, transactional_db, resident, password, seeded_templates
):
    base, browser = offline, module_browser
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, base, "resident", password)
    page.goto(base + "/templates/")
    expect(page.get_by_role("heading", name="Note templates")).to_be_visible()
    screenshot(page, "templates-library")
    page.get_by_label("Tag").select_option(value="psychiatry")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="Psychiatry intake")).to_be_visible()
    expect(page.get_by_role("link", name="SOAP note")).to_have_count(0)
    page.get_by_role("link", name="Psychiatry intake").click()
    expect(page.get_by_role("heading", name="Risk assessment")).to_be_visible()
    screenshot(page, "template-detail")


def test_on_a_phone_a_citation_shows_in_place_and_sections_copy_as_plain_text(
    servers, module_browser, transactional_db, resident, password, seeded_templates
):
    from templates_app.notes.services import note_create
    from tests.templates_app.helpers import generate

    encounter = record_encounter(resident)
    note = note_create(
        user=resident, session_id=encounter.pk, template_id=seeded_templates["soap"].pk
    )
    # Drafted here, as a worker would, before the server and its worker start (a
    # running worker would free this draft as a dead worker's), and in a thread of
    # its own: this one runs the module's browser, where async_to_sync cannot run.
    servers.close()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        events = pool.submit(_closing_connections, generate, note, resident).result()
    assert events[-1][1]["generation"] == "complete", events
    base = servers(worker=True, NOTE_ENGINE="offline")
    browser = module_browser
    context = browser.new_context(viewport={"width": 390, "height": 844})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page = context.new_page()
    sign_in(page, base, "resident", password)
    page.goto(f"{base}/notes/{note.pk}")
    plan = page.locator("#section-plan")
    citation = plan.locator("button.cite").first
    citation.scroll_into_view_if_needed()
    before = page.evaluate("window.scrollY")
    citation.click()
    popover = page.locator("#cite-popover")
    expect(popover).to_be_visible()
    page.wait_for_timeout(600)  # a smooth scroll would have moved by now
    assert abs(page.evaluate("window.scrollY") - before) < 50
    box = popover.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    screenshot(page, "note-phone-citation")

    plan.get_by_role("button", name="Copy Plan").click()
    expect(plan.get_by_role("button", name="Copy Plan")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("PLAN\n") and "doxycycline" in copied
    assert "[S" not in copied and "S23" not in copied
    page.get_by_role("button", name="Copy note").click()
    whole = page.evaluate("navigator.clipboard.readText()")
    assert "SUBJECTIVE\n" in whole and "ASSESSMENT\n" in whole and "[S" not in whole

    # an oversize section says so in a sentence, not in raw JSON
    plan.get_by_role("button", name="Edit").click()
    plan.get_by_label("Text of Plan").fill("x" * 20_001)
    plan.get_by_role("button", name="Save section").click()
    error = plan.locator('[data-role="error"]')
    expect(error).to_have_text(
        "Section 'plan' must be text of at most 20,000 characters."
    )


HP_LABEL = "History and Physical · Internal Medicine"


def test_an_offline_draft_reads_as_a_note_in_every_section(
    offline, module_browser, transactional_db, resident, password, seeded_templates
):
    """An allergy, a dictated exam with vitals and a two-problem plan: each fact in
    its section, in the note's voice, the allergen never a medication."""
    from tests.templates_app.transcripts import TWO_PROBLEMS

    encounter = record_encounter(resident, TWO_PROBLEMS, label="Bed 7, cough")
    base, browser = offline, module_browser
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, base, "resident", password)
    draft_from_the_encounter(page, base, encounter, HP_LABEL)
    expect(page.get_by_text("Draft complete")).to_be_visible()
    page.reload()  # the page as a reader opens it, flags and badge included

    def section(key):
        return page.locator(f"#section-{key}")

    expect(section("chief_complaint")).to_contain_text(
        re.compile("cough and chest tightness", re.I)
    )
    expect(section("medications")).to_contain_text("Lisinopril 20 mg once a day.")
    expect(section("medications")).not_to_contain_text("enicillin")
    expect(section("allergies")).to_contain_text(
        "Allergic to penicillin (reaction: hives)."
    )
    expect(section("review_of_systems")).to_contain_text("Denies sweating at night.")
    exam = section("exam")
    expect(exam).to_contain_text("BP 150/90, HR 96, and T 100.4.")
    expect(exam).to_contain_text("Crackles at the right lung base.")
    expect(exam).not_to_contain_text("breath")
    expect(section("assessment")).to_contain_text("1. Community acquired pneumonia.")
    expect(section("assessment")).to_contain_text("2. Hypertension.")
    plan = section("plan")
    expect(plan).to_contain_text("Community acquired pneumonia: because of")
    expect(plan).to_contain_text("azithromycin 500 mg")
    expect(plan).to_contain_text(
        "Hypertension: increase the lisinopril to 40 mg once a day."
    )
    for key in ("chief_complaint", "exam", "assessment", "plan"):
        body = section(key).locator("[data-role=body]")
        expect(body).not_to_contain_text(re.compile(r"\b(I|you|your)\b"))
    badge = page.locator("#flag-count")
    expect(badge).to_be_visible()
    if "badge-success" in (badge.get_attribute("class") or ""):
        expect(badge).to_contain_text("placement in its section")
    screenshot(page, "note-offline-two-problems")


def test_an_offline_draft_reads_as_the_attending_would_sign_it(
    offline, module_browser, transactional_db, resident, password, seeded_templates
):
    """Issue 24: every section of an offline H&P read as the attending who signs it:
    the allergen under Allergies and never a medication, the dictated vitals and
    finding in the examination, each problem numbered with its plan items, and no
    first-person speech anywhere."""
    from tests.templates_app.transcripts import KNEE_TWO_PROBLEMS

    encounter = record_encounter(resident, KNEE_TWO_PROBLEMS, label="Room 2, knee")
    page = module_browser.new_page(viewport={"width": 1280, "height": 1400})
    sign_in(page, offline, "resident", password)
    draft_from_the_encounter(page, offline, encounter, HP_LABEL)
    expect(page.get_by_text("Draft complete")).to_be_visible()
    keys = page.locator(".note-section").evaluate_all(
        "(sections) => sections.map((s) => s.dataset.key)"
    )
    text = {
        key: page.locator(f"#section-{key} [data-role=body]").inner_text()
        for key in keys
    }
    screenshot(page, "note-offline-attending-hp")

    assert "left knee pain" in text["chief_complaint"].lower()
    assert "sulfa" in text["allergies"].lower() and "rash" in text["allergies"]
    assert "sulfa" not in text["medications"].lower()
    assert "Lisinopril 20 mg once a day." in text["medications"]
    assert "BP 148/92" in text["exam"] and "HR 76" in text["exam"]
    assert "Left knee: tenderness along the medial joint line" in text["exam"]
    for key in set(keys) - {"exam"}:
        assert "148" not in text[key] and "joint line" not in text[key], key
    assert re.search(r"^1\. Left knee osteoarthritis\.", text["assessment"], re.M)
    assert re.search(r"^2\. Hypertension\.", text["assessment"], re.M)
    plan = dict(
        line.split(": ", 1) for line in text["plan"].splitlines() if ": " in line
    )
    assert "meloxicam 15 mg" in plan["Left knee osteoarthritis"]
    assert "physical therapy" in plan["Left knee osteoarthritis"]
    assert "lisinopril to 40 mg" in plan["Hypertension"]
    assert "basic metabolic panel" in plan["Hypertension"]
    for key, said in text.items():
        assert not re.search(r"\b(?:I|I'm|me|my|we|us|our)\b", said), (key, said)


# The player's moments, each time it lands on one.
WATCH_SEEKS = """
const player = document.getElementById("note-recording");
window.__seeked = [];
player.addEventListener("seeked", () => window.__seeked.push(player.currentTime));
"""
PLAYING_FROM = """(at) => {
  const player = document.getElementById("note-recording");
  return !player.paused && window.__seeked.some((t) => Math.abs(t - at) < 0.05);
}"""


def test_a_doubtful_word_plays_the_recording_from_where_it_was_heard(
    offline, module_browser, transactional_db, resident, password, soap, tmp_path
):
    """Issue 23: the flag that a statement rests on a doubtful word, and the word
    itself (in the transcript and a citation's popover), play the kept recording
    from the moment it was heard."""
    from tests.templates_app.helpers import heard_note

    note = heard_note(resident, soap, tmp_path)
    base, browser = offline, module_browser
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, base, "resident", password)
    page.goto(f"{base}/notes/{note.pk}")
    expect(page.get_by_label("The encounter's recording")).to_be_visible()
    page.evaluate(WATCH_SEEKS)

    flag = page.locator("#section-plan .flag", has_text="\u201815\u2019 in S1")
    expect(flag).to_contain_text("check the recording at 0:02")
    flag.get_by_role("button", name="Play the recording at 0:02").click()
    page.wait_for_function(PLAYING_FROM, arg=2.6)
    screenshot(page, "note-doubt-plays-the-recording")

    page.locator("#note-recording").evaluate("(player) => player.pause()")
    page.locator("#section-plan button.cite").first.click()  # pinned open
    popover = page.locator("#cite-popover")
    expect(popover).to_contain_text("(heard \u2018methatrix\u2019)")
    popover.get_by_role("button", name=re.compile("methotrexate")).click()
    page.wait_for_function(PLAYING_FROM, arg=1.3)
    screenshot(page, "note-doubt-popover")
