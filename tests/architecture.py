"""An import-linter contract type: no module uses another top-level package's private names.

Python's rule is a convention: a leading underscore marks a name as its module's own. An app that
reaches into another app's ``_helpers`` couples itself to what the other may change without a
word, which is how a general spreadsheet reader once lived as private names of the registry
import. import-linter's graph knows which modules import which, not which names; this contract
reads each module's syntax tree for the two ways in: ``from other import _name`` and
``other._name`` where ``other`` was imported from another package.
"""

import ast
import importlib.util
from pathlib import Path

from importlinter import Contract, ContractCheck, fields, output


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _source(module: str) -> Path | None:
    """The module's file, found without importing it (a package may need Django's apps)."""
    top, *rest = module.split(".")
    spec = importlib.util.find_spec(top)
    if spec is None or not spec.submodule_search_locations:
        return None
    base = Path(next(iter(spec.submodule_search_locations))).joinpath(*rest)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _violations(module: str, roots: set[str]) -> list[tuple[int, str]]:
    path = _source(module)
    if path is None:
        return []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    own = module.split(".")[0]
    foreign: dict[str, str] = {}  # local name -> the other package's dotted name it stands for
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top in roots and top != own:
                    foreign[alias.asname or top] = (alias.asname and alias.name) or top
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            top = node.module.split(".")[0]
            if top not in roots or top == own:
                continue
            for alias in node.names:
                if _private(alias.name):
                    found.append((node.lineno, f"{node.module}.{alias.name}"))
                foreign[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in foreign
            and _private(node.attr)
        ):
            found.append((node.lineno, f"{foreign[node.value.id]}.{node.attr}"))
    return sorted(set(found))


class PrivateNamesContract(Contract):
    """Modules of ``source_modules`` (and below) use no private name of another root package."""

    source_modules = fields.ListField(subfield=fields.ModuleField())
    ignore_modules = fields.ListField(subfield=fields.StringField(), required=False, default=[])

    def check(self, graph, verbose: bool) -> ContractCheck:
        roots = {m.name.split(".")[0] for m in self.source_modules}
        roots |= set(self.session_options.get("root_packages", []))
        broken: list[tuple[str, int, str]] = []
        for source in self.source_modules:
            for module in sorted(graph.find_descendants(source.name) | {source.name}):
                if any(part in self.ignore_modules for part in module.split(".")):
                    continue
                for line, name in _violations(module, roots):
                    broken.append((module, line, name))
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for module, line, name in check.metadata["broken"]:
            output.print_error(f"{module} (l.{line}) uses the private name {name}", bold=False)
            output.new_line()
