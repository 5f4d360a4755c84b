"""Field settings: the organization's custom fields, used in templates as {{ custom.key }}."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from hushpost.contacts.models import CustomField
from hushpost.messaging.field_settings import (
    FieldInUse,
    FieldRefused,
    contacts_with_values,
    create_field,
    delete_field,
    template_uses,
    update_field,
    uses_by_key,
)
from hushpost.web.decorators import admin_required, staff_required
from hushpost.web.settings_forms import CustomFieldForm


@staff_required
def field_list(request):
    fields = CustomField.objects.for_org(request.org)
    uses = uses_by_key(request.org)
    rows = [(field, uses.get(field.key, [])) for field in fields]
    context = {
        "nav": "fields",
        "fields": fields,
        "rows": rows,
        "can_change": request.user.is_org_admin,
    }
    return render(request, "web/fields/list.html", context)


@admin_required
def field_edit(request, field_id=None):
    field = (
        get_object_or_404(CustomField.objects.for_org(request.org), pk=field_id)
        if field_id
        else None
    )
    form = CustomFieldForm(request.POST or None, instance=field, organization=request.org)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if field is None:
                create_field(
                    request.org,
                    actor=request.user,
                    key=data["key"],
                    label=data["label"],
                    field_type=data["field_type"],
                    sensitive=data["sensitive"],
                )
            else:
                update_field(
                    field,
                    actor=request.user,
                    label=data["label"],
                    field_type=data["field_type"],
                    sensitive=data["sensitive"],
                )
        except FieldRefused as error:  # lost a race with another change since the form was checked
            form.add_error(error.field, error.message)
        else:
            done = _("Field %(label)s saved.") if field else _("Field %(label)s added.")
            messages.success(request, done % {"label": data["label"]})
            return redirect("web:field_list")
    return render(request, "web/fields/form.html", {"nav": "fields", "form": form, "field": field})


@admin_required
def field_delete(request, field_id):
    field = get_object_or_404(CustomField.objects.for_org(request.org), pk=field_id)
    used_in = template_uses(request.org, field.key)
    refusal = str(FieldInUse(field.key, used_in)) if used_in else ""
    if request.method == "POST" and not refusal:
        try:
            delete_field(field, actor=request.user)
        except FieldInUse as error:
            refusal = str(error)
        else:
            messages.success(request, _("Field %(label)s deleted.") % {"label": field.label})
            return redirect("web:field_list")
    context = {
        "nav": "fields",
        "field": field,
        "refusal": refusal,
        "values_count": contacts_with_values(field),
    }
    return render(
        request, "web/fields/delete.html", context, status=409 if request.method == "POST" else 200
    )
