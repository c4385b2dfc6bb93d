"""Typed readers for environment variables that fail loudly."""

import os

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in TRUE:
        return True
    if value.strip().lower() in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be 0 or 1, not {value!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be an integer, not {value!r}"
        ) from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_map(name: str) -> dict[str, str]:
    """Parse `key=value,key=value`."""
    result: dict[str, str] = {}
    for item in env_list(name):
        key, sep, val = item.partition("=")
        if not sep or not key.strip() or not val.strip():
            raise ImproperlyConfigured(
                f"{name} entries must look like key=value, not {item!r}"
            )
        result[key.strip()] = val.strip()
    return result


def env_url(name: str, default: str | None = None) -> str | None:
    """An http(s) URL, or the default when unset."""
    value = env_str(name, default)
    if value is not None and not value.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"{name} must be an http:// or https:// URL, not {value!r}"
        )
    return value


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = env_str(name, default)
    if value not in choices:
        allowed = ", ".join(sorted(choices))
        raise ImproperlyConfigured(f"{name} must be one of {allowed}, not {value!r}")
    return value


def exit_on_bad_configuration(load):
    """Run `load()` (which imports the settings); on a configuration error print one
    line saying what to set, and exit 1 instead of showing a traceback."""
    try:
        return load()
    except ImproperlyConfigured as exc:
        import sys

        sys.stderr.write(f"Noumaris cannot start: {exc}\n")
        raise SystemExit(1) from None
