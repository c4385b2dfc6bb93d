import threading

from django.apps import AppConfig
from django.conf import settings


class TemplatesAppConfig(AppConfig):
    name = "templates_app"
    verbose_name = "Templates and notes"

    def ready(self):
        from templates_app.generation import engine_name

        if engine_name() == "anthropic":
            # Import the SDK and load the CA bundle at start-up: doing it inside a
            # streaming request would stall the event loop.
            from templates_app.generation.anthropic_engine import _tls_context

            _tls_context()
            if not settings.TESTING:
                # Every draft and every save of a section is verified against the
                # transcript, whatever the engine, and the verifier's drug list
                # takes seconds to load (the offline preload below loads it too):
                # in the background at start-up, not in a resident's first save.
                threading.Thread(
                    target=_load_drug_list, name="verifier-preload", daemon=True
                ).start()
        elif not settings.TESTING:
            # The offline drafter's libraries take seconds to load: in the
            # background at start-up, not in the first encounter's draft.
            from templates_app.generation.offline.language import preload

            threading.Thread(
                target=preload, name="drafter-preload", daemon=True
            ).start()


def _load_drug_list() -> None:
    from templates_app.generation.verify import drugs

    drugs("aspirin")  # the package reads its list on its first search
