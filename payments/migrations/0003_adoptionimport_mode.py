from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0002_adoptionimport_background"),
    ]

    operations = [
        migrations.AddField(
            model_name="adoptionimport",
            name="mode",
            field=models.CharField(
                choices=[("all", "All rows or none"), ("valid", "Only the valid rows")],
                default="all",
                max_length=8,
                verbose_name="mode",
            ),
        ),
        migrations.AddField(
            model_name="adoptionimport",
            name="rows_written",
            field=models.PositiveIntegerField(default=0, verbose_name="rows written"),
        ),
        migrations.AddField(
            model_name="adoptionimport",
            name="total_rows",
            field=models.PositiveIntegerField(default=0, verbose_name="rows"),
        ),
    ]
