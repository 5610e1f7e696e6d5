"""A trigram index for the staff search on PostgreSQL.

The search matches words anywhere in ``search_document`` (LIKE '% word%'); a GIN trigram
index answers that without scanning the table. SQLite, the embedded default, has no such
index type and scans, which is fine at a village's size.
"""

from django.db import migrations

INDEX = "households_household_search_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON households_household "
        "USING gin (search_document gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("households", "0002_registry_jobs_and_access_log")]

    operations = [migrations.RunPython(create, drop)]
