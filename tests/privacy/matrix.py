"""The privacy app's routes in the access matrix (tests/test_access_matrix.py).

The register is the commune's: the People's Committee of the commune is the controller of its
villages' data, so its officials (and administrators) see it. Village heads run the village's
work but do not answer for the processing, so they are refused (403 on their own commune,
404 elsewhere) rather than shown a register they cannot sign.
"""

from typing import Any

from tests.access import COMMUNE, SIGNED_IN, SUPER, Rule

COMMUNE_STAFF = frozenset({COMMUNE, SUPER})


def _commune(ctx: dict[str, Any]) -> dict[str, Any]:
    return {"pk": ctx["village"].commune_id}


def _download(document: str, fmt: str) -> Any:
    return lambda ctx: {**_commune(ctx), "document": document, "fmt": fmt}


def _commune_rule(**options: Any) -> Rule:
    return Rule(COMMUNE_STAFF, scoped=True, resident_refusal="not_found", **options)


MATRIX: dict[str, Rule] = {
    # Sends a commune official to their commune's register; anyone else goes home, no error.
    "privacy_register_home": Rule(SIGNED_IN),
    "privacy_register": _commune_rule(kwargs=_commune),
    "privacy_download": _commune_rule(kwargs=_download("register", "xlsx")),
}
WEBSOCKET: dict[str, frozenset[str]] = {}
