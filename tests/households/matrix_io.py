"""Access-matrix entries for the import and export routes (merged into tests/test_access_matrix.py)."""

MATRIX_IO: dict = {}
