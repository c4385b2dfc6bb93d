"""WSGI entry point: the HTTP routes in production (gunicorn, gunicorn.conf.py)."""

import os

from django.core.wsgi import get_wsgi_application

from noumaris.common.env import exit_on_bad_configuration

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noumaris.settings")
application = exit_on_bad_configuration(get_wsgi_application)
