"""The bigram function's cost, so PostgreSQL asks the index (kam.textsearch.GRAMS_COST_SQL)."""

from django.db import migrations

import kam.textsearch


class Migration(migrations.Migration):
    dependencies = [("accounts", "0008_search")]

    operations = [migrations.RunSQL(kam.textsearch.GRAMS_COST_SQL, migrations.RunSQL.noop)]
