import pytest

from hushpost.crypto import DecryptionError, KeyRingError, decrypt, encrypt, generate_key
from hushpost.crypto.keyring import KeyRing, key_id_of


@pytest.fixture
def ring(settings):
    settings.HUSHPOST_KEYS = f"new:{generate_key()},old:{generate_key()}"
    return settings


def test_it_round_trips_and_never_stores_plaintext(ring):
    token = encrypt("PIN 4321", "row-1")
    assert "4321" not in token
    assert decrypt(token, "row-1") == "PIN 4321"


def test_the_first_key_encrypts(ring):
    assert key_id_of(encrypt("x", "a")) == "new"


def test_every_key_in_the_ring_decrypts(settings):
    old = generate_key()
    settings.HUSHPOST_KEYS = f"old:{old}"
    token = encrypt("secret", "row-1")
    settings.HUSHPOST_KEYS = f"new:{generate_key()},old:{old}"
    assert decrypt(token, "row-1") == "secret"


def test_a_ciphertext_copied_to_another_row_does_not_decrypt(ring):
    token = encrypt("secret", "contacts.Contact.secure_pin|org=1|id=a")
    with pytest.raises(DecryptionError):
        decrypt(token, "contacts.Contact.secure_pin|org=2|id=a")


def test_a_tampered_ciphertext_does_not_decrypt(ring):
    token = encrypt("secret", "row")
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(DecryptionError):
        decrypt(flipped, "row")


def test_a_removed_key_is_named(settings):
    settings.HUSHPOST_KEYS = f"gone:{generate_key()}"
    token = encrypt("secret", "row")
    settings.HUSHPOST_KEYS = f"new:{generate_key()}"
    with pytest.raises(DecryptionError, match="gone"):
        decrypt(token, "row")


def test_each_encryption_uses_a_fresh_nonce(ring):
    assert encrypt("same", "row") != encrypt("same", "row")


@pytest.mark.parametrize(
    "spec, message",
    [
        ("", "empty"),
        ("nokey", "must look like id:key"),
        ("a:c2hvcnQ", "must be 32"),
        ("a b:" + "A" * 43, "must look like id:key"),
        (f"a:{'A' * 43},a:{'B' * 43}", "twice"),
    ],
)
def test_a_malformed_ring_says_what_is_wrong(spec, message):
    with pytest.raises(KeyRingError, match=message):
        KeyRing.parse(spec)


def test_development_generates_one_key_file_and_reuses_it(settings, tmp_path):
    settings.HUSHPOST_KEYS = ""
    settings.DATA_DIR = tmp_path
    token = encrypt("secret", "row")
    assert (tmp_path / "keys").read_text().startswith("dev1:")
    assert oct((tmp_path / "keys").stat().st_mode & 0o777) == "0o600"
    assert decrypt(token, "row") == "secret"


@pytest.mark.django_db
def test_a_contacts_pin_copied_onto_another_contact_does_not_decrypt(org_a):
    from hushpost.contacts.models import Contact

    first = Contact(organization=org_a, name="A", email="a@example.com")
    first.secure_pin = " 4321 "
    first.save()
    second = Contact.objects.create(organization=org_a, name="B", email="b@example.com")
    second.secure_pin_encrypted = first.secure_pin_encrypted
    assert Contact.objects.get(pk=first.pk).secure_pin == "4321"
    with pytest.raises(DecryptionError):
        _ = second.secure_pin


def test_every_encrypted_attribute_is_registered_for_rotation():
    from hushpost.crypto.encrypted_attributes import EncryptedText

    registered = {f"{owner._meta.label}.{field.name}" for owner, field in EncryptedText.registry}
    assert registered == {
        "contacts.Contact.secure_pin",
        "contacts.Contact.custom_sensitive",
        "imports.ImportRun.content",
        "imports.ImportRow.values",
        "imports.CalendarFeed.url",
        "appointments.RecurringSeries.source",
        "messaging.SecureMessagingSettings.default_pin",
        "messaging.Message.subject",
        "messaging.Message.body",
        "messaging.Attachment.data",
        "messaging.Send.content",
        "delivery.Delivery.subject",
        "delivery.Delivery.body",
        "webhooks.WebhookEndpoint.secret",
        "webhooks.WebhookEndpoint.previous_secret",
    }
