import datetime as dt
import threading

from django.apps import AppConfig
from django.conf import settings


class TemplatesAppConfig(AppConfig):
    name = "templates_app"
    verbose_name = "Notes: templates, drafting, sign-off and supervision"

    def ready(self):
        self._register_jobs()
        from templates_app.notes.signoff import transcript_signed_reason
        from transcription.freeze import transcript_freeze_register

        # A signed note's transcript is its evidence: no correction changes it.
        transcript_freeze_register("notes.signed", transcript_signed_reason)
        from templates_app.generation import engine_name

        if engine_name() == "anthropic":
            # Import the SDK and load the CA bundle at start-up: doing it inside a
            # streaming request would stall the event loop.
            from templates_app.generation.anthropic_engine import _tls_context

            _tls_context()
            if settings.NOTE_PRELOAD:
                # Every draft and every save of a section is verified against the
                # transcript, whatever the engine, and the verifier's drug list
                # takes seconds to load (the offline preload below loads it too):
                # in the background at start-up, not in a resident's first save.
                threading.Thread(
                    target=_load_drug_list, name="verifier-preload", daemon=True
                ).start()
        elif settings.NOTE_PRELOAD:
            # The offline drafter's libraries take seconds to load: in the
            # background at start-up, not in the first encounter's draft.
            from templates_app.generation.offline.language import preload

            threading.Thread(
                target=preload, name="drafter-preload", daemon=True
            ).start()

    def _register_jobs(self):
        """The app's e-mail and periodic jobs (noumaris.common.jobs runs them)."""
        from noumaris.common.jobs.email import email_kind_register
        from noumaris.common.jobs.periodic import periodic_register
        from templates_app import tasks
        from templates_app.drafting.jobs import draft_jobs_reap
        from templates_app.supervision.emails import cosign_reminder_message

        email_kind_register("cosign_reminder", cosign_reminder_message)
        periodic_register(
            "notes.drafts_of_dead_workers",
            dt.timedelta(seconds=5),
            draft_jobs_reap,
            inline=True,
            doc="Free a note whose drafting worker died, keeping what was drafted.",
        )
        periodic_register(
            "notes.cosign_reminders",
            dt.timedelta(hours=1),
            tasks.send_cosign_reminders,
            doc="E-mail attendings with overdue co-signatures (at most once a day each).",
        )
        periodic_register(
            "notes.draft_events_purge",
            dt.timedelta(hours=1),
            tasks.draft_events_purge,
            doc="Delete the streamed events of drafts finished over a day ago.",
        )


def _load_drug_list() -> None:
    from templates_app.generation.verify import drugs

    drugs("aspirin")  # the drug list is read on its first search
