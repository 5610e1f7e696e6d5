from datetime import date

from reports.models import CriteriaSet, Criterion, Indicator


def small_set(*items: tuple, name: str = "Bộ thử nghiệm", status: str = "in_use") -> CriteriaSet:
    """A set with one criterion per item: (name, source, code, kind, value)."""
    criteria_set = CriteriaSet.objects.create(
        name=name,
        legal_basis_number="01/QĐ-UBND",
        legal_basis_date=date(2025, 1, 1),
        effective_from=date(2025, 1, 1),
        status=status,
    )
    for number, (label, source, code, kind, value) in enumerate(items, start=1):
        criterion = Criterion.objects.create(criteria_set=criteria_set, number=number, title=label)
        Indicator.objects.create(
            criterion=criterion,
            name=label,
            source=source,
            measure_code=code,
            threshold_kind=kind,
            threshold_value=value,
        )
    return criteria_set
