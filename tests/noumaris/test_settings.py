from tests.noumaris.subprocess_env import clean_env, read_settings, run_manage

PRODUCTION = {
    "DJANGO_SECRET_KEY": "x" * 60 + "production-secret-key-for-the-test",
    "DJANGO_ALLOWED_HOSTS": "noumaris.example.org",
    "DATABASE_URL": "postgres://noumaris@db.example.org:5432/noumaris",
    "REDIS_URL": "redis://cache.example.org:6379/0",
    "FIELD_ENCRYPTION_KEYS": "bm91bWFyaXMtZGV2LWtleS1ub3Qtc2VjcmV0LTAwMDA=",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
}


def test_the_embedded_defaults_need_no_service():
    values = read_settings(
        [
            "DATABASES",
            "CACHES",
            "CHANNEL_LAYERS",
            "EMAIL_BACKEND",
            "SESSION_COOKIE_AGE",
            "DEBUG",
        ],
        clean_env(DJANGO_DEBUG="1"),
    )
    assert values["DEBUG"] is True
    assert values["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert values["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert values["CHANNEL_LAYERS"]["default"]["BACKEND"].endswith(
        "InMemoryChannelLayer"
    )
    assert values["EMAIL_BACKEND"].endswith("console.EmailBackend")
    assert values["SESSION_COOKIE_AGE"] == 900


def test_production_values_come_from_the_environment():
    values = read_settings(
        [
            "DATABASES",
            "CACHES",
            "CHANNEL_LAYERS",
            "ALLOWED_HOSTS",
            "SECURE_SSL_REDIRECT",
            "DEBUG",
        ],
        clean_env(**PRODUCTION, SESSION_IDLE_TIMEOUT="600"),
    )
    db = values["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == (
        "db.example.org",
        5432,
        "noumaris",
        "noumaris",
    )
    assert db["CONN_MAX_AGE"] == 0
    assert db["OPTIONS"]["pool"]["max_size"] == 10
    # no check per checkout: a request that meets a dead connection sweeps instead
    assert db["CONN_HEALTH_CHECKS"] is False
    assert db["OPTIONS"]["server_side_binding"] is True
    assert db["OPTIONS"]["prepare_threshold"] == 5
    assert (
        values["CACHES"]["default"]["BACKEND"]
        == "django.core.cache.backends.redis.RedisCache"
    )
    assert values["CHANNEL_LAYERS"]["default"]["BACKEND"].startswith("channels_redis")
    assert values["ALLOWED_HOSTS"] == ["noumaris.example.org"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["DEBUG"] is False


def test_prepared_statements_can_be_turned_off_for_a_pooler():
    values = read_settings(
        ["DATABASES"], clean_env(**PRODUCTION, DATABASE_PREPARED_STATEMENTS="0")
    )
    assert values["DATABASES"]["default"]["OPTIONS"]["prepare_threshold"] is None


def test_a_missing_secret_key_stops_start_up_with_one_clear_line():
    env = clean_env(**{k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"})
    done = run_manage("check", env=env)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("Noumaris cannot start: DJANGO_SECRET_KEY is not set")


def test_a_malformed_number_names_the_variable():
    done = run_manage(
        "check", env=clean_env(DJANGO_DEBUG="1", WS_MAX_CONNECTIONS_PER_USER="lots")
    )
    assert done.returncode == 1
    assert "WS_MAX_CONNECTIONS_PER_USER must be an integer" in done.stderr
    assert "Traceback" not in done.stderr


def test_check_deploy_is_clean_with_production_values():
    done = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env=clean_env(**PRODUCTION)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_production_refuses_to_start_without_a_mail_server():
    env = clean_env(**{k: v for k, v in PRODUCTION.items() if k != "EMAIL_URL"})
    done = run_manage("check", env=env)
    assert done.returncode != 0
    assert "EMAIL_URL is not set: set it to your SMTP server" in done.stderr


def test_a_mail_folder_is_a_mail_server_too(tmp_path):
    values = read_settings(
        ["EMAIL_BACKEND", "EMAIL_FILE_PATH"],
        clean_env(**{**PRODUCTION, "EMAIL_URL": f"file://{tmp_path}"}),
    )
    assert values["EMAIL_BACKEND"].endswith("filebased.EmailBackend")
    assert values["EMAIL_FILE_PATH"] == str(tmp_path)


def test_links_in_e_mails_follow_the_port_of_a_local_run():
    values = read_settings(["SITE_URL"], clean_env(DJANGO_DEBUG="1", PORT="8123"))
    assert values["SITE_URL"] == "http://localhost:8123"
    values = read_settings(
        ["SITE_URL"],
        clean_env(
            DJANGO_DEBUG="1", PORT="8123", SITE_URL="https://noumaris.example.org"
        ),
    )
    assert values["SITE_URL"] == "https://noumaris.example.org"
