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

Live events: the stored writes are published on Redis and a stream sends them as
they come (see `stream`). The worker writes a delta at once unless it wrote within
FLUSH_SECONDS; then deltas wait at most that long, batched.

Stated times: a cancel stops the engine within CANCEL_POLL_SECONDS of the request; a
worker killed mid-draft stops beating, and a draft whose task ended without ending
its job stops touching it: after WORKER_DEAD_AFTER (10 s) the first live worker's
clock (every 5 s) or any page following the job frees the note with the sections it
had finished: within 15 s. A database that goes away under a draft is the same
case: the runner's writes are tried again for a few seconds, then the task fails
(the runner's `BookkeepingFailed`); should the database still be away as the worker
records that failure, the worker fails the task once it answers again
(`run_worker`, within 5 s), and the reaper frees the note as above.
"""
