#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "noumaris.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    from noumaris.common.env import exit_on_bad_configuration

    exit_on_bad_configuration(lambda: settings.INSTALLED_APPS)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
