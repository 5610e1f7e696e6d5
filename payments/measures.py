"""The adoption figures as indicators for the reports app (see ``reports.registry``)."""

from datetime import date
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from payments.figures import SPECS, FigureSpec, resident_counts_together
from reports.registry import Figure, Measure, batching, register, shared


def _compute(spec: FigureSpec) -> Any:
    def compute(villages: QuerySet, as_of: date) -> dict[Any, Figure]:
        if spec.subject == "resident" and batching() and connection.vendor == "postgresql":
            # Within a report, the resident figures share one pass over the residents.
            ids = villages.values("pk")
            sql, params = ids.query.get_compiler(using=ids.db).as_sql()
            counts = shared(
                ("payments.resident_figures", as_of, sql, tuple(map(str, params))),
                lambda: resident_counts_together(SPECS, as_of, villages=ids),
            )[spec.code]
        else:
            counts = spec.counts(as_of, villages=villages.values("pk"))
        return {pk: Figure(numerator=yes, denominator=total) for pk, (yes, total) in counts.items()}

    return compute


def _definition(spec: FigureSpec) -> Any:
    return format_lazy(
        _("{item} over {population}, from the latest record on or before the date."),
        item=spec.label,
        population=spec.denominator_label,
    )


for _spec in SPECS:
    register(
        Measure(
            code=_spec.code,
            label=_spec.label,
            definition=_definition(_spec),
            unit=Measure.PERCENT,
            compute=_compute(_spec),
            records=_spec.records,
            missing=_spec.missing,
            app="payments",
        )
    )
