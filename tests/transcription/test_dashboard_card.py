"""The dashboard explains before any click what a person cannot do, and offers
only the tabs they can use."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_resident_without_recording_sees_why_not_a_dead_end(client, resident2):
    client.force_login(resident2)
    text = client.get("/").content.decode()
    assert 'href="/encounters/new">New encounter' not in text
    assert "Recording is not available to you yet." in text
    assert "has not been granted to you; ask your program administrator" in text


def test_a_resident_with_recording_gets_the_button(client, resident):
    client.force_login(resident)
    assert 'href="/encounters/new">New encounter' in client.get("/").content.decode()


def test_only_faculty_see_the_supervision_tab(client, resident, attending):
    client.force_login(resident)
    assert 'href="/supervision/"' not in client.get("/").content.decode()
    client.force_login(attending)
    assert 'href="/supervision/"' in client.get("/", follow=True).content.decode()
