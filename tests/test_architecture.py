"""The architecture's rules run in `make lint` (import-linter); this checks the one rule of our own
(tests/architecture.py) finds what it is meant to find, and that the contracts hold on the tree."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.architecture import _violations


@pytest.fixture
def two_apps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "first").mkdir()
    (tmp_path / "first" / "__init__.py").write_text("")
    (tmp_path / "first" / "tools.py").write_text("def _helper(): ...\ndef helper(): ...\n")
    (tmp_path / "second").mkdir()
    (tmp_path / "second" / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m.split(".")[0] in ("first", "second")]:
        monkeypatch.delitem(sys.modules, name)
    return tmp_path


def _check(root: Path, source: str) -> list[tuple[int, str]]:
    (root / "second" / "uses.py").write_text(source)
    sys.modules.pop("second.uses", None)
    return _violations("second.uses", {"first", "second"})


def test_a_private_name_of_another_package_is_found_both_ways(two_apps: Path) -> None:
    assert _check(two_apps, "from first.tools import _helper\n") == [(1, "first.tools._helper")]
    assert _check(two_apps, "from first import tools\n\ntools._helper()\n") == [
        (3, "first.tools._helper")
    ]
    assert _check(two_apps, "import first.tools as t\n\nt._helper()\n") == [
        (3, "first.tools._helper")
    ]


def test_public_names_dunders_and_the_package_s_own_private_names_pass(two_apps: Path) -> None:
    assert _check(two_apps, "from first import tools\n\ntools.helper()\ntools.__name__\n") == []
    (two_apps / "second" / "own.py").write_text("def _mine(): ...\n")
    assert _check(two_apps, "from second import own\n\nown._mine()\n") == []


def test_the_tree_keeps_every_contract() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports"))],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:]
