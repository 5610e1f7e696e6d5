"""The field rules of ``households/visibility.py`` govern every place that shows or searches a
person: report record lists, the registry's search (page and API), adoption import checks and
feedback reporters. One table of surfaces, each tried as every staff role; what each role may
see is asked of ``visibility``, so a change of the rules is a change in one place.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from households import services as registry
from households import visibility
from households.models import Resident
from reports.registry import MEASURES

pytestmark = pytest.mark.django_db

NAME = "Nguyễn Văn An"  # a resident of house 5A in the personas' village (tests/conftest.py)
ROLES = {
    "village_head": Role.VILLAGE_HEAD,
    "officer": Role.VILLAGE_OFFICER,
    "digital_team": Role.DIGITAL_TEAM,
    "security_officer": Role.SECURITY_OFFICER,
    "commune_official": Role.COMMUNE_OFFICIAL,
}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _resident_measure(village: Any) -> str:
    """A measure whose list of records not counted yet holds the resident named NAME."""
    from django.utils import timezone

    for code, measure in sorted(MEASURES.items()):
        if measure.missing is None:
            continue
        records = list(measure.missing(village, timezone.localdate()))
        if any(isinstance(r, Resident) and r.full_name == NAME for r in records):
            return code
    raise AssertionError("no installed measure lists residents")


def _record_list(user: Any, world: Any) -> str:
    code = _resident_measure(world.village)
    url = reverse("reports_missing", args=[world.village.pk, code])
    response = _client(user).get(url)
    assert response.status_code == 200
    return response.content.decode()


def _registry_search(user: Any, world: Any) -> str:
    registry.households_reindex([world.household.pk])
    response = _client(user).get(reverse("household_list"), {"q": "nguyen van an"})
    assert response.status_code == 200
    return response.content.decode()


def _api_search(user: Any, world: Any) -> str:
    registry.households_reindex([world.household.pk])
    response = _client(user).get(
        "/api/v1/households/", {"village": str(world.village.pk), "q": "nguyen van an"}
    )
    assert response.status_code == 200
    return " ".join(f"household-{row['id']}" for row in response.json()["results"])


def _registry_export(user: Any, world: Any) -> str:
    registry.households_reindex([world.household.pk])
    response = _client(user).get(
        reverse("household_export"), {"format": "csv", "q": "nguyen van an"}
    )
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig")


@dataclass(frozen=True)
class Surface:
    read: Callable[[Any, Any], str]
    # what the page shows when the person may be seen (and only then)
    marker: Callable[[Any], str]
    # the rule: may a holder of this role see it?
    allowed: Callable[[frozenset[str]], bool]


def _names(roles: frozenset[str]) -> bool:
    return "full_name" in visibility.resident_fields(roles)


def _searchable(roles: frozenset[str]) -> bool:
    return visibility.can_search_names(roles)


SURFACES = {
    "report record list": Surface(_record_list, lambda world: NAME, _names),
    # a search by name finds the household only for roles that see names
    "registry search": Surface(
        _registry_search,
        lambda world: 'href="{}"'.format(reverse("household_detail", args=[world.household.pk])),
        _searchable,
    ),
    "API search": Surface(
        _api_search, lambda world: f"household-{world.household.pk}", _searchable
    ),
    # an export filtered by a name holds the household only for roles that see names
    "registry export": Surface(_registry_export, lambda world: "5A", _searchable),
}


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("surface", list(SURFACES))
def test_every_surface_shows_a_person_only_to_roles_that_see_them(
    request, world, role, surface
) -> None:
    user = request.getfixturevalue(role)
    rule = SURFACES[surface]
    page = rule.read(user, world)
    shown = rule.marker(world) in page
    assert shown == rule.allowed(frozenset({ROLES[role]})), (surface, role)


def test_a_commune_official_sees_the_household_not_the_name_in_a_record_list(
    world, commune_official
) -> None:
    page = _record_list(commune_official, world)
    assert NAME not in page
    assert "Một nhân khẩu của hộ 5A, Ngõ Văn hóa" in page
    assert reverse("household_detail", args=[world.household.pk]) in page


@pytest.mark.parametrize("role", list(ROLES))
def test_a_reporters_identity_is_shown_only_to_the_roles_that_answer_them(
    request, world, role
) -> None:
    from feedback import services
    from feedback.models import Category

    services.categories_ensure_defaults(village=world.village)
    report = services.report_submit(
        village=world.village,
        submission=services.Submission(
            category=Category.objects.filter(village=world.village).first(),
            description="Đèn đường hỏng",
            answers={},
            lane=None,
            latitude=None,
            longitude=None,
            reporter_name="Lê Văn Nam",
            reporter_phone="0912345678",
            reporter_email="nam@example.com",
        ),
        photos=[],
    )
    user = request.getfixturevalue(role)
    response = _client(user).get(reverse("feedback_detail", args=[report.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    allowed = visibility.can_see_reporter({ROLES[role]})
    for private in ("Lê Văn Nam", "0912345678", "nam@example.com"):
        assert (private in page) == allowed, (role, private)


def _adoption_list(national_id: str) -> io.BytesIO:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Số CCCD", "VNeID"])
    sheet.append([national_id, "Mức 2"])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "danh-sach.xlsx"
    return out


@pytest.mark.parametrize("role", ["village_head", "officer", "digital_team"])
def test_the_adoption_import_looks_people_up_by_id_only_for_roles_that_see_ids(
    request, world, role
) -> None:
    from payments.models import AdoptionImport

    head = world.household.residents.get(full_name=NAME)
    Resident.objects.filter(pk=head.pk).update(national_id="001234567890")
    user = request.getfixturevalue(role)
    client = _client(user)
    for number in ("001234567890", "009999999999"):
        response = client.post(
            reverse("payments_import"),
            {"file": _adoption_list(number), "observed_on": "2026-01-05", "mode": "all"},
            follow=True,
        )
        assert response.status_code == 200
        page = response.content.decode()
        job = AdoptionImport.objects.latest("pk")
        if "national_id" in visibility.resident_fields({ROLES[role]}):
            assert job.status in ("checked", "failed")
        else:
            assert job.status == "failed" and not job.rows
            assert "không được xem số CCCD" in page
            assert NAME not in page and "009999999999" not in page
