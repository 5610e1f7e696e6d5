"""The national default set with its thresholds checked against the texts (see its notes).

The set in use is not edited: ``reports.defaults.upgrade`` puts a new version in use and
retires the old one, keeping each indicator's lineage so that attestations carry over.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from reports.defaults import NATIONAL, upgrade

    upgrade(
        NATIONAL,
        models={
            "CriteriaSet": apps.get_model("reports", "CriteriaSet"),
            "Criterion": apps.get_model("reports", "Criterion"),
            "Indicator": apps.get_model("reports", "Indicator"),
            "Province": apps.get_model("households", "Province"),
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0004_criteriaset_notes"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
