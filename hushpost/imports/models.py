"""One import run (a file of contacts or appointments) and its per-row report.

Every import — contacts from CSV or vCard, appointments from CSV or
iCalendar — is one ImportRun: upload → (column mapping) → background run in
chunks → one ImportRow per row, card, event or occurrence saying what became
of it. The uploaded file is kept encrypted, as decoded text, until the run
ends, then dropped.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from hushpost.accounts.models import Organization, OrgScopedQuerySet
from hushpost.crypto.encrypted_attributes import EncryptedJSON, EncryptedText


class ImportKind(models.TextChoices):
    CONTACTS = "contacts", pgettext_lazy("staff", "Contacts")
    APPOINTMENTS = "appointments", pgettext_lazy("staff", "Appointments")


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", pgettext_lazy("staff", "Waiting for column mapping")
    QUEUED = "queued", pgettext_lazy("staff", "Queued")
    RUNNING = "running", pgettext_lazy("staff", "Importing")
    DONE = "done", pgettext_lazy("staff", "Done")
    FAILED = "failed", pgettext_lazy("staff", "Failed")


class ImportSource(models.TextChoices):
    WEB = "web", pgettext_lazy("staff", "Staff app")
    API = "api", pgettext_lazy("staff", "API")
    CLI = "cli", pgettext_lazy("staff", "Command line")
    SCHEDULER = "scheduler", pgettext_lazy("staff", "Scheduler")


class RowOutcome(models.TextChoices):
    ADDED = "added", pgettext_lazy("staff", "Added")
    UPDATED = "updated", pgettext_lazy("staff", "Updated")
    UNCHANGED = "unchanged", pgettext_lazy("staff", "Unchanged")
    SKIPPED = "skipped", pgettext_lazy("staff", "Skipped")
    REJECTED = "rejected", pgettext_lazy("staff", "Rejected")


COUNTED = tuple(RowOutcome.values)
FORMAT_LABELS = {"csv": "a CSV file", "vcard": "a vCard file", "ics": "an iCalendar file"}


class ImportRun(models.Model):
    # A random id: import URLs and API ids reveal nothing about how many there were.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="import_runs"
    )
    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    # Which reader reads the stored text ("csv", "vcard", "ics"); see imports.readers.
    format = models.CharField(max_length=10)
    source = models.CharField(max_length=10, choices=ImportSource.choices, default="web")
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(max_length=255)
    # The encoding the upload was read with ("utf-8", "windows-1252", …).
    encoding = models.CharField(max_length=40, blank=True)
    content_encrypted = models.TextField(blank=True)
    headers = models.JSONField(default=list, blank=True)
    # Column index (as a string) -> target; CSV only.
    mapping = models.JSONField(default=dict, blank=True)
    # Reader options (contacts: on_duplicate).
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.MAPPING
    )
    total_rows = models.PositiveIntegerField(default=0)
    # Records [0, rows_done) are settled. A restart resumes here.
    rows_done = models.PositiveIntegerField(default=0)
    added_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    # File-level notes for the report (calendar zone, occurrences per series, …).
    notes = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        return self.file_name

    content = EncryptedText(
        "content_encrypted", binding=lambda run: f"org={run.organization_id}|id={run.id}"
    )

    @property
    def percent(self) -> int:
        return 100 if not self.total_rows else int(100 * self.rows_done / self.total_rows)

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def counts(self) -> dict[str, int]:
        return {outcome: getattr(self, f"{outcome}_count") for outcome in COUNTED}

    @property
    def format_label(self) -> str:
        return FORMAT_LABELS.get(self.format, "a file")

    @property
    def api_status(self) -> str:
        # Waiting for a mapping is "queued" to an API client: it can't map from there.
        return ImportStatus.QUEUED if self.status == ImportStatus.MAPPING else self.status


class ImportRow(models.Model):
    """What became of one row, card, event or occurrence of an import.

    Reasons name the problem and the column, never the value; a rejected CSV
    row's own values are kept encrypted so staff can download, fix and import
    them again.
    """

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rows")
    # Order of the report; also binds the encrypted values to this row.
    position = models.PositiveIntegerField()
    line = models.PositiveIntegerField(
        null=True, blank=True, help_text="The line in the file, the first line being 1."
    )
    uid = models.CharField(max_length=400, blank=True)
    outcome = models.CharField(max_length=10, choices=RowOutcome.choices)
    reasons = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    # The contact or appointment the row became, for a link from the report.
    object_id = models.CharField(max_length=64, blank=True)
    values_encrypted = models.TextField(blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="one_import_row_per_position")
        ]
        indexes = [models.Index(fields=["run", "outcome", "position"])]

    values = EncryptedJSON(
        "values_encrypted", binding=lambda row: f"run={row.run_id}|position={row.position}"
    )

    @property
    def reason(self) -> str:
        return "; ".join([*self.reasons, *self.warnings])


class FeedOutcome(models.TextChoices):
    IMPORTED = "imported", pgettext_lazy("staff", "Changes imported")
    UNCHANGED = "unchanged", pgettext_lazy("staff", "No changes")
    NOT_MODIFIED = "not_modified", pgettext_lazy("staff", "Not modified (304)")
    FAILED = "failed", pgettext_lazy("staff", "Failed")
    REFUSED = "refused", pgettext_lazy("staff", "Not a calendar")


class CalendarFeed(models.Model):
    """A calendar's secret iCal address, polled by the scheduler through the import pipeline.

    The address is a secret (whoever holds it reads the whole calendar), so it
    is stored encrypted and shown masked (`url_hint`). Each poll that brings a
    changed calendar is an ImportRun (source "scheduler"), whose rows are the
    poll's report; the ETag, Last-Modified and hash of the last calendar
    settled are only written when that run is done, so a failed run is polled
    again in full.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    name = models.CharField(max_length=200)
    url_encrypted = models.TextField()
    # "https://calendar.google.com/…/basic.ics": enough to tell feeds apart, not to read one.
    url_hint = models.CharField(max_length=300)
    # The staff member the feed's appointments are assigned to (unless the event's
    # organizer is a staff member); blank: nobody.
    staff_email = models.EmailField(blank=True)
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    # sha256 of the last calendar settled: a server without ETag or Last-Modified
    # that serves the same calendar again costs no import.
    content_hash = models.CharField(max_length=64, blank=True)
    # The event UIDs the last settled calendar had: one missing from the next is gone.
    known_uids = models.JSONField(default=list, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=16, choices=FeedOutcome.choices, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_run = models.ForeignKey(
        ImportRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Since when every poll failed (None while the last one worked); a day of
    # it emails the owners, once (owners_told_at).
    failing_since = models.DateTimeField(null=True, blank=True)
    owners_told_at = models.DateTimeField(null=True, blank=True)
    next_poll_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    url = EncryptedText("url_encrypted", binding=lambda f: f"org={f.organization_id}|id={f.id}")

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["next_poll_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def counts(self) -> dict[str, int]:
        run = self.last_run
        return run.counts if run is not None else {outcome: 0 for outcome in COUNTED}
