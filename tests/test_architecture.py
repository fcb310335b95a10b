"""Issue 15: the architecture the docs describe is the one the code has. Beside the
import-linter contracts in pyproject.toml (`make test` runs `lint-imports`: the layers of
docs/architecture.md and no cycles between the apps), these read the source:

- no app imports another app's private (`_name`) function or class;
- no import of another part of Hemma hides inside a function (the old way to dodge a
  cycle), except where the reason is written below;
- no module in hemma/ is longer than 400 lines unless its docstring says why
  ("Long module: …").
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEMMA = ROOT / "hemma"
MAX_LINES = 400

# Function-level imports of another part of Hemma that are not there to dodge a cycle.
ALLOWED_FUNCTION_IMPORTS = {
    # The `hemma` command imports a tool's modules only when that tool runs: `hemma pnr`
    # should not wait a second for PyVRP to load.
    "hemma/cli.py",
}


def _modules():
    for path in sorted(HEMMA.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        yield path, ast.parse(path.read_text(), filename=str(path))


def _part(path: Path) -> str:
    """The app (or top-level module) a file belongs to: hemma/<part>/…"""
    relative = path.relative_to(HEMMA)
    return relative.parts[0].removesuffix(".py")


def _imported_part(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "hemma" and len(parts) > 1 else None


def test_no_app_imports_a_private_name_of_another():
    found = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                target = _imported_part(node.module)
                if target is None or target == _part(path):
                    continue
                found += [
                    f"{path.relative_to(ROOT)}: {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_")
                ]
    assert found == []


def _in_ready(function: ast.AST, path: Path) -> bool:
    """AppConfig.ready() registers the app's hooks once the apps are loaded: Django's
    pattern (apps.py may not import models at module level)."""
    return path.name == "apps.py" and getattr(function, "name", "") == "ready"


def test_no_import_of_another_part_hides_in_a_function():
    found = []
    for path, tree in _modules():
        if str(path.relative_to(ROOT)) in ALLOWED_FUNCTION_IMPORTS:
            continue
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    target = _imported_part(node.module)
                elif isinstance(node, ast.Import):
                    target = next(
                        (_imported_part(a.name) for a in node.names if _imported_part(a.name)),
                        None,
                    )
                else:
                    continue
                if target is None or target == _part(path) or _in_ready(function, path):
                    continue
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports hemma.{target}")
    assert found == []


def test_a_module_over_400_lines_says_why():
    unexplained = []
    for path, tree in _modules():
        lines = len(path.read_text().splitlines())
        if lines <= MAX_LINES:
            continue
        docstring = ast.get_docstring(tree) or ""
        if "Long module:" not in docstring:
            unexplained.append(f"{path.relative_to(ROOT)} ({lines} lines)")
    assert unexplained == []


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from hemma.episodes.services import _log\n", "private"),
        ("def f():\n    from hemma.careplans.models import Agreement\n", "function"),
    ],
)
def test_the_checks_catch_what_they_look_for(tmp_path, monkeypatch, source, expected):
    """The scans above would pass on an empty tree; a planted violation must be found."""
    fake = tmp_path / "hemma"
    (fake / "monitoring").mkdir(parents=True)
    (fake / "monitoring" / "planted.py").write_text(source)
    monkeypatch.setattr(sys.modules[__name__], "HEMMA", fake)
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    check = (
        test_no_app_imports_a_private_name_of_another
        if expected == "private"
        else test_no_import_of_another_part_hides_in_a_function
    )
    with pytest.raises(AssertionError):
        check()


def test_the_import_contracts_hold():
    """The same check `make test` runs first, here so a plain pytest run sees it too."""
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "2 kept, 0 broken" in result.stdout
