from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from hushpost.accounts.models import Organization, OrgScopedQuerySet, validate_time_zone
from hushpost.crypto.encrypted_attributes import EncryptedJSON, EncryptedText

# Re-exported: other modules import the languages from here.
from hushpost.languages import LANGUAGE_CODES as LANGUAGE_CODES
from hushpost.languages import LANGUAGES as LANGUAGES


class FieldType(models.TextChoices):
    TEXT = "text", pgettext_lazy("staff", "Text")
    NUMBER = "number", pgettext_lazy("staff", "Number")
    DATE = "date", pgettext_lazy("staff", "Date")


class CustomField(models.Model):
    """A field an organization adds to its contacts, used in templates as {{ custom.key }}."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="custom_fields"
    )
    key = models.SlugField(
        max_length=50,
        allow_unicode=False,
        help_text=(
            "Used in templates as {{ custom.key }}: lowercase letters, digits and underscores."
        ),
    )
    label = models.CharField(max_length=100)
    field_type = models.CharField(max_length=10, choices=FieldType.choices, default=FieldType.TEXT)
    sensitive = models.BooleanField(
        default=False,
        help_text=(
            "Values are stored encrypted, like message bodies "
            "(for identifiers such as an ID or policy number)."
        ),
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["label"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key"], name="custom_field_key_unique_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.label


class ContactQuerySet(OrgScopedQuerySet):
    def search(self, text: str) -> ContactQuerySet:
        text = text.strip()
        if not text:
            return self
        digits = "".join(ch for ch in text if ch.isdigit())
        query = Q(name__icontains=text) | Q(email__icontains=text)
        if len(digits) >= 3:
            query |= Q(phone__contains=digits)
        return self.filter(query)


class Contact(models.Model):
    # A random id: contact URLs and API ids reveal nothing about how many exist.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, as +14155550123.")
    email = models.EmailField(blank=True)
    time_zone = models.CharField(max_length=64, blank=True, validators=[validate_time_zone])
    language = models.CharField(max_length=10, choices=LANGUAGES, default="en")
    # Custom field values: the plain ones here, those of sensitive fields encrypted
    # beside them; read and write both through `custom` (below).
    custom_plain = models.JSONField(default=dict, blank=True, db_column="custom")
    custom_sensitive_encrypted = models.TextField(blank=True)
    # The contact's own secure PIN, encrypted at rest (see secure_pin).
    secure_pin_encrypted = models.TextField(blank=True)
    sms_opt_out = models.BooleanField(default=False)
    email_opt_out = models.BooleanField(default=False)
    # The integrator's own id for this person (an EHR's patient id); unique
    # in the organization when set. PUT /contacts/by-external-id/{id} upserts by it.
    external_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["organization", "name"]),
            models.Index(fields=["organization", "phone"]),
            models.Index(fields=["organization", "email"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~Q(external_id=""),
                name="contact_external_id_unique_per_org",
                violation_error_message="Another contact already has this external id.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    secure_pin = EncryptedText(
        "secure_pin_encrypted", binding=lambda c: f"org={c.organization_id}|id={c.id}", strip=True
    )

    custom_sensitive = EncryptedJSON(
        "custom_sensitive_encrypted",
        binding=lambda c: f"org={c.organization_id}|id={c.id}",
        empty=dict,
    )

    @property
    def custom(self) -> dict:
        """Every custom value by key, sensitive or not. Assign a whole dict to change it."""
        token = self.custom_sensitive_encrypted
        if not token:
            return {**self.custom_plain}
        # Decrypted once per stored value (the token), however often it is read.
        cached: tuple[str, dict] | None = self.__dict__.get("_sensitive_cache")
        if cached is None or cached[0] != token:
            cached = (token, self.custom_sensitive)
            self.__dict__["_sensitive_cache"] = cached
        return {**self.custom_plain, **cached[1]}

    @custom.setter
    def custom(self, values: dict) -> None:
        # Which fields are sensitive is asked at every assignment, so a value
        # never lands in the plain column after its field was marked sensitive.
        sensitive = set(
            CustomField.objects.filter(
                organization_id=self.organization_id, sensitive=True
            ).values_list("key", flat=True)
        )
        self.custom_plain = {key: value for key, value in values.items() if key not in sensitive}
        self.custom_sensitive = {key: value for key, value in values.items() if key in sensitive}

    CUSTOM_COLUMNS = ("custom_plain", "custom_sensitive_encrypted")

    @property
    def phone_is_landline(self) -> bool:
        """The number surely can't receive texts (phonenumbers' number type): texts are held."""
        from hushpost.contacts.phones import is_landline

        return is_landline(self.phone)

    @property
    def effective_time_zone(self) -> str:
        return self.time_zone or self.organization.time_zone

    @property
    def first_name(self) -> str:
        return self.name.split(" ", 1)[0] if self.name else ""

    @property
    def last_name(self) -> str:
        parts = self.name.split(" ", 1)
        return parts[1] if len(parts) > 1 else ""


CONTACT_TEMPLATE_FIELDS = (
    "name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "time_zone",
    "language",
)


class OnDuplicate(models.TextChoices):
    REPORT = "report", pgettext_lazy("staff", "Leave the existing contact and report the row")
    UPDATE = "update", pgettext_lazy("staff", "Update the existing contact with the row")
