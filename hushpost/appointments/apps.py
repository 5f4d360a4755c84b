from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "hushpost.appointments"
    label = "appointments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers auto message templates with Field settings' in-use check.
        from hushpost.appointments import auto_messages  # noqa: F401
        from hushpost.appointments.import_readers import AppointmentCsvReader, CalendarFileReader
        from hushpost.imports.readers import register_reader

        # Appointments are imported through the one import pipeline, which knows no app.
        register_reader(CalendarFileReader())
        register_reader(AppointmentCsvReader())

        from hushpost.appointments.text_answers import read_text
        from hushpost.messaging.inbound import register_text_reader

        # "C" or "N" answers a reminder before messaging files it as a reply.
        register_text_reader(read_text)

        # A send to appointments is fanned out by messaging, which knows no appointments.
        from hushpost.appointments.audience import register

        register()
