"""Everything under /s/. The conversation URLs come first: they carry no token."""

from django.urls import path

from hushpost.portal import confirm_views, views

app_name = "portal"

urlpatterns = [
    path("conversation/", views.conversation, name="conversation"),
    path("conversation/reply", views.reply, name="reply"),
    path("conversation/attachments/<uuid:attachment_id>/", views.attachment, name="attachment"),
    path("conversation/sign-out", views.sign_out, name="sign_out"),
    path("conversation/answer", confirm_views.conversation_answer, name="conversation_answer"),
    # An appointment's confirmation link (appointments/confirm_links.py).
    path("confirm/<str:token>", confirm_views.confirm, name="confirm"),
    path("signed-out/", views.signed_out, name="signed_out"),
    path("language", views.choose_language, name="language"),
    path("<str:token>", views.open_link, name="link"),
    path("<str:token>/new-link", views.new_link, name="new_link"),
    # The rest of /s/ gets the same not-valid page and headers as a bad token.
    path("", views.nothing_here),
    path("<path:rest>", views.nothing_here),
]
