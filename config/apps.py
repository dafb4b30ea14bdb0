from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The site's own commands (``seed_demo``); it holds no models."""

    name = "config"
    label = "site"
    verbose_name = "Site"
