from django.apps import AppConfig


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
