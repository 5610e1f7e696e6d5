"""The criteria sets the portal ships with: a national default and one provincial example.

Decision 319/QĐ-TTg (2022) asks each model new-rural commune for at least one smart village
and leaves its criteria to the province; the national default is therefore a frame built from
the national texts that could be checked and, where none sets a figure, from provincial
practice. ``NATIONAL_NOTES`` (shown with the set) says which is which and where each comes
from. The provincial example shows a province adding its own criteria (eight here) on the same
measures. Measure codes of apps not installed yet show as "not available" until they are.

A set in use is never edited: when ``NATIONAL`` changes, a migration calls ``upgrade`` to make
a new version of the set in use (migration 0005 did so for the thresholds checked in 2026).
"""

from datetime import date
from decimal import Decimal
from typing import Any

M, A = "measure", "attested"
P, C, Y = "percent", "count", "yes"

NATIONAL_NOTES = """\
Căn cứ đã đối chiếu (tháng 11/2026):
1. Quyết định 319/QĐ-TTg ngày 08/3/2022: xã nông thôn mới kiểu mẫu phải có ít nhất một mô hình \
thôn thông minh, tiêu chí cụ thể do UBND cấp tỉnh quy định (baoquangnam.vn, 3/2022; lawnet.vn). \
Bộ này là khung mặc định; tỉnh nào đã ban hành bộ tiêu chí riêng thì dùng bộ của tỉnh.
2. Hướng dẫn của Bộ TT&TT về tiêu chí thông tin và truyền thông trong các bộ tiêu chí nông \
thôn mới: theo lawnet.vn, Quyết định 441/QĐ-BTTTT (2017) áp dụng đến trước ngày 22/6/2022; \
hướng dẫn hiện hành có chỉ tiêu người trong độ tuổi lao động có thuê bao điện thoại thông \
minh (tối thiểu 50% ở vùng đồng bào dân tộc thiểu số và miền núi). Ngưỡng 80% ở các vùng \
khác là ngưỡng của bộ này. Chưa tìm được toàn văn: số hiệu và ngày ghi ở căn cứ pháp lý \
(1127/QĐ-BTTTT, 18/6/2022) và các ngưỡng khác chưa đối chiếu được với văn bản gốc.
3. Quyết định 924/QĐ-TTg ngày 02/8/2022 (chuyển đổi số trong xây dựng nông thôn mới): đến năm \
2025, ít nhất 60% hồ sơ công việc cấp xã được xử lý trên môi trường mạng (hungyen.gov.vn, \
vietnamplus.vn) — chỉ tiêu của xã, không phải của thôn; mức "50% hồ sơ thủ tục hành chính \
trực tuyến" của phiên bản 1 không tìm thấy trong văn bản nào, nên chỉ tiêu này nay theo \
ngưỡng của tỉnh.
4. Kế hoạch năm 2023 của Ủy ban Quốc gia về chuyển đổi số (dientuungdung.vn): hộ gia đình có \
cáp quang trên 85%, dân số có hồ sơ sức khỏe điện tử trên 80%, dân số từ 15 tuổi có tài khoản \
thanh toán trên 75% — mục tiêu quốc gia, không phải ngưỡng xét công nhận thôn.

Ngưỡng theo thực tiễn của tỉnh (không phải ngưỡng quốc gia):
- Wi-Fi miễn phí tại nhà văn hóa thôn; tổ công nghệ số cộng đồng được thành lập và hoạt động \
(ngưỡng: có ít nhất 1 thành viên); thôn dùng kênh số (mạng xã hội) để thông tin và tiếp nhận \
phản ánh: Hướng dẫn 01/HD-STTTT ngày 31/10/2023 của Sở TT&TT Lào Cai (tiêu chí 2.1-2.3); \
Quyết định 2429/QĐ-UBND năm 2022 của tỉnh Quảng Nam. Mức 70% hộ tham gia kênh số là ngưỡng \
của bộ này.
- Hộ có cáp quang ≥ 80%: kế hoạch hạ tầng số cấp xã (ví dụ xã Xuân Trúc, Hưng Yên, 2023-2025).
- Hộ kinh doanh thanh toán không dùng tiền mặt ≥ 50%, camera an ninh công cộng ≥ 2, hồ sơ sức \
khỏe điện tử ≥ 80%: các mô hình thôn thông minh ở Thanh Hóa và Phú Yên (baothanhhoa.vn, \
vietnam.vn).
- 100% sản phẩm OCOP trên sàn thương mại điện tử: mục tiêu của tỉnh (ví dụ Đồng Tháp), chưa \
xác nhận trong Quyết định 1127.
- Mã địa chỉ số và vị trí ≥ 90%, định danh điện tử mức 2 ≥ 80%, tài khoản thanh toán điện tử \
≥ 50%, kỹ năng số cơ bản ≥ 50%, chữ ký số ≥ 20%: ngưỡng thực tiễn của tỉnh, chưa xác nhận là \
ngưỡng quốc gia.
- Ngõ có biển QR ≥ 80%, camera hoạt động ≥ 90% trong 30 ngày, thông báo đến được ≥ 80% hộ, \
phản ánh tiếp nhận đúng hạn ≥ 90%, giải quyết trong ngày ≥ 50%, hài lòng ≥ 80%: đề xuất của \
cổng, không có trong các văn bản trên.
"""

NATIONAL = {
    "name": "Bộ tiêu chí thôn thông minh mặc định (khung quốc gia và thực tiễn các tỉnh)",
    # Earlier names of the same set: an install finds the set under any of them.
    "former_names": ("Bộ tiêu chí thôn thông minh (ngưỡng quốc gia về chuyển đổi số)",),
    "province_code": None,
    "legal_basis_number": "1127/QĐ-BTTTT",
    "legal_basis_date": date(2022, 6, 18),
    "effective_from": date(2022, 6, 18),
    "notes": NATIONAL_NOTES,
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
                (
                    "Tổ công nghệ số cộng đồng được thành lập (số thành viên)",
                    M,
                    "digital_team_members",
                    C,
                    1,
                ),
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
                (
                    "Hồ sơ thủ tục hành chính được xử lý trực tuyến đạt ngưỡng của tỉnh",
                    A,
                    "",
                    Y,
                    None,
                ),
            ],
        ),
    ],
    # Indicators renamed since an earlier version: the attestations made under the old name
    # carry over (the new version keeps the indicator's lineage).
    "renamed": {
        "Tổ công nghệ số cộng đồng được thành lập (số thành viên)": (
            "Thành viên tổ công nghệ số cộng đồng"
        ),
        "Hồ sơ thủ tục hành chính được xử lý trực tuyến đạt ngưỡng của tỉnh": (
            "Hồ sơ thủ tục hành chính được xử lý trực tuyến (ít nhất 50%)"
        ),
    },
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


def _names(spec: dict[str, Any]) -> tuple[str, ...]:
    return (spec["name"], *spec.get("former_names", ()))


def _indicators(criteria_set: Any, indicator_model: Any) -> list[tuple]:
    rows = indicator_model.objects.filter(criterion__criteria_set=criteria_set).order_by(
        "criterion__number", "order", "pk"
    )
    return [
        (
            i.criterion.number,
            i.criterion.title,
            i.name,
            i.source,
            i.measure_code,
            i.threshold_kind,
            None if i.threshold_value is None else Decimal(i.threshold_value),
        )
        for i in rows.select_related("criterion")
    ]


def _spec_indicators(spec: dict[str, Any]) -> list[tuple]:
    return [
        (
            number,
            title,
            name,
            source,
            code,
            kind,
            None if value is None else Decimal(str(value)),
        )
        for number, (title, indicators) in enumerate(spec["criteria"], start=1)
        for name, source, code, kind, value in indicators
    ]


def _write(criteria_set: Any, spec: dict[str, Any], models: dict[str, Any], lineage: Any) -> None:
    """The criteria and indicators of ``spec`` under ``criteria_set``; ``lineage`` gives the
    lineage an indicator keeps from an earlier version (None for a new indicator)."""
    criterion_model, indicator_model = models["Criterion"], models["Indicator"]
    for number, (title, indicators) in enumerate(spec["criteria"], start=1):
        criterion = criterion_model.objects.create(
            criteria_set=criteria_set, number=number, title=title
        )
        rows = []
        for order, (name, source, code, kind, value) in enumerate(indicators):
            row = indicator_model(
                criterion=criterion,
                order=order,
                name=name,
                source=source,
                measure_code=code,
                threshold_kind=kind,
                threshold_value=value,
            )
            kept = lineage(name, source, code)
            if kept is not None:
                row.lineage = kept
            rows.append(row)
        indicator_model.objects.bulk_create(rows)


def install(spec: dict[str, Any], *, models: dict[str, Any]) -> Any | None:
    """Create ``spec`` in use unless the set exists (under its name or a former one); skip it
    without its province.

    ``models`` holds the model classes (a migration passes its historical ones).
    """
    criteria_set_model, province_model = models["CriteriaSet"], models["Province"]
    if criteria_set_model.objects.filter(name__in=_names(spec)).exists():
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
        notes=spec.get("notes", ""),
        effective_from=spec["effective_from"],
        status="in_use",
    )
    _write(criteria_set, spec, models, lambda name, source, code: None)
    return criteria_set


def upgrade(spec: dict[str, Any], *, models: dict[str, Any]) -> Any | None:
    """Bring the set in use to ``spec`` without editing it: when it differs, a new version of
    it goes in use and the old one is retired (the rule for sets in use). The set is
    installed if it does not exist; a family an administrator retired is left alone.

    Indicators keep their lineage across the versions (matched by measure, or by name for
    attested ones, through ``spec["renamed"]``), so that attestations carry over.
    """
    criteria_set_model, indicator_model = models["CriteriaSet"], models["Indicator"]
    known = criteria_set_model.objects.filter(name__in=_names(spec))
    if not known.exists():
        return install(spec, models=models)
    current = (
        criteria_set_model.objects.filter(family__in=known.values("family"), status="in_use")
        .order_by("-version")
        .first()
    )
    if current is None:
        return None
    same = (
        current.name == spec["name"]
        and current.legal_basis_number == spec["legal_basis_number"]
        and current.legal_basis_date == spec["legal_basis_date"]
        and current.effective_from == spec["effective_from"]
        and current.notes == spec.get("notes", "")
        and _indicators(current, indicator_model) == _spec_indicators(spec)
    )
    if same:
        return None
    latest = (
        criteria_set_model.objects.filter(family=current.family)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )
    criteria_set = criteria_set_model.objects.create(
        family=current.family,
        version=latest + 1,
        previous=current,
        name=spec["name"],
        province=current.province,
        legal_basis_number=spec["legal_basis_number"],
        legal_basis_date=spec["legal_basis_date"],
        notes=spec.get("notes", ""),
        effective_from=spec["effective_from"],
        effective_to=current.effective_to,
        status="in_use",
    )
    earlier = indicator_model.objects.filter(criterion__criteria_set=current)
    by_measure = {i.measure_code: i.lineage for i in earlier if i.source == M}
    by_name = {i.name: i.lineage for i in earlier if i.source == A}
    renamed = spec.get("renamed", {})

    def lineage(name: str, source: str, code: str) -> Any:
        if source == M:
            return by_measure.get(code)
        return by_name.get(name) or by_name.get(renamed.get(name, ""))

    _write(criteria_set, spec, models, lineage)
    current.status = "retired"
    current.save(update_fields=["status"])
    return criteria_set


def install_defaults() -> list[Any]:
    from households.models import Province
    from reports.models import CriteriaSet, Criterion, Indicator

    models = {
        "CriteriaSet": CriteriaSet,
        "Criterion": Criterion,
        "Indicator": Indicator,
        "Province": Province,
    }
    return [s for s in (install(spec, models=models) for spec in DEFAULT_SETS) if s]
