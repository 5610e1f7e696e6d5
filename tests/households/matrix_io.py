"""Access-matrix entries for the import and export routes (merged into the matrix test)."""

from tests.access import Rule

MATRIX_IO: dict[str, Rule] = {}
