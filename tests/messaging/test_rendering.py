"""Liquid templates: save-time validation (R1.6) and rendering."""

import pytest

from hushpost.contacts.models import Contact, CustomField
from hushpost.messaging.rendering import (
    FieldSpec,
    Problem,
    TemplateInvalid,
    fields_used,
    problems_in,
    render,
    validate,
)
from hushpost.messaging.template_fields import (
    contact_context,
    notification_context,
    notification_spec,
)

SPEC = FieldSpec(
    objects={
        "contact": frozenset({"name", "first_name", "last_name"}),
        "custom": frozenset({"my_secure_pin_field", "visits"}),
        "user": frozenset({"name_and_company"}),
    },
    scalars=frozenset({"secure_link"}),
)


def messages(source, **kwargs):
    return [str(problem) for problem in problems_in(source, SPEC, **kwargs)]


def test_a_valid_template_has_no_problems_and_renders():
    source = "Hi {{ contact.first_name }}, {{ user.name_and_company }} wrote: {{ secure_link }}"
    assert problems_in(source, SPEC, required=["secure_link"]) == []
    context = {
        "contact": {"first_name": "Jane"},
        "user": {"name_and_company": "Ann Lee at Riverside"},
        "secure_link": "https://x/s/abc",
    }
    assert render(source, context) == "Hi Jane, Ann Lee at Riverside wrote: https://x/s/abc"


def test_a_syntax_error_on_a_later_line_gives_that_line_and_column():
    source = "Hello {{ contact.name }},\nthank you.\n  {% if %}yes{% endif %}"
    assert messages(source) == ["Line 3, column 6: missing expression"]


def test_an_unclosed_output_is_reported_where_it_opens():
    problems = problems_in("First line\n{{ contact.name", SPEC)
    assert len(problems) == 1
    assert (problems[0].line, problems[0].column) == (2, 1)
    assert "'}}'" in problems[0].message


def test_an_unexpected_end_tag_is_a_syntax_error_with_its_position():
    assert messages("a\nb\n  {% endif %}") == ["Line 3, column 6: unexpected tag 'endif'"]


def test_an_unknown_field_is_named_with_its_line_and_column():
    source = "Hi {{ contact.name }},\nyour {{ custom.no_such_field }} is due"
    assert messages(source) == ["Line 2, column 9: unknown field custom.no_such_field"]


def test_a_typo_in_a_field_is_named_and_the_likely_field_suggested():
    assert messages("Open {{ secure_lnk }}") == [
        "Line 1, column 9: unknown field secure_lnk (did you mean secure_link?)"
    ]
    assert messages("{{ contact.lastname }}") == [
        "Line 1, column 4: unknown field contact.lastname (did you mean contact.last_name?)"
    ]


def test_fields_are_checked_in_tags_and_filter_arguments_too():
    assert messages("{% if custom.nope %}x{% endif %}") == [
        "Line 1, column 7: unknown field custom.nope"
    ]
    assert messages("{{ contact.name | append: custom.nah }}") == [
        "Line 1, column 27: unknown field custom.nah"
    ]


def test_a_whole_object_or_a_deeper_path_is_not_a_field():
    assert messages("{{ contact }}") == ["Line 1, column 4: unknown field contact"]
    assert messages("{{ contact.name.size }}") == [
        "Line 1, column 4: unknown field contact.name.size (did you mean contact.name?)"
    ]


def test_a_lookup_that_cant_be_checked_before_sending_is_refused():
    assert messages("{{ custom[contact.name] }}") == [
        "Line 1, column 4: unknown field custom[contact.name]"
    ]
    assert messages("{{ custom[0] }}") == ["Line 1, column 4: unknown field custom[0]"]


def test_locals_made_in_the_template_are_not_fields():
    assert (
        messages(
            "{% assign x = contact.name %}{{ x }}"
            "{% for i in (1..3) %}{{ forloop.index }}{% endfor %}"
        )
        == []
    )


def test_an_unknown_filter_is_named_with_its_position():
    assert messages("Hi\n{{ contact.name | shout }}") == ["Line 2, column 19: unknown filter shout"]


def test_every_problem_is_reported_in_reading_order():
    source = "{{ custom.b | nope }}\n{{ custom.a }}"
    assert messages(source) == [
        "Line 1, column 4: unknown field custom.b",
        "Line 1, column 15: unknown filter nope",
        "Line 2, column 4: unknown field custom.a",
    ]


def test_a_required_field_that_is_missing_is_named():
    assert messages("Hello {{ contact.name }}", required=["secure_link"]) == [
        "the template must contain {{ secure_link }}"
    ]
    # Named but changed: an upper-cased token is another token, so the link would not work.
    assert messages("{{ secure_link | upcase }}", required=["secure_link"]) == [
        "{{ secure_link }} must appear in the message as it is, "
        "not hidden by a condition or changed by a filter"
    ]
    assert messages("Read: {{ secure_link | strip }}", required=["secure_link"]) == []


def test_includes_are_refused_not_a_crash():
    # There is nothing to include; analysis used to raise TemplateNotFoundError.
    assert messages('{% include "other" %}') == [
        "Line 1, column 12: {% include %} and {% render %} can't be used here"
    ]
    assert messages('{% render "other" %}')[0].endswith("can't be used here")


def test_a_loop_past_the_limit_is_refused_when_saved():
    assert messages("{% for i in (1..5000) %}x{% endfor %}") == [
        "Line 1, column 4: loop iteration limit reached"
    ]


def test_a_loop_bound_by_a_contacts_value_stops_at_the_limit_when_rendered():
    source = "{% for i in (1..custom.visits) %}x{% endfor %}"
    assert problems_in(source, SPEC) == []
    assert render(source, {"custom": {"visits": "3"}}) == "xxx"
    with pytest.raises(TemplateInvalid) as raised:
        render(source, {"custom": {"visits": "100000"}})
    assert "loop iteration limit" in str(raised.value)


def test_a_template_that_fails_its_trial_render_is_refused_with_the_position():
    assert messages("{{ 1 | divided_by: 0 }}") == [
        "Line 1, column 8: divided_by: can't divide by 0"
    ]


def test_validate_raises_with_every_problem():
    with pytest.raises(TemplateInvalid) as raised:
        validate("{{ custom.nope }}", SPEC, required=["secure_link"])
    assert [str(p) for p in raised.value.problems] == [
        "Line 1, column 4: unknown field custom.nope",
        "the template must contain {{ secure_link }}",
    ]


def test_a_problem_reads_with_or_without_a_position():
    assert str(Problem("oops", 2, 5)) == "Line 2, column 5: oops"
    assert str(Problem("oops")) == "oops"


def test_html_rendering_escapes_values_and_plain_rendering_does_not():
    context = {"contact": {"name": "<b>Jo</b>"}}
    assert render("{{ contact.name }}", context, html=True) == "&lt;b&gt;Jo&lt;/b&gt;"
    assert render("{{ contact.name }}", context) == "<b>Jo</b>"


def test_fields_used_lists_every_field_a_template_names():
    source = (
        "{{ custom.pin }}{% if contact.name %}{{ user.name | default: custom.other }}{% endif %}"
    )
    assert fields_used(source) == {"custom.pin", "contact.name", "user.name", "custom.other"}
    assert fields_used("{{ broken") == set()


@pytest.mark.django_db
def test_a_saved_template_renders_for_a_contact_with_no_custom_values(org_a, alice):
    CustomField.objects.create(organization=org_a, key="insurance", label="Insurance")
    source = "[{{ custom.insurance }}] {{ contact.name }} {{ secure_link }}"
    validate(source, notification_spec(org_a), required=["secure_link"])
    contact = Contact.objects.create(organization=org_a, name="Jane Roe", email="jane@example.com")
    assert (
        render(source, notification_context(alice, contact, "https://h/s/x"))
        == "[] Jane Roe https://h/s/x"
    )


@pytest.mark.django_db
def test_the_notification_spec_knows_the_organizations_custom_fields_only(org_a, org_b):
    CustomField.objects.create(organization=org_a, key="insurance", label="Insurance")
    CustomField.objects.create(organization=org_b, key="case_no", label="Case")
    names = notification_spec(org_a).names()
    assert "custom.insurance" in names and "custom.case_no" not in names
    assert {"secure_link", "user.name_and_company", "contact.last_name"} <= set(names)


@pytest.mark.django_db
def test_the_contact_context_stringifies_values_and_fills_missing_ones(org_a):
    CustomField.objects.create(
        organization=org_a, key="visits", label="Visits", field_type="number"
    )
    CustomField.objects.create(organization=org_a, key="insurance", label="Insurance")
    contact = Contact.objects.create(organization=org_a, name="Jane Roe", custom={"visits": 3})
    context = contact_context(contact)
    assert context["custom"] == {"visits": "3", "insurance": ""}
    assert context["contact"]["last_name"] == "Roe"
    assert context["contact"]["time_zone"] == "America/New_York"


@pytest.mark.parametrize(
    "source",
    [
        "Read it: {% if false %}{{ secure_link }}{% endif %}",
        "Read it: {{ secure_link | upcase }}",
        "Read it: {{ secure_link | truncate: 10 }}",
    ],
)
def test_a_required_link_that_would_not_reach_the_contact_is_refused(source):
    from hushpost.messaging.rendering import FieldSpec, problems_in

    spec = FieldSpec(scalars=frozenset({"secure_link"}))
    problems = problems_in(source, spec, required=["secure_link"])
    assert [p.message for p in problems] == [
        "{{ secure_link }} must appear in the message as it is, "
        "not hidden by a condition or changed by a filter"
    ]
