"""Address books as Google, Outlook and Apple export them, and vCards, imported without manual
work: the files in tests/fixtures/imports/, through the one import pipeline."""

import pytest

from hushpost.accounts.models import Organization
from hushpost.contacts.models import Contact
from hushpost.imports.models import ImportSource
from hushpost.imports.pipeline import create_run, run_now
from tests.imports.fixtures import fixture

pytestmark = pytest.mark.django_db


def imported(org, name, **options):
    run = create_run(
        org,
        kind="contacts",
        file_name=name,
        data=fixture(name),
        source=ImportSource.CLI,
        **options,
    )
    return run_now(run)


def rows(run):
    return {row.line: row for row in run.rows.all()}


def contact(name):
    return Contact.objects.get(name=name)


@pytest.fixture
def german_clinic(db):
    return Organization.objects.create(
        name="Praxis Schäfer",
        company_name="Praxis Schäfer",
        slug="praxis",
        time_zone="Europe/Berlin",
        country="DE",
    )


def test_a_current_google_export_joins_names_picks_the_mobile_and_splits_multi_values(org_a):
    run = imported(org_a, "google_contacts.csv")
    assert (run.status, run.encoding, run.added_count, run.rejected_count) == (
        "done",
        "UTF-8",
        4,
        0,
    )
    maria = contact("María José García López")
    # Phone 1 is her home number; Phone 2, labelled Mobile, is the one to text.
    assert (maria.phone, maria.email) == ("+34612345678", "maria.garcia@example.es")
    wei = contact("Wei Chen")
    assert (wei.phone, wei.email) == ("+14155550134", "wei.chen@example.com")
    by_line = rows(run)
    assert by_line[3].warnings == [
        "Phone 1 - Value: 1 more number(s) in the cell, not imported (the first usable one was)",
        "E-mail 1 - Value: 1 more address(es) in the cell, not imported (the first usable one was)",
    ]
    # A work number with an extension can't take a text: refused with the reason, row kept.
    olivia = contact("Olivia Bennett")
    assert (olivia.phone, olivia.email) == ("", "olivia@bennett-law.example")
    assert "extension" in by_line[4].warnings[0] and "ext" not in str(by_line[4].reasons)
    assert contact("Tomás").phone == "+14155550142"


def test_an_older_google_export_reads_language_names_and_skips_faxes(org_a):
    run = imported(org_a, "google_contacts_legacy.csv")
    assert run.added_count == 3 and run.rejected_count == 0
    hans = contact("Hans Peter Müller")
    assert (hans.phone, hans.language) == ("+4915123456789", "de")
    li = contact("Li Wang")  # no Name: Given + Family
    assert (li.phone, li.language) == ("+8613910998888", "zh-hans")
    aoife = contact("Aoife Byrne")
    # A language we don't send in is a warning, never a rejected row.
    assert aoife.language == "en"
    assert "Language: not a language we send in; the contact keeps its language" in (
        rows(run)[4].warnings
    )


def test_an_outlook_ansi_export_reads_astrom_and_skips_exchange_addresses(org_a):
    run = imported(org_a, "outlook_contacts_ansi.csv")
    assert run.encoding == "Windows-1252"
    anna = contact("Anna Åström")
    assert (anna.phone, anna.email) == ("+46701234567", "anna.astrom@example.se")
    # An Exchange address is skipped for the next email column instead of losing the row.
    jurgen = contact("Jürgen Karl Weiß")
    assert (jurgen.email, jurgen.language) == ("juergen.weiss@praxis-weiss.example", "de")
    assert "E-mail Address: an Exchange address, not an email; skipped" in rows(run)[3].warnings
    assert jurgen.phone == "+491609876543"  # Primary Phone, before the business number
    # Only a business number: kept, said so, and flagged as a landline.
    zoe = contact("Zoë O'Connor")
    assert zoe.phone == "+442079460321" and zoe.phone_is_landline
    assert rows(run)[4].warnings[0] == "no mobile number; the number from Business Phone was used"
    # A French number without its country code, in a US clinic: the row says why.
    assert rows(run)[5].reasons == ["bad phone (not a valid mobile number; add the country code)"]


def test_a_german_outlook_export_with_excels_sep_line(german_clinic):
    run = imported(german_clinic, "outlook_contacts_de.csv")
    assert run.headers[:4] == ["Anrede", "Vorname", "Weitere Vornamen", "Nachname"]
    assert run.added_count == 2 and run.rejected_count == 0
    sabine = contact("Sabine Schäfer")
    assert (sabine.phone, sabine.email, sabine.language) == (
        "+491712345678",
        "sabine.schaefer@example.de",
        "de",
    )
    assert contact("Mehmet Yılmaz").language == "en"


def test_a_spanish_latin1_export(german_clinic):
    run = imported(german_clinic, "outlook_contacts_es_latin1.csv")
    assert run.encoding == "Windows-1252" and run.added_count == 2
    jose = contact("José Luis Fernández Núñez")
    assert (jose.phone, jose.language) == ("+34622112233", "es")
    ines = contact("Inés Peña")
    # "inglés" is English, in Spanish; her only number is a landline, kept and flagged.
    assert (ines.language, ines.phone, ines.phone_is_landline) == ("en", "+34933214365", True)


def test_an_apple_exporter_layout(org_a):
    run = imported(org_a, "apple_contacts.csv")
    assert run.added_count == 2
    assert contact("Chloé Dubois").phone == "+33612345678"  # the iPhone, not home
    assert contact("Noah Williams").phone == "+16465550147"


def test_excels_unicode_text_utf16_with_tabs(org_a):
    run = imported(org_a, "contacts_unicode_utf16le.txt")
    assert (run.encoding, run.added_count) == ("UTF-16 LE", 3)
    assert contact("Nguyễn Văn An").language == "vi"
    assert contact("Łukasz Wałęsa").language == "pl"
    assert contact("Fatima Al-Sayed").language == "ar"


def test_icloud_vcards(org_a):
    run = imported(org_a, "icloud_contacts.vcf")
    assert (run.format, run.added_count, run.rejected_count) == ("vcard", 2, 1)
    sean = contact("Seán O'Brien")
    assert (sean.phone, sean.email) == ("+353871234567", "sean.obrien@example.ie")
    # The fax is never the number; the cell phone is.
    assert contact("Agnieszka Maria Kowalska").phone == "+48601234567"
    nameless = run.rows.get(outcome="rejected")
    assert nameless.uid == "0E8B7A62-7D51-4C5E-8F21-6D3B2A9C4E10" and nameless.line == 24
    assert nameless.reasons == ["missing name"]


def test_vcard_4_with_language_preferences_extensions_and_landlines(org_a):
    run = imported(org_a, "contacts_v4.vcf")
    assert run.added_count == 3
    ingrid = contact("Ingrid Lindqvist")
    assert ingrid.phone == "+46707654321"
    carlos = contact("Carlos Mendes")
    assert (carlos.phone, carlos.language) == ("", "pt")
    hannah = contact("Hannah Schmidt")
    assert hannah.phone == "+49309876543" and hannah.phone_is_landline


def test_reimporting_an_address_book_updates_and_leaves_the_unchanged(org_a):
    imported(org_a, "apple_contacts.csv")
    again = imported(org_a, "apple_contacts.csv", options={"on_duplicate": "update"})
    assert (again.added_count, again.updated_count, again.unchanged_count) == (0, 0, 2)
    assert Contact.objects.count() == 2


def test_a_language_column_with_names_maps_to_codes_or_warns(org_a):
    text = "Name,Email,Language\nA,a@example.com,German\nB,b@example.com,Deutsch\n"
    text += "C,c@example.com,Chinese\nD,d@example.com,es-MX\nE,e@example.com,Klingon\n"
    run = run_now(
        create_run(
            org_a, kind="contacts", file_name="l.csv", data=text.encode(), source=ImportSource.CLI
        )
    )
    assert run.added_count == 5 and run.rejected_count == 0
    languages = dict(Contact.objects.values_list("name", "language"))
    assert languages == {"A": "de", "B": "de", "C": "zh-hans", "D": "es", "E": "en"}
