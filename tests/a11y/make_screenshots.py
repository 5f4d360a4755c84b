"""`make screenshots`: the main staff and contact pages as pictures, in docs/screenshots/.

Each page at 1280 px and at 390 px, light and dark, in English and Spanish,
named <language>-<width>-<scheme>-<page>.png. The contact pages are taken on
the same walk as the accessibility tests (tests/a11y/tour.py), so a page that
can't be reached fails here too. Not part of `make test` (the file name keeps
pytest from collecting it); run `make screenshots` after changing a page.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hushpost.contacts.models import Contact
from tests.a11y.tour import contact_pages, sign_in, staff_paths, staff_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LANGUAGES = ["en", "es"]
WIDTHS = {1280: 860, 390: 844}
SCHEMES = ["light", "dark"]
CONTACT = {"pin", "conversation", "conversation-reply-sent", "expired", "new-link-sent", "locked"}
STAFF = {"home", "inbox", "conversation", "contact", "compose", "secure-settings"}


def _shoot(page, language: str, width: int, scheme: str, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    # The full page at a phone's width; the first screen on a wide one.
    page.screenshot(
        path=str(OUT / f"{language}-{width}-{scheme}-{name}.png"), full_page=width < 600
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_screenshots(browser, live_server, shrink_uploads, language):
    taken = 0
    for width, height in WIDTHS.items():
        for scheme in SCHEMES:
            context = browser.new_context(
                base_url=live_server.url,
                locale=language,
                color_scheme=scheme,
                viewport={"width": width, "height": height},
                reduced_motion="reduce",
            )
            page = context.new_page()

            def shoot(page, name, width=width, scheme=scheme):
                nonlocal taken
                if name in CONTACT:
                    _shoot(page, language, width, scheme, name)
                    taken += 1

            try:
                contact_pages(page, live_server.url, language, shoot)
                # Staff see the contact just toured: the message shows as viewed.
                toured = (
                    Contact.objects.filter(language=language, name="Jane Roe")
                    .order_by("created_at")
                    .last()
                )
                user = staff_user()
                if hasattr(user, "language"):
                    user.language = language
                    user.save()
                sign_in(page, live_server.url)
                for name, path in staff_paths(toured):
                    if name in STAFF:
                        page.goto(f"{live_server.url}{path}")
                        _shoot(page, language, width, scheme, f"staff-{name}")
                        taken += 1
            finally:
                context.close()
    assert taken == len(WIDTHS) * len(SCHEMES) * (len(CONTACT) + len(STAFF))
    print(f"{taken} screenshots in {OUT}")
