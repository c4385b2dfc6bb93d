from django.apps import AppConfig


class TemplatesAppConfig(AppConfig):
    name = "templates_app"
    verbose_name = "Templates and notes"

    def ready(self):
        from templates_app.generation import engine_name

        if engine_name() == "anthropic":
            # Import the SDK at start-up: a first import inside a streaming request
            # would stall the event loop for a second or more.
            import templates_app.generation.anthropic_engine  # noqa: F401
