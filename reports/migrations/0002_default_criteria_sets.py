"""The default criteria sets as first shipped (the national one is versioned by 0005).

The sets are written out here rather than imported from ``reports.defaults``: a migration
keeps doing what it did when it was written, whatever the defaults become later.
"""

from datetime import date
from typing import Any

from django.db import migrations

M, A = "measure", "attested"
P, C, Y = "percent", "count", "yes"

NATIONAL = {
    "name": "Bộ tiêu chí thôn thông minh (ngưỡng quốc gia về chuyển đổi số)",
    "province_code": None,
    "legal_basis_number": "1127/QĐ-BTTTT",
    "legal_basis_date": date(2022, 6, 18),
    "effective_from": date(2022, 6, 18),
    "criteria": [
        (
            "Hạ tầng số",
            [
                ("Hộ gia đình có cáp quang", M, "fibre_households", P, 80),
                ("Wi-Fi miễn phí tại nhà văn hóa thôn", A, "", Y, None),
                ("Camera công cộng tại các điểm công cộng", M, "public_cameras_count", C, 2),
                ("Camera công cộng hoạt động (30 ngày)", M, "public_cameras_uptime_30d", P, 90),
            ],
        ),
        (
            "Địa chỉ số",
            [
                ("Hộ gia đình có mã địa chỉ số", M, "households_digital_address", P, 90),
                ("Hộ gia đình có vị trí trên bản đồ", M, "households_location", P, 90),
                ("Ngõ, tuyến đường có biển QR hoạt động", M, "lanes_with_active_signs", P, 80),
            ],
        ),
        (
            "Công dân số",
            [
                (
                    "Người trong độ tuổi lao động có điện thoại thông minh",
                    M,
                    "smartphone_working_age",
                    P,
                    80,
                ),
                ("Người từ 14 tuổi có định danh điện tử mức 2", M, "vneid_level2_14plus", P, 80),
                (
                    "Người trong độ tuổi lao động có tài khoản thanh toán điện tử",
                    M,
                    "epayment_working_age",
                    P,
                    50,
                ),
                (
                    "Người trong độ tuổi lao động có kỹ năng số cơ bản",
                    M,
                    "digital_skills_working_age",
                    P,
                    50,
                ),
                ("Người trưởng thành có chữ ký số", M, "digital_signature_adults", P, 20),
                ("Người dân có hồ sơ sức khỏe điện tử", M, "health_record_all", P, 80),
            ],
        ),
        (
            "Kinh tế số",
            [
                (
                    "Hộ kinh doanh chấp nhận thanh toán không dùng tiền mặt",
                    M,
                    "cashless_business",
                    P,
                    50,
                ),
                ("Sản phẩm OCOP của thôn được đưa lên sàn thương mại điện tử", A, "", Y, None),
            ],
        ),
        (
            "Cộng đồng số và chính quyền số",
            [
                ("Thành viên tổ công nghệ số cộng đồng", M, "digital_team_members", C, 3),
                (
                    "Hộ gia đình tham gia kênh thông tin số của thôn",
                    M,
                    "digital_channel_households",
                    P,
                    70,
                ),
                ("Thông báo đến được người dân", M, "announcement_reach", P, 80),
                ("Phản ánh được tiếp nhận đúng hạn", M, "feedback_acknowledged_on_time", P, 90),
                ("Phản ánh được giải quyết trong ngày", M, "feedback_resolved_same_day", P, 50),
                (
                    "Người dân hài lòng với việc giải quyết phản ánh",
                    M,
                    "feedback_satisfaction",
                    P,
                    80,
                ),
                ("Hồ sơ thủ tục hành chính được xử lý trực tuyến (ít nhất 50%)", A, "", Y, None),
            ],
        ),
    ],
}

PROVINCIAL_EXAMPLE = {
    "name": "Bộ tiêu chí thôn thông minh tỉnh Hà Tĩnh (ví dụ minh họa)",
    "province_code": "42",
    "legal_basis_number": "Ví dụ minh họa",
    "legal_basis_date": date(2025, 1, 1),
    "effective_from": date(2025, 1, 1),
    "criteria": [
        (
            "Địa chỉ số",
            [
                ("Hộ gia đình có mã địa chỉ số", M, "households_digital_address", P, 95),
                ("Hộ gia đình có vị trí trên bản đồ", M, "households_location", P, 90),
            ],
        ),
        (
            "Biển QR thông minh",
            [
                ("Ngõ, tuyến đường có biển QR hoạt động", M, "lanes_with_active_signs", P, 100),
            ],
        ),
        (
            "Điện thoại thông minh",
            [
                (
                    "Người trong độ tuổi lao động có điện thoại thông minh",
                    M,
                    "smartphone_working_age",
                    P,
                    85,
                ),
            ],
        ),
        (
            "Định danh và thanh toán điện tử",
            [
                ("Người từ 14 tuổi có định danh điện tử mức 2", M, "vneid_level2_14plus", P, 85),
                (
                    "Người trong độ tuổi lao động có tài khoản thanh toán điện tử",
                    M,
                    "epayment_working_age",
                    P,
                    60,
                ),
            ],
        ),
        (
            "An ninh thông minh",
            [
                ("Camera công cộng", M, "public_cameras_count", C, 3),
                ("Camera công cộng hoạt động (30 ngày)", M, "public_cameras_uptime_30d", P, 95),
            ],
        ),
        (
            "Tổ công nghệ số cộng đồng",
            [
                ("Thành viên tổ công nghệ số cộng đồng", M, "digital_team_members", C, 3),
            ],
        ),
        (
            "Phản ánh, kiến nghị",
            [
                ("Phản ánh được tiếp nhận đúng hạn", M, "feedback_acknowledged_on_time", P, 95),
                ("Người dân hài lòng", M, "feedback_satisfaction", P, 80),
            ],
        ),
        (
            "Mô hình sản xuất số",
            [
                ("Có ít nhất một mô hình sản xuất ứng dụng công nghệ số", A, "", Y, None),
            ],
        ),
    ],
}

DEFAULT_SETS = (NATIONAL, PROVINCIAL_EXAMPLE)


def _install(spec: dict[str, Any], *, models: dict[str, Any]) -> Any | None:
    """Create ``spec`` in use unless a set of that name exists; skip it without its province.

    ``models`` holds the model classes (the migration passes its historical ones).
    """
    criteria_set_model, criterion_model, indicator_model, province_model = (
        models["CriteriaSet"],
        models["Criterion"],
        models["Indicator"],
        models["Province"],
    )
    if criteria_set_model.objects.filter(name=spec["name"]).exists():
        return None
    province = None
    if spec["province_code"]:
        province = province_model.objects.filter(code=spec["province_code"]).first()
        if province is None:
            return None
    criteria_set = criteria_set_model.objects.create(
        name=spec["name"],
        province=province,
        legal_basis_number=spec["legal_basis_number"],
        legal_basis_date=spec["legal_basis_date"],
        effective_from=spec["effective_from"],
        status="in_use",
    )
    for number, (title, indicators) in enumerate(spec["criteria"], start=1):
        criterion = criterion_model.objects.create(
            criteria_set=criteria_set, number=number, title=title
        )
        indicator_model.objects.bulk_create(
            indicator_model(
                criterion=criterion,
                order=order,
                name=name,
                source=source,
                measure_code=code,
                threshold_kind=kind,
                threshold_value=value,
            )
            for order, (name, source, code, kind, value) in enumerate(indicators)
        )
    return criteria_set


def forwards(apps, schema_editor):  # noqa: ANN001, ANN201
    models = {
        "CriteriaSet": apps.get_model("reports", "CriteriaSet"),
        "Criterion": apps.get_model("reports", "Criterion"),
        "Indicator": apps.get_model("reports", "Indicator"),
        "Province": apps.get_model("households", "Province"),
    }
    for spec in DEFAULT_SETS:
        _install(spec, models=models)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("households", "0004_resident_cccd_prefix_index"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
