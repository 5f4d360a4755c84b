from django.urls import path

from hushpost.web.views import (
    activity,
    api_keys,
    compose,
    contacts,
    fields,
    imports,
    inbox,
    organization,
    outbox,
    secure_settings,
    shell,
    users,
)

app_name = "web"

urlpatterns = [
    path("", shell.home, name="home"),
    path("inbox/", inbox.inbox, name="inbox"),
    # messaging.conversations links staff here from reply notifications, by this name and the contact's id.
    path("inbox/<uuid:contact_id>/", inbox.conversation, name="conversation"),
    path("inbox/attachments/<uuid:attachment_id>/", inbox.attachment, name="attachment"),
    path("appointments/", shell.appointments, name="appointments"),
    path("compose/", compose.compose, name="compose"),
    path("compose/preview/", compose.compose_preview_view, name="compose_preview"),
    path("sends/<uuid:send_id>/", compose.send_detail, name="send_detail"),
    path("contacts/", contacts.contact_list, name="contact_list"),
    path("contacts/new/", contacts.contact_edit, name="contact_new"),
    path("contacts/<uuid:contact_id>/", contacts.contact_detail, name="contact_detail"),
    path("contacts/<uuid:contact_id>/edit/", contacts.contact_edit, name="contact_edit"),
    path("contacts/<uuid:contact_id>/delete/", contacts.contact_delete, name="contact_delete"),
    path("contacts/import/", imports.import_new, name="import_new"),
    path("contacts/import/<int:import_id>/", imports.import_detail, name="import_detail"),
    path("contacts/import/<int:import_id>/mapping/", imports.import_mapping, name="import_mapping"),
    path("contacts/import/<int:import_id>/rejected.csv", imports.import_rejected_csv, name="import_rejected_csv"),
    path("settings/secure-messaging/", secure_settings.secure_settings, name="secure_settings"),
    path("settings/secure-messaging/preview/", secure_settings.secure_settings_preview, name="secure_settings_preview"),
    path("settings/fields/", fields.field_list, name="field_list"),
    path("settings/fields/new/", fields.field_edit, name="field_new"),
    path("settings/fields/<int:field_id>/edit/", fields.field_edit, name="field_edit"),
    path("settings/fields/<int:field_id>/delete/", fields.field_delete, name="field_delete"),
    path("activity/", activity.activity_log, name="activity"),
    path("activity/export.csv", activity.activity_export, name="activity_export"),
    path("users/", users.user_list, name="user_list"),
    path("users/new/", users.user_edit, name="user_new"),
    path("users/<int:user_id>/edit/", users.user_edit, name="user_edit"),
    path("settings/organization/", organization.organization_settings, name="organization"),
    path("settings/api-keys/", api_keys.api_key_list, name="api_keys"),
    path("settings/api-keys/<int:key_id>/revoke/", api_keys.api_key_revoke, name="api_key_revoke"),
    path("outbox/", outbox.outbox_list, name="outbox"),
]
