"""Staff password reset, with links built from the public URL."""

from django.conf import settings
from django.contrib.auth import views as auth_views


class StaffPasswordResetView(auth_views.PasswordResetView):
    # Our own name: django.contrib.auth's password_reset_subject.txt would win the template lookup.
    subject_template_name = "registration/reset_subject.txt"

    def form_valid(self, form):
        # Links in emails use the public URL, never the Host header a request claims.
        self.extra_email_context = {"base_url": settings.BASE_URL}
        return super().form_valid(form)
