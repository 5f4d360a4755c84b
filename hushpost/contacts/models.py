from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from hushpost.accounts.models import Organization, OrgScopedQuerySet, validate_time_zone
from hushpost.crypto.encrypted_attributes import EncryptedJSON, EncryptedText

LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("de", "German"),
    ("pt", "Portuguese"),
    ("it", "Italian"),
    ("nl", "Dutch"),
    ("pl", "Polish"),
    ("zh-hans", "Chinese (Simplified)"),
    ("vi", "Vietnamese"),
    ("ar", "Arabic"),
]
LANGUAGE_CODES = {code for code, _ in LANGUAGES}


class FieldType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"


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
        cached = self.__dict__.get("_sensitive_cache")
        if token and (cached is None or cached[0] != token):
            cached = (token, self.custom_sensitive)
            self.__dict__["_sensitive_cache"] = cached
        return {**self.custom_plain, **(cached[1] if token else {})}

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


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", "Waiting for column mapping"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class OnDuplicate(models.TextChoices):
    REPORT = "report", "Leave the existing contact and report the row"
    UPDATE = "update", "Update the existing contact with the row"


class ContactImport(models.Model):
    """One CSV upload. The file is kept encrypted until the import is done, then dropped."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="contact_imports"
    )
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(max_length=255)
    content_encrypted = models.TextField(blank=True)
    headers = models.JSONField(default=list)
    # Column index (as a string) -> target ("name", "phone", "custom.<key>", ...).
    mapping = models.JSONField(default=dict, blank=True)
    on_duplicate = models.CharField(
        max_length=10, choices=OnDuplicate.choices, default=OnDuplicate.REPORT
    )
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.MAPPING
    )
    total_rows = models.PositiveIntegerField(default=0)
    # Rows [0, rows_done) are settled: imported or reported. A restart resumes here.
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name

    content = EncryptedText(
        "content_encrypted",
        binding=lambda i: (
            f"org={i.organization_id}|file={i.file_name}|at={i.created_at.isoformat()}"
        ),
    )

    @property
    def percent(self) -> int:
        return 100 if not self.total_rows else int(100 * self.rows_done / self.total_rows)

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)


class ImportRejection(models.Model):
    """One CSV row that was not imported, with every reason why.

    The row's own values are kept encrypted so staff can download the rejected
    rows, fix them and import them again.
    """

    contact_import = models.ForeignKey(
        ContactImport, on_delete=models.CASCADE, related_name="rejections"
    )
    row_number = models.PositiveIntegerField(
        help_text="The line in the file, counting the header as 1."
    )
    reasons = models.JSONField(default=list)
    values_encrypted = models.TextField(blank=True)

    class Meta:
        ordering = ["row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact_import", "row_number"], name="one_rejection_per_row"
            )
        ]

    values = EncryptedJSON(
        "values_encrypted", binding=lambda r: f"import={r.contact_import_id}|row={r.row_number}"
    )
