"""Drafting through the real task worker: a draft outlives the page that started it.

One daphne server, one `run_worker` process and one fake Claude serve the whole
module (they share the test database); each test signs in, drafts and follows the
job's server-sent events over HTTP, as a page does.
"""

import threading
import time

import httpx
import pytest
from playwright.sync_api import expect

from templates_app.models import ClinicalNote, DraftJob, NoteRevision
from templates_app.notes.services import note_create
from tests.browser import chromium, live_server_env, screenshot
from tests.fakes.anthropic_server import Answer, fake_anthropic
from tests.live import daphne, task_worker
from tests.templates_app.test_api import sign_in
from tests.templates_app.test_browser_notes import sign_in as sign_in_page
from tests.waiting import DEADLINE, eventually

pytestmark = pytest.mark.browser  # servers in child processes


@pytest.fixture(scope="module")
def claude():
    with fake_anthropic() as fake:
        yield fake


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, claude):
    """(base URL, worker process): the server and a worker on the test database."""
    with django_db_blocker.unblock():
        env = live_server_env(
            NOTE_ENGINE="anthropic",
            ANTHROPIC_API_KEY="sk-test",
            ANTHROPIC_BASE_URL=claude.base_url,
        )
    with daphne(env) as base, task_worker(env) as worker:
        yield base, worker


@pytest.fixture
def http(stack, transactional_db, resident, password):
    base, _ = stack
    with httpx.Client(base_url=base, timeout=DEADLINE) as client:
        csrf = sign_in(client, base, "resident", password)
        client.headers.update({"X-CSRFToken": csrf, "Referer": base + "/"})
        yield client


@pytest.fixture
def draft(resident, encounter, soap):
    return note_create(user=resident, session_id=encounter.pk, template_id=soap.pk)


def start(http, note) -> dict:
    response = http.post(f"/api/v1/notes/{note.pk}/generate", json={})
    assert response.status_code == 202, response.text
    return response.json()


def follow(http, job, *, last_event_id=None, stop=None) -> list[tuple[int, str]]:
    """Read the job's events ((id, name) each) until `done`, or until `stop(events)`
    is true: then the client goes away mid-stream, as a closed tab does."""
    headers = {} if last_event_id is None else {"Last-Event-ID": str(last_event_id)}
    events, frame = [], {}
    deadline = time.monotonic() + DEADLINE  # keep-alives never time out a read
    with http.stream("GET", job["events"], headers=headers) as response:
        if response.status_code == 204:
            return events
        assert response.status_code == 200
        for line in response.iter_lines():
            assert time.monotonic() < deadline, f"the draft did not finish: {events}"
            if line.startswith("id: "):
                frame["id"] = int(line[4:])
            elif line.startswith("event: "):
                frame["event"] = line[7:]
            elif not line and "id" in frame:
                events.append((frame["id"], frame["event"]))
                frame = {}
                if stop and stop(events):
                    break
    return events


def wait_finished(http, job) -> dict:
    def finished():
        response = http.get(f"/api/v1/notes/{job['note']}/jobs/{job['id']}")
        if response.status_code == 429:  # a long draft polled past API_RATE_LIMIT
            time.sleep(float(response.headers["Retry-After"]))  # as integrators do
            return None
        assert response.status_code == 200, response.text
        state = response.json()
        return state if state["status"] not in ("queued", "running") else None

    state = eventually(finished, every=0.5)
    assert state, "the draft did not finish"
    return state


def test_a_draft_keeps_going_after_the_client_disconnects(http, claude, draft):
    claude.script(Answer(chunk_size=8, chunk_delay=0.01))
    job = start(http, draft)
    seen = follow(http, job, stop=lambda ev: ev[-1][1] == "section")  # tab closed
    assert [name for _, name in seen] == ["queued", "start", "section"]

    assert wait_finished(http, job)["status"] == "complete"
    draft.refresh_from_db()
    assert draft.generation == ClinicalNote.Generation.COMPLETE
    assert all(text.strip() for text in draft.sections.values())
    assert DraftJob.objects.filter(note=draft).count() == 1
    kinds = list(NoteRevision.objects.filter(note=draft).values_list("kind", flat=True))
    assert kinds == ["generated"]  # one draft, once


def test_a_rejoin_with_last_event_id_gets_exactly_the_missing_events(
    http, claude, draft
):
    claude.script(Answer(chunk_size=8, chunk_delay=0.01))
    job = start(http, draft)
    first = follow(http, job, stop=lambda ev: ev[-1][1] == "section_done")
    time.sleep(0.3)  # the draft goes on without anyone following
    rest = follow(http, job, last_event_id=first[-1][0])
    everything = follow(http, job, last_event_id=0)

    assert first + rest == everything
    assert [i for i, _ in everything] == list(range(1, len(everything) + 1))
    assert rest[0][0] == first[-1][0] + 1 and rest[-1][1] == "done"


def test_two_tabs_see_the_same_draft(http, claude, draft):
    claude.script(Answer(chunk_size=8, chunk_delay=0.01))
    job = start(http, draft)
    tabs: list[list] = [[], []]

    def tab(n):
        with httpx.Client(
            base_url=str(http.base_url), cookies=http.cookies, timeout=DEADLINE
        ) as other:
            tabs[n] = follow(other, job)

    threads = [threading.Thread(target=tab, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=DEADLINE)
    assert tabs[0] == tabs[1]
    assert tabs[0][-1][1] == "done" and len(tabs[0]) > 10


def test_cancel_stops_the_draft_and_keeps_what_was_drafted(http, claude, draft):
    claude.script(Answer(chunk_size=4, chunk_delay=0.03))
    earlier_cuts = len(claude.cut_off)  # the fake serves the module's tests
    job = start(http, draft)
    follow(http, job, stop=lambda ev: ev[-1][1] == "section_done")
    cancelled = http.post(job["cancel"])
    assert cancelled.status_code == 202
    finished = wait_finished(http, job)
    assert finished["status"] == "cancelled"
    # The engine was stopped mid-answer: the fake Claude saw its stream closed with
    # text still to send. A state, not a time: how long the cancel took to show
    # depends on the machine (2 s quiet, 12 s once under a loaded CI, the finish's
    # verifier loading spaCy in a suite worker started with NOTE_PRELOAD=0), while a
    # cancel the runner never saw runs the answer to its end and fails here.
    cut = eventually(lambda: claude.cut_off[earlier_cuts:])
    assert cut and cut[0] > 0, "the answer was streamed to its end"
    names = [name for _, name in follow(http, job, last_event_id=0)]
    assert names[-2:] == ["error", "done"]
    draft.refresh_from_db()
    assert draft.generation == ClinicalNote.Generation.INTERRUPTED
    assert draft.sections["subjective"].strip()  # the section that finished is kept
    assert http.post(job["cancel"]).status_code == 409  # already over
    again = start(http, draft)  # the note is free to draft again
    assert wait_finished(http, again)["status"] == "complete"


def test_an_outsider_cannot_follow_or_cancel_a_draft(
    stack, http, claude, draft, riverside_resident, password
):
    job = start(http, draft)
    base, _ = stack
    with httpx.Client(base_url=base, timeout=DEADLINE) as other:
        csrf = sign_in(other, base, "riverside-resident", password)
        other.headers.update({"X-CSRFToken": csrf, "Referer": base + "/"})
        assert other.get(job["events"]).status_code == 404
        assert other.post(job["cancel"]).status_code == 404
    wait_finished(http, job)


def test_in_chromium_a_draft_survives_closing_its_tab(
    stack, transactional_db, resident, password, claude, draft
):
    """Start a draft, close the tab mid-draft, open the note again: the page follows
    the draft still being written (what was written replays) to its end."""
    claude.script(Answer(chunk_size=6, chunk_delay=0.05))
    base, _ = stack
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        sign_in_page(page, base, "resident", password)
        page.goto(f"{base}/notes/{draft.pk}")
        page.get_by_role("button", name="Draft note").click()
        # drafting (the page follows the job): the tab goes away mid-draft
        expect(page.get_by_role("button", name="Stop drafting")).to_be_visible()
        page.close()

        page = context.new_page()
        page.goto(f"{base}/notes/{draft.pk}")
        still = page.get_by_role("button", name="Stop drafting")
        if still.is_visible():  # still streaming: the page has rejoined the draft
            screenshot(page, "note-rejoined-draft")
            expect(page.get_by_text("Draft complete")).to_be_visible()
            expect(still).to_be_hidden()
        for key in ("subjective", "objective", "assessment", "plan"):
            expect(page.locator(f"#section-{key} .section-text")).not_to_be_empty()
    draft.refresh_from_db()
    assert draft.generation == ClinicalNote.Generation.COMPLETE
    assert DraftJob.objects.filter(note=draft).count() == 1
