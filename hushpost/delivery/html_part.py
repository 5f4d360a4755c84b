"""The HTML part of an email, made from its plain text.

Notifications are written as plain text (the same template serves SMS); the
HTML part only makes the link clickable and keeps the paragraphs. Everything
is escaped first, so a contact's name can't inject markup.
"""

from __future__ import annotations

from django.utils.html import escape, linebreaks, urlize


def html_from_text(text: str, *, title: str = "", pixel_url: str = "") -> str:
    # urlize escapes the text around the links it makes; linebreaks then only
    # adds <p> and <br> to what is already safe.
    paragraphs = linebreaks(urlize(text, nofollow=False, autoescape=True), autoescape=False)
    # R7.2: an image the mail client fetches when the email is shown tells us it was opened.
    pixel = f'\n<img src="{escape(pixel_url)}" width="1" height="1" alt="">' if pixel_url else ""
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>\n"
        '<body style="font-family: sans-serif; line-height: 1.5">\n'
        f"{paragraphs}{pixel}\n</body></html>\n"
    )
