from django.conf import settings


def site(request):
    return {
        "oidc_enabled": bool(getattr(settings, "OIDC_ENABLED", False)),
        "debug": settings.DEBUG,
    }
