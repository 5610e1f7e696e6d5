# API tokens live in accounts.ApiToken (KNOX_TOKEN_MODEL). django-rest-knox's own migrations
# create its default table all the same; unused, it would still hold a foreign key to the
# users table (and so stop PostgreSQL from truncating that table when tests flush it).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_api_tokens"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS knox_authtoken", migrations.RunSQL.noop),
    ]
