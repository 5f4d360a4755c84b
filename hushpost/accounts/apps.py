from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "hushpost.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from hushpost.accounts.cache_table import create_cache_table

        post_migrate.connect(
            create_cache_table, sender=self, dispatch_uid="hushpost.accounts.cache_table"
        )
