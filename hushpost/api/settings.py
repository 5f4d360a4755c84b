"""/settings/secure-messaging: the five R1 settings, checked exactly as the
staff page checks them."""

from __future__ import annotations

from ninja import Router

from hushpost.api.auth import actor_label
from hushpost.api.problems import Invalid
from hushpost.api.schemas import Problem, SecureSettings, ValidationProblem
from hushpost.messaging.models import SecureMessagingSettings
from hushpost.messaging.secure_settings import SettingsInvalid, SettingsValues, save_settings

router = Router(tags=["settings"])


def _out(values: SettingsValues) -> dict:
    return {name: getattr(values, name) for name in SecureSettings.model_fields}


def _invalid(problems: dict[str, list[str]]) -> Invalid:
    # Template problems read "Line 2, column 14: …": the position survives into the 422.
    return Invalid((name, message) for name, messages in problems.items() for message in messages)


@router.get(
    "/settings/secure-messaging",
    response={200: SecureSettings, 401: Problem},
    summary="Get the secure messaging settings",
)
def get_secure_settings(request):
    return _out(SettingsValues.of(SecureMessagingSettings.objects.for_org(request.org)))


@router.put(
    "/settings/secure-messaging",
    response={200: SecureSettings, 401: Problem, 422: ValidationProblem},
    summary="Replace the secure messaging settings",
)
def put_secure_settings(request, payload: SecureSettings):
    """All the settings are saved together or not at all; `translations` left out keeps
    the saved ones."""
    values = payload.model_dump(exclude_unset=True)
    if "translations" not in values:
        saved = SecureMessagingSettings.objects.for_org(request.org)
        values["translations"] = saved.translations
    try:
        save_settings(request.org, None, SettingsValues(**values), actor_label=actor_label(request))
    except SettingsInvalid as error:
        raise _invalid(error.problems) from None
    return _out(SettingsValues.of(SecureMessagingSettings.objects.for_org(request.org)))
