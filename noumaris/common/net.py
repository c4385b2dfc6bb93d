"""The client's address, trusting X-Forwarded-For only behind known proxies."""

from django.conf import settings


def client_ip(request) -> str | None:
    """Take the address the Nth trusted proxy saw (TRUSTED_PROXY_COUNT), else REMOTE_ADDR.

    Each proxy appends the address it received from, so with N trusted proxies the
    client is the N-th entry from the right; anything left of it is client-supplied.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    ]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < hops:
        return remote
    return forwarded[-hops]
