"""Bad input on every reports page: a clear answer, never a server error, nothing written."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from households.models import Village
from reports.models import Attestation, CriteriaSet, ExportJob, PeriodClose
from tests.reports.factories import small_set

pytestmark = pytest.mark.django_db


def test_bad_parameters_get_clear_answers(commune_official, village) -> None:
    Village.objects.update(valid_from=date(2020, 1, 1))
    criteria_set = small_set(
        ("Địa chỉ số", "measure", "households_digital_address", "percent", 80),
        ("Wi-Fi", "attested", "", "yes", None),
    )
    measured = criteria_set.criteria.get(number=1).indicators.get()
    client = Client()
    client.force_login(commune_official)
    before = (
        CriteriaSet.objects.count(),
        Attestation.objects.count(),
        PeriodClose.objects.count(),
        ExportJob.objects.count(),
    )
    village_url = reverse("reports_village", args=[village.pk])
    commune_url = reverse("reports_commune", args=[village.commune_id])
    requests = [
        ("get", village_url, {"set": "abc"}),
        ("get", village_url, {"set": "999999"}),
        ("get", village_url, {"date": "31/12/2025"}),
        ("get", village_url, {"date": "2999-01-01"}),
        ("get", commune_url, {"sort": "-99999"}),
        ("get", commune_url, {"sort": "'; drop table x"}),
        ("get", commune_url, {"date": "không phải ngày"}),
        ("get", reverse("reports_village_export", args=[village.pk, "docx"]), {}),
        (
            "get",
            reverse("reports_village_export", args=[village.pk, "pdf"]),
            {"date": "1900-01-01"},
        ),
        ("get", reverse("reports_missing", args=[village.pk, "no_such_measure"]), {}),
        ("get", reverse("reports_attest", args=[village.pk, measured.pk]), {}),
        ("post", reverse("reports_period_close", args=[village.commune_id]), {"kind": "decade"}),
        (
            "post",
            reverse("reports_period_close", args=[village.commune_id]),
            {"kind": "month", "day": "2999-01-01", "set": criteria_set.pk},
        ),
        ("post", reverse("reports_commune_export", args=[village.commune_id]), {"fmt": "xlsx"}),
        ("post", reverse("reports_set_create"), {"name": "x"}),
        ("get", reverse("reports_api_village", args=[village.pk]), {"date": "hôm nay"}),
        ("get", reverse("reports_api_commune", args=[village.commune_id]), {"set": "x"}),
    ]
    for method, url, data in requests:
        response = getattr(client, method)(url, data)
        assert response.status_code < 500, (url, data, response.status_code)
        if "date" in data and method == "get" and response.status_code == 400:
            body = response.content.decode()
            assert "ngày" in body.lower() or "Ngày" in body, (url, data)
    assert before == (
        CriteriaSet.objects.count(),
        Attestation.objects.count(),
        PeriodClose.objects.count(),
        ExportJob.objects.count(),
    )
