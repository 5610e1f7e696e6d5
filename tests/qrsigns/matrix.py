"""Access-matrix entries for the qrsigns routes (merged into tests/test_access_matrix.py)."""

from tests.access import Rule

MATRIX: dict[str, Rule] = {}
# WebSocket route names -> actors allowed to open them.
WEBSOCKET: dict[str, frozenset[str]] = {}
