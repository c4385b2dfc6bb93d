import contextlib

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from accounts.models import AuditLog
from accounts.services import GENESIS_HASH, audit_record


@pytest.fixture
def three_entries(alice):
    return [
        audit_record(
            actor=alice,
            action="INSTITUTION_CREATED",
            target_type="institution",
            target_id=1,
        ),
        audit_record(
            actor=alice, action="RESIDENT_INVITED", details={"email": "r@example.org"}
        ),
        audit_record(actor=None, action="SUBSCRIPTION_CHANGED", ip_address="10.0.0.5"),
    ]


@contextlib.contextmanager
def _triggers_off():
    """Tamper as an attacker with database access would (the trigger stops the app)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
    else:
        yield


@pytest.mark.django_db
def test_entries_chain_to_the_previous_hash(three_entries, alice):
    first, second, third = three_entries
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert first.actor_username == "alice"
    assert third.actor is None


@pytest.mark.django_db
def test_an_intact_log_verifies(three_entries, capsys):
    call_command("verify_audit_log")
    assert "3 rows verified" in capsys.readouterr().out


@pytest.mark.django_db
def test_an_edited_row_is_detected_and_named(three_entries):
    with _triggers_off(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_auditlog SET action = %s WHERE id = %s",
            ["NOTHING_HAPPENED", three_entries[1].id],
        )
    with pytest.raises(
        CommandError, match=f"row {three_entries[1].id}: its contents were changed"
    ):
        call_command("verify_audit_log")


@pytest.mark.django_db
def test_a_removed_row_is_detected(three_entries):
    with _triggers_off(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM accounts_auditlog WHERE id = %s", [three_entries[0].id]
        )
    with pytest.raises(
        CommandError, match=f"row {three_entries[1].id}: a row before it"
    ):
        call_command("verify_audit_log")


@pytest.mark.django_db
def test_verify_command_exits_1_when_tampered(three_entries):
    with _triggers_off(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_auditlog SET details = '{}' WHERE id = %s",
            [three_entries[1].id],
        )
    from django.core.management import execute_from_command_line

    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "verify_audit_log"])
    assert exit_info.value.code == 1


@pytest.mark.django_db
def test_the_entry_rolls_back_with_the_action(alice):
    with contextlib.suppress(RuntimeError), transaction.atomic():
        audit_record(actor=alice, action="FEATURE_GRANTED")
        raise RuntimeError("the action failed")
    assert not AuditLog.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    ["UPDATE accounts_auditlog SET action = 'X'", "DELETE FROM accounts_auditlog"],
)
def test_postgres_refuses_update_and_delete(three_entries, statement):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditLog.objects.count() == 3
    assert not AuditLog.objects.filter(action="X").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_chain(alice):
    """Eight threads append at once; the chain must not fork."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(8)

    def append(n):
        barrier.wait()
        with transaction.atomic():
            audit_record(actor=None, action="RESIDENT_INVITED", details={"n": n})
        connections.close_all()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    call_command("verify_audit_log")
    assert AuditLog.objects.count() == 8


@pytest.mark.django_db
def test_the_admin_audit_log_reads_in_words_and_local_time(
    client, admin, demo_hospital
):
    from institutions.models import Institution
    from institutions.services.invitations import resident_invite

    Institution.objects.filter(pk=demo_hospital.pk).update(timezone="America/New_York")
    invitation = resident_invite(
        actor=admin, institution=demo_hospital, email="new@example.org", pgy_level=1
    )
    client.force_login(admin)
    text = client.get("/admin/accounts/auditlog/").content.decode()
    assert "Resident invited" in text
    assert "RESIDENT_INVITED</td>" not in text
    assert f"Invitation #{invitation.pk} (new@example.org)" in text
    import re

    assert re.search(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d E[SD]T<", text)
