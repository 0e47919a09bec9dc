"""App configuration for the domain app."""

from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = "Third-country arrangements"
    default_auto_field = "django.db.models.BigAutoField"
