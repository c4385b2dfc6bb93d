"""Drafting: a note drafted by an engine as a background task, its events a
rejoinable stream.

- `claim`: the note's side (claimed, input gathered, sections kept, finished).
- `enqueue`: `POST notes/<id>/generate` claims the note and queues the task.
- `jobs`: the job's life (started, events stored, finished, cancelled, reaped).
- `runner`: the task's body (`templates_app.tasks.note_draft`): runs the engine.
- `stream`: a page follows a job as server-sent events.

`POST notes/<id>/generate` claims the note (one draft at a time, as before) and, on
commit, enqueues the task. A task worker runs the engine and appends each event to the job's numbered `DraftEvent` rows (sections are saved on
the note as each finishes). Any page follows a job with `GET .../jobs/<job>/events`:
the events after `Last-Event-ID`, then the new ones as they are written, then
`done`; closing the page changes nothing about the draft.

Live events travel through the database: every open stream polls the job's next
events every POLL_SECONDS (one indexed range query). They must be stored anyway for
a rejoin, the worker is another process (the embedded default's in-memory channel
layer cannot cross processes), and one source of truth means no gap or duplicate
between the replay and the live part. The worker writes a delta at once unless it
wrote within FLUSH_SECONDS; then deltas wait at most that long, batched.

Stated times: a cancel stops the engine within CANCEL_POLL_SECONDS of the request; a
worker killed mid-draft stops beating, and after WORKER_DEAD_AFTER (10 s) the first
live worker's clock (every 5 s) or any page following the job frees the note with
the sections it had finished: within 15 s.
"""
