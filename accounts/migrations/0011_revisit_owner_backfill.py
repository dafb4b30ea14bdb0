"""A planned revisit always has its owner (Visit.revisit_owner_for: the account's owner):
the revisits planned without one get their account's owner, as the reminder sweep and
the supervisor's digest counted them (one reading the account's owner, the other the
visit's logger)."""

from django.db import migrations, models

BACKFILL = """
UPDATE accounts_visit v SET next_visit_owner_id = a.owner_id
FROM accounts_account a
WHERE a.id = v.account_id AND v.next_visit_on IS NOT NULL AND v.next_visit_owner_id IS NULL
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0010_search_grams_column")]

    operations = [
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name="visit",
            constraint=models.CheckConstraint(
                condition=models.Q(next_visit_on__isnull=True)
                | models.Q(next_visit_owner__isnull=False),
                name="visit_revisit_has_owner",
            ),
        ),
    ]
