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


#: the longest text any writable text field of the API takes (a model's TextField has no
#: limit of its own; without one, a body of megabytes would be stored whole)
TEXT_MAX_LENGTH = 20_000


class DateTimeField(serializers.DateTimeField):
    """DRF's, except that a naive time at the edge of the calendar (0001-01-01T00:00:00,
    9999-12-31T23:59:59) that the time zone moves out of range is refused as invalid
    instead of failing with OverflowError."""

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except (OverflowError, ValueError):
            self.fail("invalid", format="YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]")
