"""The processing register: complete by construction, written as XLSX and PDF, and shown to
the commune that controls the data."""

import io
from pathlib import Path

import pypdfium2
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from accounts.roles import Role
from households.visibility import RESIDENT_FIELDS_BY_ROLE
from privacy import completeness, documents
from privacy.registry import (
    OPENED_RECORD,
    OWN_RECORD,
    DataClass,
    LegalBasis,
    NotPersonal,
    PersonalField,
    Purpose,
    audience_label,
    personal_fields,
)

pytestmark = pytest.mark.django_db


def _entry(model: str, field: str) -> PersonalField:
    return next(e for e in personal_fields() if e.model == model and field in e.fields)


# --- completeness -------------------------------------------------------------------------


def test_every_field_the_rule_asks_about_is_classified() -> None:
    missing = completeness.unclassified()
    assert not missing, "Unclassified fields:\n" + "\n".join(str(m) for m in missing)


def test_no_declaration_names_a_field_that_does_not_exist() -> None:
    assert completeness.stale() == []


class _Pet(models.Model):
    """A model added without a declaration: a person's field the rule must catch."""

    owner = models.ForeignKey("households.Resident", on_delete=models.CASCADE)
    nickname = models.CharField(max_length=20)
    kind = models.CharField(max_length=10, choices=[("dog", "dog")])
    vaccinated = models.BooleanField(default=False)

    class Meta:
        app_label = "privacy_test_models"
        managed = False

    def __str__(self) -> str:
        return str(self.pk)


class _Kiosk(models.Model):
    """Not about a person, but a field named like personal data must still be classified."""

    contact_phone = models.CharField(max_length=20)
    opening_hours = models.CharField(max_length=20)

    class Meta:
        app_label = "privacy_test_models"
        managed = False

    def __str__(self) -> str:
        return str(self.pk)


def test_a_new_personal_field_without_a_declaration_fails_with_what_to_add() -> None:
    missing = completeness.unclassified([_Pet, _Kiosk])
    assert [(m.model, m.field) for m in missing] == [
        ("privacy_test_models._Pet", "nickname"),
        ("privacy_test_models._Kiosk", "contact_phone"),
    ]
    message = str(missing[0])
    assert "privacy_test_models/privacy.py" in message
    assert 'PersonalField("privacy_test_models._Pet", ("nickname",)' in message
    assert 'NotPersonal("privacy_test_models._Pet", ("nickname",), reason=' in message


def test_a_declaration_either_way_satisfies_the_rule() -> None:
    declared = [
        PersonalField(
            model="privacy_test_models._Pet",
            fields=("nickname",),
            label="x",
            data_class=DataClass.BASIC,
            purpose=Purpose.REGISTRY,
            legal_basis=LegalBasis.CONSENT,
            retention="x",
            seen_by=set,
        )
    ]
    excused = [
        NotPersonal("privacy_test_models._Kiosk", ("contact_phone",), reason="a shop's phone")
    ]
    assert completeness.unclassified([_Pet, _Kiosk], personal=declared, not_personal=excused) == []


@pytest.mark.parametrize(
    "name", ["phone", "email", "full_name", "address", "id_number", "photo", "location", "ip"]
)
def test_the_rule_asks_about_personal_names_on_any_model(name: str) -> None:
    field = models.CharField(max_length=10, choices=[("a", "a")])
    field.set_attributes_from_name(name)
    assert completeness.must_classify(_Kiosk, field)


def test_history_tables_inherit_their_models_classification() -> None:
    from django.apps import apps

    from households.models import Resident

    event = apps.get_model("households", "ResidentEvent")
    assert completeness.tracked_model(event) is Resident
    assert completeness.unclassified([event]) == []
    bare = completeness.unclassified([event], personal=[], not_personal=[])
    assert ("households.ResidentEvent", "national_id") in [(m.model, m.field) for m in bare]


# --- declarations read the access rules, not a copy ----------------------------------------


def test_resident_national_id_is_seen_by_the_roles_visibility_gives_it() -> None:
    entry = _entry("households.Resident", "national_id")
    roles = {r for r, fields in RESIDENT_FIELDS_BY_ROLE.items() if "national_id" in fields}
    assert roles == {Role.VILLAGE_HEAD, Role.VILLAGE_OFFICER}
    assert set(entry.audience()) == roles | {OPENED_RECORD, OWN_RECORD, "superuser"}
    assert entry.data_class == DataClass.BASIC


def test_a_change_in_visibility_changes_the_register(monkeypatch: pytest.MonkeyPatch) -> None:
    changed = dict(RESIDENT_FIELDS_BY_ROLE)
    changed[Role.DIGITAL_TEAM] = changed[Role.DIGITAL_TEAM] | {"phone"}
    monkeypatch.setattr("households.privacy.RESIDENT_FIELDS_BY_ROLE", changed)
    assert Role.DIGITAL_TEAM in _entry("households.Resident", "phone").audience()


def test_location_from_the_phone_and_bank_accounts_are_sensitive() -> None:
    assert _entry("feedback.Report", "latitude").data_class == DataClass.SENSITIVE
    assert _entry("payments.PaymentCode", "account_number").data_class == DataClass.SENSITIVE


# --- documents ------------------------------------------------------------------------------


def _rows_of(path: Path) -> list[list[object]]:
    sheet = load_workbook(path).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_the_command_writes_the_register_as_xlsx(world, tmp_path: Path) -> None:
    out = tmp_path / "register.xlsx"
    call_command(
        "privacy_register", "--output", str(out), "--commune", str(world.village.commune_id)
    )
    rows = _rows_of(out)
    assert (
        str(rows[0][0]).replace("\n", " ")
        == f"ỦY BAN NHÂN DÂN {world.village.commune.name.upper()}"
    )
    header = rows[4]
    assert header[:3] == ["STT", "Dữ liệu cá nhân", "Loại"]
    national = next(r for r in rows[5:] if "national_id" in str(r[8]))
    assert national[1] == "Số định danh cá nhân"
    assert national[2] == "Dữ liệu cá nhân cơ bản"
    seen = str(national[6])
    assert "Trưởng thôn" in seen and "Cán bộ thôn" in seen
    assert "Tổ công nghệ số cộng đồng" not in seen and "Công an viên" not in seen
    assert len(rows) - 5 == len(personal_fields())


def test_the_command_writes_both_documents_as_pdf(world, tmp_path: Path) -> None:
    for document in documents.DOCUMENTS:
        out = tmp_path / f"{document}.pdf"
        call_command(
            "privacy_register", "--format", "pdf", "--document", document, "--output", str(out)
        )
        pdf = pypdfium2.PdfDocument(str(out))
        text = "\n".join(pdf[n].get_textpage().get_text_range() for n in range(len(pdf)))
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
        if document == "register":
            assert "DANH MỤC HOẠT ĐỘNG XỬ LÝ DỮ LIỆU CÁ NHÂN" in text
            assert "Số định danh cá nhân" in text
        else:
            assert "HỒ SƠ ĐÁNH GIÁ TÁC ĐỘNG XỬ LÝ DỮ LIỆU CÁ NHÂN" in text
            assert "Người phụ trách bảo vệ dữ liệu cá nhân" in text
            assert "......" in text


def test_the_command_refuses_an_unknown_commune(world, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No commune"):
        call_command("privacy_register", "--commune", "999999", "--output", str(tmp_path / "x"))
    assert not (tmp_path / "x").exists()


def test_the_annex_marks_what_the_commune_fills_by_hand(world, tmp_path: Path) -> None:
    out = tmp_path / "annex.xlsx"
    call_command("privacy_register", "--document", "annex", "--output", str(out))
    lines = [str(r[0]) for r in _rows_of(out) if r and r[0]]
    assert any(line.startswith("Họ tên và chức vụ:") and line.endswith("....") for line in lines)
    assert "- Thu thập số liệu chuyển đổi số cho báo cáo tiêu chí của xã" in lines


# --- the page -------------------------------------------------------------------------------


def test_a_commune_official_sees_the_register_and_downloads_it(
    client: Client, commune_official, village
) -> None:
    client.force_login(commune_official)
    url = reverse("privacy_register", args=[village.commune_id])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Danh mục hoạt động xử lý dữ liệu cá nhân" in html
    assert 'data-stored="households.Resident: national_id"' in html
    home = client.get(reverse("privacy_register_home"))
    assert home.status_code == 302 and home["Location"] == url
    for document in documents.DOCUMENTS:
        for fmt in documents.FORMATS:
            got = client.get(reverse("privacy_download", args=[village.commune_id, document, fmt]))
            assert got.status_code == 200
            assert got["Content-Disposition"].startswith("attachment;")
            if fmt == "xlsx":
                load_workbook(io.BytesIO(got.content))
            else:
                assert got.content.startswith(b"%PDF")


@pytest.mark.parametrize("persona", ["village_head", "officer", "resident"])
def test_village_roles_and_residents_are_refused(
    client: Client, request: pytest.FixtureRequest, persona: str, village
) -> None:
    client.force_login(request.getfixturevalue(persona))
    url = reverse("privacy_register", args=[village.commune_id])
    assert client.get(url).status_code in (403, 404)
    download = reverse("privacy_download", args=[village.commune_id, "register", "xlsx"])
    assert client.get(download).status_code in (403, 404)


def test_an_unknown_document_is_404(client: Client, commune_official, village) -> None:
    client.force_login(commune_official)
    url = reverse("privacy_download", args=[village.commune_id, "passwords", "xlsx"])
    assert client.get(url).status_code == 404
    url = reverse("privacy_download", args=[village.commune_id, "register", "exe"])
    assert client.get(url).status_code == 404


def test_a_post_is_refused(client: Client, commune_official, village) -> None:
    client.force_login(commune_official)
    assert client.post(reverse("privacy_register", args=[village.commune_id])).status_code == 405


def test_audience_labels_are_in_vietnamese() -> None:
    assert audience_label(Role.VILLAGE_HEAD) == "Trưởng thôn"
    assert audience_label(OWN_RECORD) == "Chính người đó"
