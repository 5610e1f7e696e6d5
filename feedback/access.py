"""Who handles feedback, and the one way the staff pages reach reports and categories."""

from typing import Any

from accounts.access import access_object, require_roles, village_role_required
from accounts.roles import STAFF_ROLES, Role
from feedback.models import Category, Report

# Who handles reports; the community digital team reads them only.
HANDLER_ROLES = frozenset(
    {Role.VILLAGE_HEAD, Role.VILLAGE_OFFICER, Role.SECURITY_OFFICER, Role.COMMUNE_OFFICIAL}
)
# Who moderates, blocks senders, and manages categories, templates and API keys.
MANAGER_ROLES = frozenset({Role.VILLAGE_HEAD, Role.COMMUNE_OFFICIAL})
# Who edits the categories and their questions.
EDITOR_ROLES = frozenset({Role.VILLAGE_HEAD, Role.VILLAGE_OFFICER})

staff_required = village_role_required(STAFF_ROLES)
manager_required = village_role_required(MANAGER_ROLES)
editor_required = village_role_required(EDITOR_ROLES)


def access_report(*, user: Any, pk: Any, roles: frozenset[str] = STAFF_ROLES) -> Report:
    """A report of the user's villages (404 otherwise), 403 unless they hold one of ``roles``."""
    report = access_object(
        Report.objects.select_related("village", "category", "lane", "assignee"), user=user, pk=pk
    )
    require_roles(user=user, village=report.village, roles=roles)
    return report


def access_category(*, user: Any, pk: Any) -> Category:
    """A category of the user's villages (404 otherwise), 403 unless they may edit it."""
    category = access_object(Category.objects.select_related("village"), user=user, pk=pk)
    require_roles(user=user, village=category.village, roles=EDITOR_ROLES)
    return category
