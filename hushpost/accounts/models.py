from __future__ import annotations

import zoneinfo
from typing import Any, ClassVar, cast

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext, pgettext_lazy
from phonenumbers import SUPPORTED_REGIONS

from hushpost.languages import STAFF_LANGUAGES


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not a known time zone; "
            "use a name such as Europe/London or America/New_York.",
            params={"value": value},
        )


def validate_country(value: str) -> None:
    if value not in SUPPORTED_REGIONS:
        raise ValidationError(
            "%(value)s is not a two-letter country code such as US, GB or DE.",
            params={"value": value},
        )


class OrgScopedQuerySet(models.QuerySet):
    """Rows of one tenant. Every staff and API lookup goes through `for_org`, so
    another organization's id is simply not found (404, never 403)."""

    def for_org(self, organization):
        return self.filter(organization=organization)


class Organization(models.Model):
    name = models.CharField(max_length=200)
    company_name = models.CharField(
        max_length=200, help_text="How messages name you, as in “Dr Lee at Riverside Clinic”."
    )
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    country = models.CharField(
        max_length=2,
        default="US",
        validators=[validate_country],
        help_text="Phone numbers typed without a country code are read as this country's.",
    )
    # The Twilio number texts to this organization arrive at (E.164). Blank: the
    # environment's TWILIO_FROM_NUMBER, which belongs to the demo organization.
    sms_number = models.CharField(
        "Text number",
        max_length=20,
        blank=True,
        help_text=(
            "Your own Twilio number, as +14155550123. Texts sent to it reach this organization."
        ),
    )
    sms_help_text = models.CharField(
        "Text HELP answer",
        max_length=320,
        blank=True,
        help_text=(
            "What a contact who texts HELP gets back. Blank: "
            "“<company name>: reply STOP to stop texts, START to start again. Call us for help.”"
        ),
    )
    # R12: how a stuck contact reaches a person, shown on every page the contact sees.
    help_phone = models.CharField(
        "Contact line phone",
        max_length=40,
        blank=True,
        help_text="The number contacts can call for help, shown on every secure page.",
    )
    help_hours = models.CharField(
        "Contact line hours",
        max_length=120,
        blank=True,
        help_text="When someone answers it, as “Monday to Friday, 8 am to 6 pm”.",
    )
    # A Liquid template over the contact's fields; never the PIN itself
    # (messaging/pin_hints.py refuses one that could contain it).
    pin_hint = models.CharField(
        "PIN hint",
        max_length=300,
        blank=True,
        help_text=(
            "Shown above the PIN box, as “The last four digits of your phone number” or "
            "“Your date of birth as DDMMYYYY”. It may use the contact's fields, "
            "never the PIN or the field the PIN comes from."
        ),
    )
    # Staff without two-factor are sent to set it up right after their password.
    require_two_factor = models.BooleanField(
        "Require two-factor sign-in",
        default=False,
        help_text="Everyone in the organization needs an authenticator app code to sign in.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sms_number"],
                condition=~models.Q(sms_number=""),
                name="organization_sms_number_unique",
                violation_error_message="Another organization already uses this text number.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def sms_help(self) -> str:
        return self.sms_help_in(settings.LANGUAGE_CODE)

    def sms_help_in(self, language: str) -> str:
        """The answer to a HELP text: the organization's own as written, or ours naming
        the company in `language`. STOP and START stay in English: they are the
        carrier's keywords."""
        if self.sms_help_text.strip():
            return self.sms_help_text.strip()
        with translation.override(language):
            return gettext(
                "%(company)s: reply STOP to stop texts, START to start again. Call us for help."
            ) % {"company": self.company_name or self.name}


class Role(models.TextChoices):
    OWNER = "owner", pgettext_lazy("staff", "Owner")
    ADMIN = "admin", pgettext_lazy("staff", "Admin")
    MEMBER = "member", pgettext_lazy("staff", "Member")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("A staff user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_superuser", True)
        fields.setdefault("is_staff", True)
        return self.create_user(email, password, **fields)

    def for_org(self, organization: Organization) -> models.QuerySet[User]:
        return self.filter(organization=organization)


class User(AbstractBaseUser, PermissionsMixin):
    """A staff member of one organization. Signs in with email and password."""

    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="users", null=True, blank=True
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Operator access to Django admin tools."
    )
    date_joined = models.DateTimeField(default=timezone.now)
    # Raised by "sign out everywhere": every session signed with the old value ends.
    session_generation = models.PositiveIntegerField(default=0)
    # Blank: the organization's zone. Staff pages show every time in this zone.
    time_zone = models.CharField(
        "Your time zone",
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text="Times on every page are shown in it. Leave empty to use the organization's.",
    )
    # The staff app's language for this person (web/middleware.py).
    language = models.CharField(
        "Language", max_length=10, choices=STAFF_LANGUAGES, default=settings.LANGUAGE_CODE
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects = UserManager()

    class Meta:
        ordering = ["first_name", "last_name", "email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def _get_session_auth_hash(self, secret=None):
        # Django binds a session to the password hash, so a new password ends
        # every other session; the generation adds "sign out everywhere"
        # without one. Generation 0 keeps Django's own hash, so sessions made
        # before this field existed stay valid.
        if not self.session_generation:
            # Django's own hash; django-stubs leave this private hook out.
            return cast(Any, super())._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "hushpost.accounts.User.session_auth_hash",
            f"{self.password}|{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def name_and_company(self) -> str:
        """How notifications introduce the sender: "Ann Lee at Riverside Clinic"."""
        name = self.full_name or self.email
        company = self.organization.company_name if self.organization else ""
        return f"{name} at {company}" if company else name

    @property
    def display_name(self) -> str:
        """How pages name a staff member: "Dana Demo", or the email when no name is set."""
        return self.full_name or self.email

    @property
    def effective_time_zone(self) -> str:
        if self.time_zone:
            return self.time_zone
        return self.organization.time_zone if self.organization else "UTC"

    @property
    def is_org_admin(self) -> bool:
        return self.role in (Role.OWNER, Role.ADMIN)

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    def template_context(self) -> dict[str, str]:
        """The `user.*` fields that message templates may use."""
        return {
            "name_and_company": self.name_and_company,
            "name": self.full_name or self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "company": self.organization.company_name if self.organization else "",
        }


USER_TEMPLATE_FIELDS = ("name_and_company", "name", "first_name", "last_name", "email", "company")


class ApiKeyQuerySet(OrgScopedQuerySet):
    def active(self) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """An organization's key for the REST API. Only a SHA-256 of the key is kept."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    # The first characters of the key, shown so staff can tell keys apart.
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        "User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
