# syntax=docker/dockerfile:1
# One image, two commands (compose.yaml runs them as the `web` and `ws` services):
# Build:   docker build -t noumaris .
# Migrate: docker run --rm --env-file prod.env noumaris python manage.py migrate --noinput
# HTTP:    docker run -p 8000:8000 --env-file prod.env noumaris
#          (gunicorn on noumaris.wsgi; WEB_WORKERS and WEB_THREADS in gunicorn.conf.py)
# Sockets: docker run -p 8001:8000 --env-file prod.env noumaris \
#            python -m daphne -v 0 -b 0.0.0.0 -p 8000 noumaris.asgi:application
# A proxy in front sends /ws/ to the second and the rest to the first
# (deploy/nginx.conf.template).

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY requirements.txt /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=noumaris.settings
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --uid 10001 noumaris
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=noumaris:noumaris . /app
# collectstatic needs settings to import; these throwaway values exist only for it.
RUN DJANGO_SECRET_KEY=collectstatic-only FIELD_ENCRYPTION_KEYS=bm91bWFyaXMtZGV2LWtleS1ub3Qtc2VjcmV0LTAwMDA= \
    python manage.py collectstatic --noinput \
    && chown -R noumaris:noumaris /app/staticfiles
USER noumaris
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8000/health || exit 1
# Neither server writes an access log of its own (they print raw paths, which can hold
# invitation tokens); the app logs each request as JSON with the route pattern.
CMD ["python", "-m", "gunicorn", "-c", "gunicorn.conf.py"]
