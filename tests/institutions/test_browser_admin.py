"""The coordinator's first day, in Chromium: signed in as `admin` at /admin/, invite a
resident, import a CSV of 50, grant features, graduate a resident, read the usage and
the audit of Demo General Hospital, and see nothing of Riverside Medical Center."""

import pytest
from playwright.sync_api import expect

from accounts.models import AuditLog
from institutions.models import FeatureGrant, Institution, Invitation, ResidentProfile
from tests.browser import chromium, screenshot
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.browser

SPECIALTIES = ["Internal Medicine", "Pediatrics", "Surgery", "Emergency Medicine"]


def test_a_coordinators_first_day_in_the_admin(
    plain_server,
    tmp_path,
    admin,
    resident,
    resident2,
    riverside_resident,
    riverside_admin,
    password,
):
    demo = resident.resident_profile.institution
    Institution.objects.filter(pk=demo.pk).update(max_residents=200)
    for n in range(6):
        ResidentFactory(
            institution=demo,
            pgy_level=n % 4 + 1,
            specialty=SPECIALTIES[n % 4],
            user=UserFactory(username=f"r{n}", email=f"r{n}@demo.example.org"),
        )
    csv = tmp_path / "residents.csv"
    csv.write_text(
        "email,pgy,specialty\n"
        + "".join(
            f"intern{n:02d}@demo.example.org,{n % 3 + 1},{SPECIALTIES[n % 4]}\n"
            for n in range(50)
        )
    )
    base = plain_server
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "/admin/")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(base + "/admin/")
        assert "Riverside" not in page.content()

        # invite one resident
        page.goto(base + "/admin/institutions/residentprofile/invite/")
        page.get_by_label("E-mail").fill("june.first@demo.example.org")
        page.get_by_label("PGY").select_option("1")
        page.get_by_label("Specialty").fill("Internal Medicine")
        page.get_by_role("button", name="Send the invitation", exact=True).click()
        expect(
            page.get_by_text("Invitation sent to june.first@demo.example.org")
        ).to_be_visible()

        # import a CSV of 50
        page.goto(base + "/admin/institutions/residentprofile/import/")
        page.get_by_label("CSV file").set_input_files(str(csv))
        page.get_by_role("button", name="Import and send invitations").click()
        expect(
            page.get_by_role("heading", name="50 invited, 0 not invited")
        ).to_be_visible()
        screenshot(page, "admin-import-result")
        mixed = tmp_path / "mixed.csv"
        mixed.write_text(
            "email,pgy,specialty\n"
            "late.joiner@demo.example.org,1,Psychiatry\n"
            "not-an-address,2,Surgery\n"
            "senior@demo.example.org,11,Surgery\n"
            "intern00@demo.example.org,1,Internal Medicine\n"
            "late.joiner@demo.example.org,1,Psychiatry\n"
        )
        page.goto(base + "/admin/institutions/residentprofile/import/")
        page.get_by_label("CSV file").set_input_files(str(mixed))
        page.get_by_role("button", name="Import and send invitations").click()
        expect(
            page.get_by_role("heading", name="1 invited, 4 not invited")
        ).to_be_visible()
        expect(page.get_by_text("Duplicate of line 2 in this file.")).to_be_visible()
        screenshot(page, "admin-import-errors")

        # grant features to two residents, graduate one
        page.goto(base + "/admin/institutions/residentprofile/?q=r1%40demo")
        page.locator("input[name=_selected_action]").first.check()
        page.locator("select[name=action]").select_option("grant_features")
        page.get_by_role("button", name="Go").click()
        page.get_by_label("Live transcription").check()
        page.get_by_label("Note generation").check()
        page.get_by_role("button", name="Grant").click()
        expect(page.get_by_text("Granted 2 features.")).to_be_visible()
        page.goto(base + "/admin/institutions/residentprofile/?q=r2%40demo")
        page.locator("input[name=_selected_action]").first.check()
        page.locator("select[name=action]").select_option("graduate")
        page.get_by_role("button", name="Go").click()
        expect(page.get_by_text("1 resident graduated.")).to_be_visible()

        page.goto(base + "/admin/institutions/residentprofile/")
        assert "Riverside" not in page.content()
        assert "riverside-resident@example.org" not in page.content()
        screenshot(page, "admin-residents")

        # usage of the institution, then its audit
        page.goto(base + f"/admin/institutions/institution/{demo.pk}/change/")
        expect(page.get_by_role("heading", name="Resident seats")).to_be_visible()
        expect(page.get_by_text("59").first).to_be_visible()
        screenshot(page, "admin-institution-usage")
        # the institution's own decisions about its recordings
        page.get_by_label("Keep uploaded recordings (days)").fill("30")
        page.get_by_label("Clinical vocabulary").fill("ustekinumab\nCrohn disease")
        screenshot(page, "admin-institution-recordings")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
        page.goto(base + "/admin/accounts/auditlog/")
        expect(
            page.get_by_text("Institution's recording settings changed").first
        ).to_be_visible()
        expect(page.get_by_text("Resident graduated").first).to_be_visible()
        assert "Riverside" not in page.content()
        screenshot(page, "admin-audit")
        riverside = riverside_resident.resident_profile
        response = page.goto(
            base + f"/admin/institutions/residentprofile/{riverside.pk}/change/"
        )
        assert response.status == 404

    assert Invitation.objects.filter(institution=demo).count() == 52
    assert ResidentProfile.objects.get(user__username="r2").status == "graduated"
    assert FeatureGrant.objects.filter(user__username="r1").count() == 2
    assert AuditLog.objects.filter(action="RESIDENT_INVITED").count() == 52
