"""What the contact sees (R6): the link, the PIN, the conversation, a reply, a new link.

A GET of the link only logs the click and offers a form: mail scanners and
chat previews fetch links, and must not see content, start a session or use
up a PIN try. The POST starts a portal session and redirects to a token-free
URL, so the token never travels on in a Referer or stays in the history.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.activity.origin import client_ip
from hushpost.appointments.answers import answerable_by_message
from hushpost.languages import LANGUAGE_CODES
from hushpost.messaging.conversations import (
    MAX_REPLY_ATTACHMENT_BYTES,
    MAX_REPLY_CHARS,
    receive_reply,
    thread_to_show,
)
from hushpost.messaging.link_visits import client_key, confirm_person, note_fetch
from hushpost.messaging.links import LinkState, check_pin, find_link, link_state
from hushpost.messaging.models import Attachment, SecureLink
from hushpost.messaging.pin_hints import hint_for
from hushpost.messaging.read_receipts import note_viewed
from hushpost.messaging.renewal import other_channel, request_new_link
from hushpost.portal.decorators import portal_view
from hushpost.portal.forms import ReplyForm
from hushpost.portal.language import forget as forget_language
from hushpost.portal.language import page_language, safe_return_path
from hushpost.portal.language import remember as remember_language
from hushpost.portal.pages import not_valid, render_page
from hushpost.portal.sessions import (
    end_session,
    forget_cookie,
    live_session,
    record_view,
    start_session,
)
from hushpost.portal.throttle import note_failure, retry_after
from hushpost.portal.uploads import ACCEPT, safe_file_name


def _live_link(token: str) -> tuple[SecureLink, LinkState] | None:
    """The token's link and its state, unless there is none or it was revoked
    (both get the same "not valid" page)."""
    link = find_link(token)
    if link is None:
        return None
    state = link_state(link)
    return None if state == LinkState.REVOKED else (link, state)


def _client(request: HttpRequest) -> str:
    return client_key(client_ip(request), request.META.get("HTTP_USER_AGENT", ""))


def _state_page(
    request: HttpRequest, link: SecureLink, state: LinkState, token: str
) -> HttpResponse:
    template = "portal/expired.html" if state == LinkState.EXPIRED else "portal/locked.html"
    context = {"token": token, "other": other_channel(link)}
    return render_page(request, template, context, contact=link.contact)


def _too_many_tries(request: HttpRequest, wait: int, contact=None) -> HttpResponse:
    response = render_page(
        request,
        "portal/too_many_tries.html",
        {"minutes": max(1, -(-wait // 60))},
        contact=contact,
        status=429,
    )
    response.headers["Retry-After"] = str(wait)
    return response


def _open_page(
    request: HttpRequest,
    link: SecureLink,
    token: str,
    *,
    error: str = "",
    attempts_left: int = 0,
    status: int = 200,
) -> HttpResponse:
    context = {
        "link": link,
        "token": token,
        "error": error,
        "attempts_left": attempts_left,
        "pin_hint": hint_for(link),
    }
    return render_page(request, "portal/open.html", context, contact=link.contact, status=status)


@portal_view
@require_http_methods(["GET", "HEAD", "POST"])
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST" and (wait := retry_after(request)):
        # Checked before the link is looked up: a throttled client learns nothing more.
        return _too_many_tries(request, wait)
    found = _live_link(token)
    if found is None:
        if request.method == "POST":
            note_failure(request)
        return not_valid(request)
    link, state = found
    if request.method == "POST":
        if state != LinkState.EXPIRED:
            confirm_person(link, client=_client(request))
        return _enter(request, link, state, token)
    if state == LinkState.EXPIRED:
        record(
            link.organization,
            EventKind.EXPIRED_LINK_VISITED,
            contact=link.contact,
            message=link.message,
            link=link,
            actor_label="contact",
        )
        return _state_page(request, link, state, token)
    # Logged as a person's click only once this client posts (messaging/link_visits.py).
    note_fetch(
        link,
        client=_client(request),
        method=request.method or "GET",
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        state="" if state == LinkState.VALID else state.value,
    )
    if state == LinkState.VALID:
        # Nothing but the log changes on a GET: scanners fetch links too.
        return _open_page(request, link, token)
    return _state_page(request, link, state, token)


def _enter(request: HttpRequest, link: SecureLink, state: LinkState, token: str) -> HttpResponse:
    if state != LinkState.VALID:
        if state == LinkState.LOCKED:
            note_failure(request)
        return _state_page(request, link, state, token)
    if link.has_pin:
        pin = request.POST.get("pin", "")
        if not pin.strip():
            # An empty submit is a slip, not a guess: it uses up no try.
            return _open_page(request, link, token, error="empty", status=400)
        result = check_pin(link, pin)
        if not result.ok:
            note_failure(request)
        if result.retry_after:
            return _too_many_tries(request, result.retry_after, link.contact)
        if result.locked:
            return _state_page(request, link, LinkState.LOCKED, token)
        if not result.ok:
            return _open_page(
                request, link, token, error="wrong", attempts_left=result.attempts_left, status=400
            )
    response = HttpResponseRedirect(reverse("portal:conversation") + "#latest")
    start_session(request, response, link)
    return response


@portal_view
@require_POST
def new_link(request: HttpRequest, token: str) -> HttpResponse:
    found = _live_link(token)
    if found is None:
        return not_valid(request)
    link, state = found
    if state != LinkState.EXPIRED:
        # Asking for a new link from the locked page is a person's act too.
        confirm_person(link, client=_client(request))
    renewal = request_new_link(link, by_other_channel=request.POST.get("channel") == "other")
    return render_page(request, "portal/new_link.html", {"renewal": renewal}, contact=link.contact)


def _session_ended(request: HttpRequest) -> HttpResponse:
    response = render_page(request, "portal/session_ended.html", status=403)
    forget_cookie(response)
    return response


def _conversation_page(
    request: HttpRequest, session, form: ReplyForm, *, status: int = 200
) -> HttpResponse:
    contact = session.contact
    messages = thread_to_show(contact)
    # A reminder's appointment gets its Confirm / I can't come buttons beside it,
    # here behind the PIN, so time and place never sit in the notification.
    appointments = answerable_by_message(messages)
    for message in messages:
        message.appointment = appointments.get(message.pk)  # type: ignore[attr-defined]
    note_viewed(messages)
    record_view(session, len(messages))
    context = {
        "messages": messages,
        "form": form,
        "accept": ACCEPT,
        "sent": request.GET.get("sent") == "1",
        "answered": request.GET.get("answered", ""),
        "max_chars": MAX_REPLY_CHARS,
        "max_bytes": MAX_REPLY_ATTACHMENT_BYTES,
    }
    return render_page(request, "portal/conversation.html", context, contact=contact, status=status)


@portal_view
@require_GET
def conversation(request: HttpRequest) -> HttpResponse:
    session = live_session(request)
    if session is None:
        return _session_ended(request)
    return _conversation_page(request, session, ReplyForm())


@portal_view
@require_POST
def reply(request: HttpRequest) -> HttpResponse:
    session = live_session(request)
    if session is None:
        return _session_ended(request)
    with translation.override(page_language(request, session.contact.language)):
        form = ReplyForm(request.POST, request.FILES)
        valid = form.is_valid()
    if not valid:
        return _conversation_page(request, session, form, status=400)
    receive_reply(
        link=session.link,
        body=form.cleaned_data["body"],
        attachment=form.cleaned_data["attachment"],
    )
    return HttpResponseRedirect(reverse("portal:conversation") + "?sent=1#sent")


@portal_view
@require_GET
def attachment(request: HttpRequest, attachment_id) -> HttpResponse:
    session = live_session(request)
    if session is None:
        return _session_ended(request)
    # Another contact's file (or another organization's) is simply not found.
    item = get_object_or_404(
        Attachment,
        pk=attachment_id,
        organization_id=session.organization_id,
        message__contact_id=session.contact_id,
    )
    response = HttpResponse(item.data, content_type=item.content_type or "application/octet-stream")
    response.headers["Content-Disposition"] = content_disposition_header(
        True, safe_file_name(item.file_name)
    )
    # Should a browser render it anyway, it runs nothing and reaches nothing.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; sandbox; frame-ancestors 'none'"
    )
    return response


@portal_view
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    end_session(request)
    response = HttpResponseRedirect(reverse("portal:signed_out"))
    forget_cookie(response)
    forget_language(response)
    return response


@portal_view
@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    """The switch: remember the choice for this visit and go back to the page it was on."""
    code = request.POST.get("language", "")
    response = HttpResponseRedirect(safe_return_path(request, request.POST.get("next", "")))
    if code in LANGUAGE_CODES:
        remember_language(request, response, code)
    return response


@portal_view
@require_GET
def signed_out(request: HttpRequest) -> HttpResponse:
    return render_page(request, "portal/signed_out.html")


@portal_view
def nothing_here(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Anything else under /s/: the same not-valid page, with the portal's headers."""
    return not_valid(request)
