from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "hushpost.contacts"
    label = "contacts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Contacts are imported through the one import pipeline, which knows no app.
        from hushpost.contacts.import_readers import ContactCsvReader, VCardReader
        from hushpost.imports.readers import register_reader

        register_reader(VCardReader())
        register_reader(ContactCsvReader())
