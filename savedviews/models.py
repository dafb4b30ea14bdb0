"""A list's filters and sort saved under a name: one person's, or shared with a team."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kam.scoping import ScopedQuerySet
from savedviews.lists import ListKey


class SavedViewQuerySet(ScopedQuerySet):
    scope = "saved_view"

    def for_list(self, key):
        return self.filter(list=key)


class SavedView(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_views",
    )
    list = models.CharField(_("list"), max_length=30, choices=ListKey.choices)
    name = models.CharField(_("name"), max_length=80)
    #: the list's query string (filters and sort), without the page number or empty fields
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    pinned = models.BooleanField(_("pinned to the list's tabs"), default=False)
    team = models.ForeignKey(
        "kam.Team",
        verbose_name=_("shared with team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="saved_views",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = SavedViewQuerySet.as_manager()

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["list", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "list", "name"], name="saved_view_unique_name_per_list"
            )
        ]
        indexes = [models.Index(fields=["team", "list"], name="saved_view_team_list")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        url = reverse(ListKey.url_name(self.list))
        return f"{url}?{self.query}" if self.query else url
