"""Drop the trigram index on ``search_document`` (PostgreSQL).

Every search of the registry is scoped to one village (``households.selectors``), where the
village index leaves a few hundred to a few thousand rows to filter. With the trigram index
present the planner sometimes combined the two (a BitmapAnd), reading the posting lists of
common trigrams such as " an" or "van" for the whole province first: 96 ms for
"nguyen van an" with one million households, against under 10 ms through the village index
alone. The index also slowed every write of a household.
"""

from django.db import migrations

INDEX = "households_household_search_trgm"


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON households_household "
        "USING gin (search_document gin_trgm_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [("households", "0006_lane_sketch_public")]

    operations = [migrations.RunPython(drop, create)]
