"""Village staff manage report categories: deadlines, order, retirement and extra questions."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from feedback import services
from feedback.models import Category, Report
from tests.factories import UserFactory, membership
from tests.feedback.conftest import make_report

pytestmark = pytest.mark.django_db


def _login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _category_data(**extra: Any) -> dict[str, Any]:
    return {
        "name": "Cây xanh",
        "description": "Cây đổ, cành gãy",
        "ack_hours": "4",
        "resolve_hours": "16",
        **extra,
    }


def _submit(village: Any, category: Category, **answers: str) -> Any:
    data = {"category": category.pk, "description": "Cây đổ chắn ngõ"}
    data.update({f"q_{category.pk}_{k}": v for k, v in answers.items()})
    return Client().post(reverse("feedback_report_new", args=[village.pk]), data)


def test_an_officer_adds_a_category_with_its_deadlines_and_residents_can_choose_it(
    village: Any, categories: dict, officer: Any
) -> None:
    client = _login(officer)
    response = client.post(reverse("feedback_category_add"), _category_data())
    category = Category.objects.get(village=village, name="Cây xanh")
    assert response.status_code == 302
    assert response["Location"] == reverse("feedback_category_edit", args=[category.pk])
    assert (category.code, category.ack_hours, category.resolve_hours, category.urgent) == (
        "cay-xanh",
        4,
        16,
        False,
    )
    assert category.sort_order == max(c.sort_order for c in categories.values()) + 1
    form = Client().get(reverse("feedback_report_new", args=[village.pk])).content.decode()
    assert "Cây xanh" in form
    assert _submit(village, category).status_code == 302
    report = Report.objects.get(category=category)
    assert report.ack_due is not None and report.resolve_due is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "Hãy đặt tên cho lĩnh vực."),
        ({"name": "   "}, "Hãy đặt tên cho lĩnh vực."),
        ({"ack_hours": "0"}, "Thời hạn ít nhất là 1 giờ."),
        ({"ack_hours": "bốn"}, "Hãy nhập số giờ là số nguyên."),
        ({"resolve_hours": "99999"}, "Thời hạn nhiều nhất là 2000 giờ."),
        ({"name": "nước"}, "Thôn đã có lĩnh vực tên “nước”."),
        ({"name": "x" * 101}, "100"),
    ],
)
def test_a_bad_category_is_refused_in_vietnamese_and_nothing_is_saved(
    village: Any, categories: dict, village_head: Any, data: dict, message: str
) -> None:
    categories["water"].name = "Nước"
    categories["water"].save()
    before = Category.objects.count()
    response = _login(village_head).post(reverse("feedback_category_add"), _category_data(**data))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Category.objects.count() == before


def test_the_village_head_changes_a_deadline_and_new_reports_follow_it(
    village: Any, categories: dict, village_head: Any, digital_team: Any
) -> None:
    water = categories["water"]
    url = reverse("feedback_category_edit", args=[water.pk])
    data = _category_data(name="Nước sạch", urgent="on", ack_hours="2", resolve_hours="6")
    data["active"] = "on"
    assert _login(digital_team).post(url, data).status_code == 403
    head = _login(village_head)
    assert head.get(url).status_code == 200
    assert head.post(url, {**data, "ack_hours": "0"}).status_code == 400
    water.refresh_from_db()
    assert water.ack_hours == 8
    assert head.post(url, data).status_code == 302
    water.refresh_from_db()
    assert (water.name, water.urgent, water.ack_hours, water.resolve_hours) == (
        "Nước sạch",
        True,
        2,
        6,
    )
    report = make_report(village, water)
    assert report.resolve_due - report.created_at == timedelta(hours=6)


def test_the_categories_are_reordered_and_the_form_follows(
    village: Any, categories: dict, village_head: Any
) -> None:
    client = _login(village_head)
    other = categories["other"]
    for _n in range(10):  # more moves than places: it stops at the top
        client.post(reverse("feedback_category_move", args=[other.pk]), {"direction": "up"})
    order = list(Category.objects.filter(village=village).values_list("code", flat=True))
    assert order[0] == "other"
    response = client.post(
        reverse("feedback_category_move", args=[other.pk]), {"direction": "sideways"}, follow=True
    )
    assert "Hãy chọn chuyển lên hoặc chuyển xuống." in response.content.decode()
    assert list(Category.objects.filter(village=village).values_list("code", flat=True)) == order
    form = Client().get(reverse("feedback_report_new", args=[village.pk])).context["form"]
    assert form.fields["category"].queryset.first().code == "other"


def test_a_category_used_by_reports_is_retired_not_deleted(
    village: Any, categories: dict, village_head: Any
) -> None:
    client = _login(village_head)
    used = categories["water"]
    report = make_report(village, used)
    response = client.post(reverse("feedback_category_remove", args=[used.pk]), follow=True)
    assert "nên lĩnh vực này được ngừng dùng" in response.content.decode()
    used.refresh_from_db()
    assert used.active is False
    assert Report.objects.get(pk=report.pk).category == used
    form = Client().get(reverse("feedback_report_new", args=[village.pk])).context["form"]
    assert used not in form.fields["category"].queryset
    assert _submit(village, used).status_code == 400
    # the status page of the old report still shows its category
    status = Client().get(reverse("feedback_status", args=[report.tracking_code]))
    assert used.name in status.content.decode()

    unused = categories["environment"]
    client.post(reverse("feedback_category_remove", args=[unused.pk]))
    assert not Category.objects.filter(pk=unused.pk).exists()


def test_the_last_open_category_cannot_be_retired(
    village: Any, categories: dict, village_head: Any
) -> None:
    client = _login(village_head)
    Category.objects.filter(village=village).exclude(code="other").update(active=False)
    last = categories["other"]
    response = client.post(reverse("feedback_category_remove", args=[last.pk]), follow=True)
    assert "cần ít nhất một lĩnh vực" in response.content.decode()
    data = _category_data(name=last.name)  # "active" unticked
    response = client.post(reverse("feedback_category_edit", args=[last.pk]), data)
    assert response.status_code == 400
    last.refresh_from_db()
    assert last.active is True


def test_questions_are_added_reordered_and_asked_on_the_form(
    village: Any, categories: dict, officer: Any
) -> None:
    client = _login(officer)
    water = categories["water"]
    add = reverse("feedback_question_add", args=[water.pk])
    assert client.post(add, {"label": "Số đồng hồ nước", "required": "on"}).status_code == 302
    assert client.post(add, {"label": "Từ ngày nào?"}).status_code == 302
    water.refresh_from_db()
    assert [q["label"] for q in water.questions] == ["Số đồng hồ nước", "Từ ngày nào?"]
    meter, since = (q["key"] for q in water.questions)
    client.post(reverse("feedback_question_move", args=[water.pk, since]), {"direction": "up"})
    water.refresh_from_db()
    assert [q["key"] for q in water.questions] == [since, meter]

    html = Client().get(reverse("feedback_report_new", args=[village.pk])).content.decode()
    assert html.index("Từ ngày nào?") < html.index("Số đồng hồ nước")
    response = _submit(village, water)  # the meter number is required
    assert response.status_code == 400
    assert "Số đồng hồ nước" in response.content.decode()
    assert _submit(village, water, **{meter: "DH-1234", since: "Thứ hai"}).status_code == 302
    assert Report.objects.get(category=water).answers == {meter: "DH-1234", since: "Thứ hai"}


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("", "Hãy viết câu hỏi."),
        ("x" * 151, "Câu hỏi dài tối đa 150 ký tự."),
        ("số đồng hồ", "Lĩnh vực này đã có câu hỏi “số đồng hồ”."),
    ],
)
def test_a_bad_question_is_refused_and_nothing_changes(
    categories: dict, village_head: Any, label: str, message: str
) -> None:
    water = categories["water"]
    services.question_add(category=water, label="Số đồng hồ")
    response = _login(village_head).post(
        reverse("feedback_question_add", args=[water.pk]), {"label": label}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    water.refresh_from_db()
    assert len(water.questions) == 1


def test_an_answered_question_keeps_its_answers_readable_when_reworded_or_removed(
    village: Any, categories: dict, village_head: Any
) -> None:
    client = _login(village_head)
    water = categories["water"]
    question = services.question_add(category=water, label="Số đồng hồ")
    key = question["key"]
    assert _submit(village, water, **{key: "DH-77"}).status_code == 302
    report = Report.objects.get(category=water)

    edit = reverse("feedback_question_edit", args=[water.pk, key])
    assert client.post(edit, {"label": "Mã khách hàng"}).status_code == 302
    water.refresh_from_db()
    old = water.question(key)
    assert old is not None and old["retired"] and old["label"] == "Số đồng hồ"
    assert [q["label"] for q in water.live_questions()] == ["Mã khách hàng"]
    staff = client.get(reverse("feedback_detail", args=[report.pk])).content.decode()
    assert "<dt>Số đồng hồ</dt><dd>DH-77</dd>" in staff
    form = Client().get(reverse("feedback_report_new", args=[village.pk])).content.decode()
    assert "Mã khách hàng" in form and "Số đồng hồ" not in form

    # the new wording gets its own answers; removing it retires it too, as it has one
    new_key = water.live_questions()[0]["key"]
    assert _submit(village, water, **{new_key: "KH-9"}).status_code == 302
    client.post(reverse("feedback_question_remove", args=[water.pk, new_key]))
    water.refresh_from_db()
    assert water.live_questions() == []
    assert len(water.questions) == 2
    second = Report.objects.filter(category=water).exclude(pk=report.pk).get()
    staff = client.get(reverse("feedback_detail", args=[second.pk])).content.decode()
    assert "<dt>Mã khách hàng</dt><dd>KH-9</dd>" in staff

    # a retired question can be asked again
    client.post(reverse("feedback_question_restore", args=[water.pk, new_key]))
    water.refresh_from_db()
    assert [q["label"] for q in water.live_questions()] == ["Mã khách hàng"]


def test_an_unanswered_question_is_edited_in_place_and_deleted(
    categories: dict, village_head: Any
) -> None:
    client = _login(village_head)
    water = categories["water"]
    key = services.question_add(category=water, label="Số đồng hồ")["key"]
    edit = reverse("feedback_question_edit", args=[water.pk, key])
    assert client.post(edit, {"label": "Số công tơ", "required": "on"}).status_code == 302
    water.refresh_from_db()
    assert water.questions == [{"key": key, "label": "Số công tơ", "required": True}]
    client.post(reverse("feedback_question_remove", args=[water.pk, key]))
    water.refresh_from_db()
    assert water.questions == []


def test_a_question_that_does_not_exist_is_404(categories: dict, village_head: Any) -> None:
    client = _login(village_head)
    water = categories["water"]
    for name in ("feedback_question_edit", "feedback_question_remove", "feedback_question_move"):
        response = client.post(reverse(name, args=[water.pk, "nope"]), {"label": "A"})
        assert response.status_code == 404


def test_staff_of_another_village_cannot_touch_our_categories(
    village: Any, other_village: Any, categories: dict, outsider: Any, officer: Any
) -> None:
    water = categories["water"]
    services.question_add(category=water, label="Số đồng hồ")
    water.refresh_from_db()
    before = (water.name, water.ack_hours, water.sort_order, water.active, water.questions)
    theirs = services.categories_ensure_defaults(village=other_village)[0]
    other_officer = UserFactory(full_name="Cán bộ thôn khác")
    membership(other_officer, Role.VILLAGE_OFFICER, other_village)
    for user, category in ((outsider, water), (other_officer, water), (officer, theirs)):
        client = _login(user)
        pk = category.pk
        assert client.get(reverse("feedback_category_edit", args=[pk])).status_code == 404
        posts = [
            (reverse("feedback_category_edit", args=[pk]), _category_data(name="Đổi", active="on")),
            (reverse("feedback_category_move", args=[pk]), {"direction": "down"}),
            (reverse("feedback_category_remove", args=[pk]), {}),
            (reverse("feedback_question_add", args=[pk]), {"label": "Chen vào?"}),
            (reverse("feedback_question_edit", args=[pk, "q1"]), {"label": "Đổi?"}),
            (reverse("feedback_question_remove", args=[pk, "q1"]), {}),
        ]
        for url, data in posts:
            assert client.post(url, data).status_code == 404, url
    water.refresh_from_db()
    assert (water.name, water.ack_hours, water.sort_order, water.active, water.questions) == before
    # and each one's list shows only their own village's categories
    html = _login(other_officer).get(reverse("feedback_category_list")).content.decode()
    assert reverse("feedback_category_edit", args=[water.pk]) not in html
    assert reverse("feedback_category_edit", args=[theirs.pk]) in html


def test_the_rest_of_the_team_reads_the_list_without_edit_links(
    categories: dict, security_officer: Any, commune_official: Any
) -> None:
    water = categories["water"]
    for user in (security_officer, commune_official):
        client = _login(user)
        html = client.get(reverse("feedback_category_list")).content.decode()
        assert water.name in html
        assert reverse("feedback_category_edit", args=[water.pk]) not in html
        assert client.get(reverse("feedback_category_add")).status_code == 403
        assert client.get(reverse("feedback_category_edit", args=[water.pk])).status_code == 403


def test_the_feedback_pages_link_to_the_categories(categories: dict, village_head: Any) -> None:
    client = _login(village_head)
    target = reverse("feedback_category_list")
    assert target in client.get(reverse("feedback_list")).content.decode()
    assert target in client.get(reverse("feedback_settings")).content.decode()


def test_the_category_pages_refuse_get_on_post_only_actions(
    categories: dict, village_head: Any
) -> None:
    client = _login(village_head)
    water = categories["water"]
    assert client.get(reverse("feedback_category_remove", args=[water.pk])).status_code == 405
    assert Category.objects.filter(pk=water.pk).exists()
