from django.db import migrations, models

REASON = "Danh mục nhạy cảm: chỉ công khai khi cán bộ cho đăng."


def security_is_sensitive(apps, schema_editor):
    """The default security category becomes sensitive; its reports that no staff member has
    ever moderated were public only by the old default, and become private."""
    Category = apps.get_model("feedback", "Category")
    Report = apps.get_model("feedback", "Report")
    Event = apps.get_model("feedback", "Event")
    Category.objects.filter(code="security").update(sensitive=True)
    moderated = Event.objects.filter(kind="moderation").values("report_id")
    Report.objects.filter(category__sensitive=True, hidden=False).exclude(
        pk__in=moderated
    ).update(hidden=True, hidden_reason=REASON)


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="category",
            name="sensitive",
            field=models.BooleanField(
                default=False,
                help_text="Reports stay private until a staff member publishes them.",
                verbose_name="sensitive",
            ),
        ),
        migrations.RunPython(security_is_sensitive, migrations.RunPython.noop),
    ]
