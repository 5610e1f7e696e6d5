from django.db import migrations


def forwards(apps, schema_editor):  # noqa: ANN001, ANN201
    from reports.defaults import DEFAULT_SETS, install

    models = {
        "CriteriaSet": apps.get_model("reports", "CriteriaSet"),
        "Criterion": apps.get_model("reports", "Criterion"),
        "Indicator": apps.get_model("reports", "Indicator"),
        "Province": apps.get_model("households", "Province"),
    }
    for spec in DEFAULT_SETS:
        install(spec, models=models)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("households", "0004_resident_cccd_prefix_index"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
