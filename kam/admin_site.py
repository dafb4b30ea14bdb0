from django.contrib.admin import AdminSite
from django.utils.translation import gettext_lazy as _


class KamAdminSite(AdminSite):
    """The configuration back office: open to the admin (sales operations) role only."""

    site_header = _("KAM administration")
    site_title = _("KAM administration")
    index_title = _("Configuration")

    def has_permission(self, request):
        from kam.capabilities import may

        return may(request.user, "users.manage")
