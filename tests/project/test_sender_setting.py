"""HUSHPOST_FROM_EMAIL as operators write it: business names quoted or not are
read and re-written for mail libraries; a malformed address stops start-up
with one line."""

from __future__ import annotations

import email
import email.policy

import pytest

from hushpost.outgoing_email import Sender, SenderInvalid, parse_sender
from tests.project.test_production_settings import hushpost


@pytest.mark.parametrize(
    ("written", "name", "address", "header"),
    [
        (
            "Praxis Dr. Müller <praxis@example.de>",
            "Praxis Dr. Müller",
            "praxis@example.de",
            '"Praxis Dr. Müller" <praxis@example.de>',
        ),
        (
            '"Praxis Dr. Müller" <praxis@example.de>',
            "Praxis Dr. Müller",
            "praxis@example.de",
            '"Praxis Dr. Müller" <praxis@example.de>',
        ),
        (
            "O'Brien & Co. <hello@obrien.example>",
            "O'Brien & Co.",
            "hello@obrien.example",
            '"O\'Brien & Co." <hello@obrien.example>',
        ),
        (
            'The "Best" Clinic <a@best.example>',
            'The "Best" Clinic',
            "a@best.example",
            '"The \\"Best\\" Clinic" <a@best.example>',
        ),
        (
            '"The \\"Best\\" Clinic" <a@best.example>',
            'The "Best" Clinic',
            "a@best.example",
            '"The \\"Best\\" Clinic" <a@best.example>',
        ),
        (
            "Smith, Jones & Partners<office@sj.example>",
            "Smith, Jones & Partners",
            "office@sj.example",
            '"Smith, Jones & Partners" <office@sj.example>',
        ),
        ("診療所 <clinic@example.jp>", "診療所", "clinic@example.jp", "診療所 <clinic@example.jp>"),
        ("notify@riverside.example", "", "notify@riverside.example", "notify@riverside.example"),
        (
            "  <notify@riverside.example>  ",
            "",
            "notify@riverside.example",
            "notify@riverside.example",
        ),
        (
            "Hushpost <hushpost@localhost>",
            "Hushpost",
            "hushpost@localhost",
            "Hushpost <hushpost@localhost>",
        ),
        (
            "Praxis <praxis@müller.example>",
            "Praxis",
            "praxis@müller.example",
            "Praxis <praxis@müller.example>",
        ),
    ],
)
def test_a_sender_is_read_as_written_and_written_as_mail_libraries_read_it(
    written, name, address, header
):
    sender = parse_sender(written)
    assert sender == Sender(name=name, address=address)
    assert sender.header == header
    # What mail software makes of the header is the name and address we started from.
    [parsed] = email.policy.default.header_factory("From", sender.header).addresses
    assert (parsed.display_name, parsed.addr_spec) == (name, address)


def test_the_sending_domain_is_ascii_for_message_ids():
    assert parse_sender("Praxis <praxis@Müller.Example>").domain == "xn--mller-kva.example"


@pytest.mark.parametrize(
    ("written", "says"),
    [
        ("", "no sender address is set"),
        ("Riverside Clinic", "'Riverside Clinic' is not an email address we can send from"),
        ("Riverside Clinic <notify@>", "'notify@' is not an email address we can send from"),
        ("Riverside Clinic <>", "the sender has no address inside <…>"),
        ("Riverside Clinic <notify@riverside.example", "angle brackets don't enclose an address"),
        ("Riverside <a@b.example>, other@b.example", "angle brackets don't enclose an address"),
        ("Riverside\nBcc: victim@example.com <a@b.example>", "line break"),
        ("Jürgen <jürgen@example.com>", "'jürgen@example.com' is not an email address"),
        ("Two <a@b@example.com>", "'a@b@example.com' is not an email address"),
    ],
)
def test_a_malformed_sender_is_refused_saying_what_is_wrong_and_how_to_write_it(written, says):
    with pytest.raises(SenderInvalid) as refused:
        parse_sender(written)
    assert says in str(refused.value)
    assert str(refused.value).endswith("Riverside Clinic <notify@riverside.example>.")


def test_a_malformed_sender_stops_start_up_with_one_line(tmp_path):
    result = hushpost(
        "manage",
        "check",
        env_overrides={"HUSHPOST_FROM_EMAIL": "Praxis Dr. Müller <praxis@>"},
        tmp_path=tmp_path,
    )
    # Django's check command lists it among its errors (hushpost.E006); every process
    # the CLI starts refuses with the line alone (tests/project/test_checks.py).
    assert result.returncode == 1
    assert [line for line in result.stderr.splitlines() if "hushpost.E006" in line] == [
        "?: (hushpost.E006) HUSHPOST_FROM_EMAIL='Praxis Dr. Müller <praxis@>': "
        "'praxis@' is not an email address we can send from (one @, a domain, and a local "
        "part in plain ASCII); write the sender as Riverside Clinic <notify@riverside.example>."
    ]


def test_an_unquoted_name_with_a_period_set_by_the_operator_reaches_the_mail_server(
    tmp_path, smtp_server
):
    # The whole process as deployed: settings read the environment, and Django's
    # own command sends with DEFAULT_FROM_EMAIL over SMTP.
    result = hushpost(
        "manage",
        "sendtestemail",
        "jane@example.com",
        env_overrides={
            "HUSHPOST_FROM_EMAIL": "Praxis Dr. Müller <praxis@mueller-praxis.example>",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_server.port),
        },
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    [envelope] = smtp_server.messages
    assert envelope.mail_from == "praxis@mueller-praxis.example"
    message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        "Praxis Dr. Müller",
        "praxis@mueller-praxis.example",
    )
