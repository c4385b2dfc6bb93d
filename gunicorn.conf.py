"""gunicorn's configuration: the HTTP routes, on `noumaris.wsgi`.

    gunicorn -c gunicorn.conf.py      # what the image's `web` service runs

WebSockets are daphne's (`noumaris.asgi`); a proxy in front sends `/ws/` there and
the rest here (deploy/nginx.conf.template). One process per container or unit: scale by
replicas, or by WEB_WORKERS processes of WEB_THREADS threads each.
"""

from django.core.exceptions import ImproperlyConfigured

from noumaris.common.env import env_int, env_str

wsgi_app = "noumaris.wsgi:application"
bind = [f"0.0.0.0:{env_int('PORT', 8000, minimum=1)}"]  # `-b` overrides it
# gthread: each worker process serves WEB_THREADS requests at once (Django's views
# are synchronous); the threads share the worker's psycopg pool (DATABASE_POOL_MAX).
worker_class = "gthread"
workers = env_int("WEB_WORKERS", 1, minimum=1)
threads = env_int("WEB_THREADS", 8, minimum=1)
if workers > 1 and not env_str("REDIS_URL"):
    raise ImproperlyConfigured(
        f"WEB_WORKERS={workers} needs REDIS_URL: processes share rate limits only "
        "through Redis (or set WEB_WORKERS=1)."
    )
# Behind the proxy's kept-alive upstream connections (deploy/nginx.conf.template).
keepalive = 75
timeout = 60
graceful_timeout = 30
# No access log of gunicorn's own: it prints raw paths, which can hold invitation
# tokens; the app logs each request as JSON with the route pattern instead.
accesslog = None
errorlog = "-"
loglevel = "warning"
# The proxy overwrites X-Forwarded-For; the app reads it through
# TRUSTED_PROXY_COUNT (noumaris/common/net.py), not through gunicorn.
forwarded_allow_ips = ""
