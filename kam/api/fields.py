from rest_framework import serializers

from kam.scoping import VIEW


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key whose choices are what the requesting user may see.

    An id outside the user's view answers "does not exist", the same as a
    missing one, so nobody can probe for other people's records.
    """

    def __init__(self, *args, action=VIEW, **kwargs):
        self.action = action
        super().__init__(*args, **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return super().get_queryset().all().visible_to(user, self.action)
