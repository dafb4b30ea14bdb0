from django.contrib.auth.backends import ModelBackend

from kam.capabilities import may


class RoleBackend(ModelBackend):
    """Role permissions on top of Django's: admins (sales operations) hold every
    model permission, executives every ``view_`` permission. Which rows a user
    may touch is still decided by kam.scoping, never here."""

    def has_perm(self, user_obj, perm, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous:
            return False
        if may(user_obj, "users.manage"):
            return True
        if may(user_obj, "records.view_all") and perm.partition(".")[2].startswith("view_"):
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        if may(user_obj, "users.manage"):
            return True
        return super().has_module_perms(user_obj, app_label)
