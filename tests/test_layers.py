"""The package's shape: imports flow one way, no cycles, no private names across modules.

The layers contract itself lives in ``pyproject.toml`` (``[tool.importlinter]``) and is run
by ``lint-imports`` in ``.ci/run``; these tests run the same contract from the README's test
command, show that it catches a violation, and check what import-linter does not: cycles
inside a layer, imports of private names, and dynamic imports that hide an arrow.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mmm"
#: the one deliberate reach upward, by name at first use: `mmm.model.MediaMixModel` (0.1's
#: path), a deprecation shim that warns and hands out mmm.analysis.fit.MediaMixModel
DYNAMIC_IMPORTS_ALLOWED = {("mmm/model/__init__.py", "mmm.analysis.fit")}


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(exe), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )


def test_layers_contract_is_kept() -> None:
    run = _lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 kept, 0 broken" in run.stdout


def test_layers_contract_fails_on_an_upward_import(tmp_path: Path) -> None:
    """A data-layer module importing the report must break the contract."""
    shutil.copytree(PACKAGE, tmp_path / "mmm", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "mmm" / "data" / "upward.py").write_text(
        "from mmm.present import text\n", encoding="utf-8"
    )
    run = _lint_imports(tmp_path)
    assert run.returncode != 0
    assert "BROKEN" in run.stdout and "mmm.data.upward -> mmm.present.text" in run.stdout


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.find_modules_directly_imported_by(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for m in sorted(graph.modules):
        if m not in index:
            visit(m)
    return out


def test_no_import_cycles_counting_imports_inside_functions() -> None:
    graph = grimp.build_graph("mmm", exclude_type_checking_imports=True)
    assert _cycles(graph) == []


def _is_module(dotted: str) -> bool:
    p = ROOT.joinpath(*dotted.split("."))
    return p.with_suffix(".py").exists() or (p / "__init__.py").exists()


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_imports_a_private_name_of_another() -> None:
    bad = []
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.module):
                continue
            if node.module.split(".")[0] != "mmm":
                continue
            for alias in node.names:
                name = alias.name
                private = name.startswith("_") and not name.startswith("__")
                if private and not _is_module(f"{node.module}.{name}"):
                    bad.append(f"{rel}:{node.lineno} imports {name} from {node.module}")
    assert bad == []


def test_dynamic_imports_are_only_the_documented_shim() -> None:
    """``importlib.import_module("mmm…")`` would hide an arrow from the contract."""
    found = set()
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        if rel in ("mmm/__init__.py", "mmm/_moved.py"):  # the root: above every layer
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add((rel, node.args[0].value))
    assert found == DYNAMIC_IMPORTS_ALLOWED


@pytest.mark.parametrize(
    ("old", "name"),
    [("mmm.io", "load"), ("mmm.spec", "ModelSpec"), ("mmm.optimize", "optimize_budget")],
)
def test_old_module_paths_still_import_with_a_deprecation_warning(old: str, name: str) -> None:
    code = (
        "import warnings, importlib\n"
        "warnings.simplefilter('error', DeprecationWarning)\n"
        "import mmm\n"
        "try:\n"
        f"    importlib.import_module({old!r})\n"
        "except DeprecationWarning as w:\n"
        "    print('warned:', w)\n"
        "warnings.simplefilter('ignore')\n"
        f"print(hasattr(importlib.import_module({old!r}), {name!r}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert "moved to mmm." in out and out.strip().endswith("True")


def test_model_media_mix_model_shim_warns_and_works() -> None:
    import mmm
    import mmm.model

    with pytest.warns(DeprecationWarning, match="from mmm import MediaMixModel"):
        cls = mmm.model.MediaMixModel
    assert cls is mmm.MediaMixModel


def test_modules_stay_small() -> None:
    sizes = {
        p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in _sources()
    }
    assert {k: v for k, v in sizes.items() if v > 800} == {}
