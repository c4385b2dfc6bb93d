"""The Swagger UI at /api/docs/ works in Chromium under the strict CSP, with no CDN."""

import pytest

from tests.browser import chromium, screenshot

pytestmark = pytest.mark.browser


def test_the_api_docs_render_every_route_under_the_csp(plain_server, admin):
    problems = []
    requested = []
    base = plain_server
    with chromium() as browser:
        page = browser.new_page()
        page.on(
            "console",
            lambda m: (
                problems.append(m.text) if m.type in {"error", "warning"} else None
            ),
        )
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("request", lambda r: requested.append(r.url))
        response = page.goto(base + "/api/docs/")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_selector(".opblock-tag-section")
        assert page.get_by_role("heading", name="Noumaris API").first.is_visible()
        tags = page.locator(".opblock-tag").all_inner_texts()
        assert {"superadmin", "institution admin", "invitations", "me"} <= {
            t.split("\n")[0].strip() for t in tags
        }
        page.wait_for_selector(".opblock-summary-path")
        paths = {
            text.replace("\u200b", "").strip()
            for text in page.locator(".opblock-summary-path").all_inner_texts()
        }
        assert "/api/v1/admin/institution/residents/invite/batch" in paths
        page.locator(".opblock-summary", has_text="invite/batch").first.click()
        page.get_by_role("button", name="Try it out").first.wait_for()
        screenshot(page, "api-docs")
    assert [url for url in requested if not url.startswith(base)] == []
    assert [p for p in problems if "Content Security Policy" in p] == []
    assert problems == []
