"""WCAG 2.2 AA with axe-core on every page a contact meets, in every language the
repository has, and on every staff page (issue 16).

Contact pages: no violation of any WCAG 2.0/2.1/2.2 A or AA rule, in light and
dark. Staff pages: none serious or critical. Each test prints the pages it
checked; a page it can't reach fails it (tests/a11y/tour.py).
"""

from __future__ import annotations

import pytest

from tests.a11y.axe import describe, run_axe
from tests.a11y.tour import contact_pages, languages, staff_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTACT_PAGES = 22
STAFF_SERIOUS = {"serious", "critical"}


def _context(browser, live_server, **options):
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(15_000)
    return context


@pytest.mark.parametrize("language", languages())
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_contact_page_has_no_wcag_aa_violation(
    browser, live_server, shrink_uploads, language, scheme
):
    context = _context(
        browser,
        live_server,
        locale=language,
        color_scheme=scheme,
        viewport={"width": 390, "height": 844},
    )
    page = context.new_page()
    found: dict[str, str] = {}

    def check(page, name):
        violations = run_axe(page)
        if violations:
            found[name] = describe(violations)

    try:
        seen = contact_pages(page, live_server.url, language, check, shrink_uploads=shrink_uploads)
    finally:
        context.close()
    print(f"axe, contact pages in {language} ({scheme}): {', '.join(seen)}")
    assert len(seen) == CONTACT_PAGES
    assert not found, "\n".join(f"{name}:\n{text}" for name, text in found.items())


def test_every_staff_page_has_no_serious_or_critical_violation(browser, live_server):
    context = _context(browser, live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    found: dict[str, str] = {}

    def check(page, name):
        violations = [v for v in run_axe(page) if v["impact"] in STAFF_SERIOUS]
        if violations:
            found[name] = describe(violations)

    try:
        seen = staff_pages(page, live_server.url, check)
    finally:
        context.close()
    print(f"axe, staff pages: {', '.join(seen)}")
    assert not found, "\n".join(f"{name}:\n{text}" for name, text in found.items())
