"""Each pytest-xdist process takes the Redis database after the one before it."""

import pytest

from tests.xdist_services import _shifted


@pytest.mark.parametrize(
    ("url", "by", "expected"),
    [
        ("redis://127.0.0.1:6379/5", 0, "redis://127.0.0.1:6379/5"),
        ("redis://127.0.0.1:6379/5", 1, "redis://127.0.0.1:6379/6"),
        ("redis://127.0.0.1:6379", 1, "redis://127.0.0.1:6379/1"),
        (
            "redis://:secret@cache:6380/2?ssl_cert_reqs=none",
            3,
            "redis://:secret@cache:6380/5?ssl_cert_reqs=none",
        ),
    ],
)
def test_a_process_gets_the_database_number_after_the_previous_one(url, by, expected):
    assert _shifted(url, by) == expected
