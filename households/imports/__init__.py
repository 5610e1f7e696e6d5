"""Import of households and residents from a spreadsheet (.xlsx or .csv).

One row per resident; the household's columns repeat on each member's row (a member row may
also leave both the lane and the house number blank: it then belongs to the household above,
as with merged cells). An upload is checked first (``check``), a dry run that writes nothing
but the job's report, and written (``write``) only when the user confirms, in one
transaction: all rows or none, unless the user chose to import only the valid households.
``jobs`` holds the job's life; ``fileformat`` the columns, words and messages; the reader and the
cells shared with other imports are ``villageportal.spreadsheets``.

The names below are the registry import's public interface, used by the pages, the export,
the tasks and the benchmarks.
"""

from households.imports.check import import_check
from households.imports.fileformat import (
    COLUMN_BY_KEY,
    COLUMNS,
    GENDER_WORDS,
    HEADERS,
    HOUSEHOLD_KEYS,
    MESSAGES,
    NO_WORD,
    RELATIONSHIP_WORDS,
    YES_WORD,
    CellError,
    error,
    error_text,
    relationship_word,
    template_csv,
    template_rows,
    template_xlsx,
)
from households.imports.jobs import (
    import_cancel,
    import_confirm,
    import_start,
    job_progress,
)
from households.imports.write import INSERT_TRIGGERS, import_run
from villageportal.spreadsheets import ImportFileError, max_bytes, validate_upload

__all__ = [
    "COLUMNS",
    "COLUMN_BY_KEY",
    "GENDER_WORDS",
    "HEADERS",
    "HOUSEHOLD_KEYS",
    "INSERT_TRIGGERS",
    "MESSAGES",
    "NO_WORD",
    "RELATIONSHIP_WORDS",
    "YES_WORD",
    "CellError",
    "ImportFileError",
    "error",
    "error_text",
    "import_cancel",
    "import_check",
    "import_confirm",
    "import_run",
    "import_start",
    "job_progress",
    "max_bytes",
    "relationship_word",
    "template_csv",
    "template_rows",
    "template_xlsx",
    "validate_upload",
]
