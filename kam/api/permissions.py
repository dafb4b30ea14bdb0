from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from kam.choices import Role


class RoleWritePermission(BasePermission):
    """Executives read everything and change nothing; anyone else may try a
    write, which the visibility rule then decides object by object."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return True
        if getattr(request.auth, "read_only", False):
            self.message = _("This API token is read-only.")
            return False
        return user.role != Role.EXECUTIVE


class AdminWritePermission(RoleWritePermission):
    """Configuration resources: everyone reads what they may see, admins write."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        return request.method in SAFE_METHODS or request.user.role == Role.ADMIN
