"""Actors and rules of the access matrix, shared by the matrix test and the apps' entries."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ANON = "anonymous"
RESIDENT = "resident"
HEAD = "village_head"
OFFICER = "officer"
DIGITAL = "digital_team"
SECURITY = "security_officer"
COMMUNE = "commune_official"
OUTSIDER = "outsider"  # a village head of another commune's village
SUPER = "superuser"

ACTORS = [ANON, RESIDENT, HEAD, OFFICER, DIGITAL, SECURITY, COMMUNE, OUTSIDER, SUPER]
SIGNED_IN = frozenset(ACTORS) - {ANON}
EVERYONE = frozenset(ACTORS)
OUR_STAFF = frozenset({HEAD, OFFICER, DIGITAL, SECURITY, COMMUNE, SUPER})
ANY_STAFF = OUR_STAFF | {OUTSIDER}  # staff of any village, for pages about "my village"
INVITERS = frozenset({HEAD, COMMUNE, SUPER, OUTSIDER})
# Registry editors: village heads and officers. For pages about the current village, the
# outsider (a village head elsewhere) edits their own village; objects of ours are 404 to them.
OUR_EDITORS = frozenset({HEAD, OFFICER, SUPER})
EDITORS_ANYWHERE = OUR_EDITORS | {OUTSIDER}

Kwargs = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    method: str = "GET"
    kwargs: Kwargs | None = None
    scoped: bool = False  # the URL names an object of `village`: others get 404
    api: bool = False  # anonymous gets 401/403 instead of a redirect to login
    admin: bool = False  # refused users are sent to the admin login
    login_flow: bool = False  # a step of signing in: reachable by all, shows nothing private
    # Only for a set-up feature (e.g. recovery codes once two-factor login is on): allowed
    # actors may get 404 until then; anonymous users are still sent to log in.
    absent_ok: bool = False
    # How users of this village without the role are refused: 403, or 404 where the
    # object is invisible to their role altogether.
    insider_refusal: str = "forbidden"
    # How a resident of this village is refused, where it differs: staff objects are
    # invisible to residents, so they get 404 on them.
    resident_refusal: str | None = None
    # Django's language switch answers GET with a redirect that changes nothing.
    get_redirects: bool = False
    data: dict[str, Any] = field(default_factory=dict)
