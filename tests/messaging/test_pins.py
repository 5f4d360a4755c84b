"""R2.3: the PIN in force — first match wins, and an empty default PIN template
holds the message back."""

import itertools

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from hushpost.contacts.models import Contact, CustomField
from hushpost.messaging.models import SecureMessagingSettings
from hushpost.messaging.pins import PinDecision, PinSource, is_template, pin_in_force

pytestmark = pytest.mark.django_db


@pytest.fixture
def pin_field(org_a):
    return CustomField.objects.create(
        organization=org_a, key="my_secure_pin_field", label="Secure PIN field"
    )


def make_contact(org, name="Jane Roe", pin="", **custom):
    contact = Contact(organization=org, name=name, email="jane@example.com", custom=custom)
    contact.secure_pin = pin
    contact.save()
    return contact


def org_settings(org, default_pin=""):
    settings = SecureMessagingSettings.objects.for_org(org)
    settings.default_pin = default_pin
    settings.save()
    return settings


# Each rung of the ladder --------------------------------------------------------


def test_the_pin_typed_for_the_message_wins_over_everything(org_a, pin_field):
    contact = make_contact(org_a, pin="C1", my_secure_pin_field="T1")
    assert pin_in_force(contact, org_settings(org_a, "D1"), "M1") == PinDecision(
        "M1", PinSource.MESSAGE
    )
    assert (
        pin_in_force(contact, org_settings(org_a, "{{ custom.my_secure_pin_field }}"), "M1").pin
        == "M1"
    )


def test_the_message_pin_is_trimmed(org_a):
    assert pin_in_force(make_contact(org_a), org_settings(org_a), "  4321 \n").pin == "4321"


@pytest.mark.parametrize("blank", [None, "", " ", "\t\n  "])
def test_a_blank_message_pin_is_ignored(org_a, blank):
    decision = pin_in_force(make_contact(org_a, pin="C1"), org_settings(org_a, "D1"), blank)
    assert decision == PinDecision("C1", PinSource.CONTACT)


def test_the_contacts_own_pin_beats_the_default_literal_and_template(org_a, pin_field):
    contact = make_contact(org_a, pin="C1", my_secure_pin_field="T1")
    assert pin_in_force(contact, org_settings(org_a, "D1")) == PinDecision("C1", PinSource.CONTACT)
    template = org_settings(org_a, "{{ custom.my_secure_pin_field }}")
    assert pin_in_force(contact, template) == PinDecision("C1", PinSource.CONTACT)


def test_the_default_literal_applies_when_neither_message_nor_contact_has_a_pin(org_a):
    decision = pin_in_force(make_contact(org_a), org_settings(org_a, "Clinic2024"))
    assert decision == PinDecision("Clinic2024", PinSource.DEFAULT)
    assert not decision.held


def test_the_default_template_is_rendered_for_the_contact(org_a, pin_field):
    contact = make_contact(org_a, my_secure_pin_field=" 8642 ")
    decision = pin_in_force(contact, org_settings(org_a, "{{ custom.my_secure_pin_field }}"))
    assert decision == PinDecision("8642", PinSource.DEFAULT_TEMPLATE)


def test_the_default_template_can_use_the_contacts_standard_fields(org_a):
    settings = org_settings(org_a, "{{ contact.last_name | downcase }}")
    assert pin_in_force(make_contact(org_a, name="Jane Roe"), settings) == PinDecision(
        "roe", PinSource.DEFAULT_TEMPLATE
    )


def test_the_default_template_can_mix_text_and_fields(org_a, pin_field):
    settings = org_settings(org_a, "RC{{ custom.my_secure_pin_field }}")
    assert pin_in_force(make_contact(org_a, my_secure_pin_field="77"), settings).pin == "RC77"


def test_no_pin_anywhere_means_no_pin_and_nothing_held(org_a):
    decision = pin_in_force(make_contact(org_a), org_settings(org_a))
    assert decision == PinDecision(None, PinSource.NONE)
    assert not decision.held


# Holding back ---------------------------------------------------------------------


def test_a_template_over_a_custom_field_the_contact_has_no_value_for_holds_the_message(
    org_a, pin_field
):
    decision = pin_in_force(
        make_contact(org_a), org_settings(org_a, "{{ custom.my_secure_pin_field }}")
    )
    assert decision.held
    assert decision.pin is None
    assert decision.source == PinSource.DEFAULT_TEMPLATE
    assert "{{ custom.my_secure_pin_field }}" in decision.held_reason
    assert "empty" in decision.held_reason


@pytest.mark.parametrize("value", ["", "   ", "\n"])
def test_a_template_rendering_only_whitespace_holds_the_message(org_a, pin_field, value):
    decision = pin_in_force(
        make_contact(org_a, my_secure_pin_field=value),
        org_settings(org_a, "{{ custom.my_secure_pin_field }}"),
    )
    assert decision.held and decision.pin is None


def test_a_template_over_a_standard_field_that_is_empty_holds_the_message(org_a):
    decision = pin_in_force(
        make_contact(org_a, name="Cher"), org_settings(org_a, "{{ contact.last_name }}")
    )
    assert decision.held
    assert "{{ contact.last_name }}" in decision.held_reason


def test_a_template_naming_a_field_that_no_longer_exists_holds_the_message_instead_of_failing(
    org_a,
):
    # Field settings refuse this deletion; a template saved some other way must
    # still not crash a send.
    decision = pin_in_force(make_contact(org_a), org_settings(org_a, "{{ custom.gone }}"))
    assert decision.held
    assert decision.source == PinSource.DEFAULT_TEMPLATE
    assert "cannot be rendered" in decision.held_reason
    assert "line 1, column 4" in decision.held_reason


def test_a_template_that_fails_on_the_contacts_value_holds_the_message_without_quoting_it(
    org_a, pin_field
):
    settings = org_settings(org_a, "{% for i in (1..custom.my_secure_pin_field) %}1{% endfor %}")
    decision = pin_in_force(make_contact(org_a, my_secure_pin_field="987654"), settings)
    assert decision.held
    assert "987654" not in decision.held_reason  # the reason goes into the activity log


def test_a_held_decision_is_not_rescued_by_a_blank_message_pin_but_is_by_a_real_one(
    org_a, pin_field
):
    settings = org_settings(org_a, "{{ custom.my_secure_pin_field }}")
    contact = make_contact(org_a)
    assert pin_in_force(contact, settings, "  ").held
    assert pin_in_force(contact, settings, "5555") == PinDecision("5555", PinSource.MESSAGE)


def test_custom_keys_given_by_the_caller_give_the_same_answer(org_a, pin_field):
    settings = org_settings(org_a, "{{ custom.my_secure_pin_field }}")
    contact = make_contact(org_a, my_secure_pin_field="2468")
    keys = frozenset({"my_secure_pin_field"})
    assert pin_in_force(contact, settings, custom_keys=keys) == pin_in_force(contact, settings)


# The whole precedence table ---------------------------------------------------------

MESSAGE = {"none": None, "blank": "  ", "set": "M1"}
CONTACT = {"none": "", "set": "C1"}
DEFAULT = {
    "none": "",
    "literal": "D1",
    "template with a value": "{{ custom.my_secure_pin_field }}",
    "template without a value": "{{ custom.my_secure_pin_field }}",
}


def expected(message, contact, default):
    if message == "set":
        return PinDecision("M1", PinSource.MESSAGE)
    if contact == "set":
        return PinDecision("C1", PinSource.CONTACT)
    if default == "literal":
        return PinDecision("D1", PinSource.DEFAULT)
    if default == "template with a value":
        return PinDecision("T1", PinSource.DEFAULT_TEMPLATE)
    if default == "template without a value":
        return "held"
    return PinDecision(None, PinSource.NONE)


@pytest.mark.parametrize(
    ("message", "contact", "default"), list(itertools.product(MESSAGE, CONTACT, DEFAULT))
)
def test_first_match_wins_in_every_combination(org_a, pin_field, message, contact, default):
    custom = {"my_secure_pin_field": "T1"} if default == "template with a value" else {}
    decision = pin_in_force(
        make_contact(org_a, pin=CONTACT[contact], **custom),
        org_settings(org_a, DEFAULT[default]),
        MESSAGE[message],
    )
    want = expected(message, contact, default)
    if want == "held":
        assert (
            decision.held and decision.pin is None and decision.source == PinSource.DEFAULT_TEMPLATE
        )
    else:
        assert decision == want


# Properties -------------------------------------------------------------------------


@hypothesis_settings(
    max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(
    message_pin=st.text(min_size=1).filter(lambda s: s.strip()),
    contact_pin=st.sampled_from(["", "C1", "xyz9"]),
    default_pin=st.sampled_from(["", "D1", "{{ contact.last_name }}", "{{ custom.gone }}"]),
)
def test_any_non_blank_message_pin_always_wins(org_a, message_pin, contact_pin, default_pin):
    contact = Contact(
        organization=org_a, name="Cher"
    )  # never saved: nothing below the message PIN is reached
    contact.secure_pin = contact_pin
    settings = SecureMessagingSettings(organization=org_a)
    settings.default_pin = default_pin
    assert pin_in_force(contact, settings, message_pin) == PinDecision(
        message_pin.strip(), PinSource.MESSAGE
    )


@hypothesis_settings(
    max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(
    literal=st.text(alphabet="ABCDEFGHJKabcxyz0123456789", min_size=1, max_size=64),
    blank=st.sampled_from([None, "", " \t"]),
)
def test_a_literal_default_is_used_as_is_whenever_nothing_comes_before_it(org_a, literal, blank):
    contact = Contact(organization=org_a, name="Jane Roe")
    settings = SecureMessagingSettings(organization=org_a)
    settings.default_pin = literal
    assert not is_template(literal)
    assert pin_in_force(contact, settings, blank) == PinDecision(literal, PinSource.DEFAULT)
