"""The layout of docs/architecture.md, kept true by reading every module's imports.

The table in docs/architecture.md is the one statement of the layers: each row is a unit
(a module, a package, or a module of a package named on its own row) and what it may
import. These tests read that table, then every module of the package, counting every
import: top level, inside functions and under ``if TYPE_CHECKING:`` (a type hint is a
dependency a reader follows too). A new module fails ``test_every_module_has_a_place``
until its unit has a row; an import circle anywhere fails ``test_no_import_circle``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import prime_magics

PACKAGE = Path(prime_magics.__file__).parent
ARCHITECTURE = PACKAGE.parent / "docs" / "architecture.md"
ROW = re.compile(r"^\| (\d+) \| `([\w.]+)` \| [^|]+ \| ([^|]+) \|$", re.M)


def read_table() -> tuple[dict[str, set[str]], dict[str, int]]:
    """``{unit: what it may import}`` and ``{unit: its layer}`` from the document."""
    allowed: dict[str, set[str]] = {}
    layers: dict[str, int] = {}
    for layer, unit, imports in ROW.findall(ARCHITECTURE.read_text(encoding="utf-8")):
        names = set(re.findall(r"`([\w.]+)`", imports))
        allowed[unit], layers[unit] = names, int(layer)
    return allowed, layers


ALLOWED, LAYERS = read_table()
SPECIFIC = sorted((u for u in ALLOWED if "." in u), key=len, reverse=True)

# Third-party packages a unit must not import (the heavy or layer-specific ones).
UI = {"IPython", "ipywidgets", "traitlets", "matplotlib"}
SERVER = {"fastapi", "uvicorn", "starlette"}
FACE = {"magics", "widgets", "frames.accessor", "__init__"}
FORBIDDEN_THIRD_PARTY: dict[str, set[str]] = {
    unit: UI | SERVER for unit in ALLOWED if unit not in FACE | {"sandbox"}
}
FORBIDDEN_THIRD_PARTY.update(
    {
        "errors": UI | SERVER | {"httpx", "pandas", "numpy", "pydantic"},
        "display.primitives": UI | SERVER | {"httpx", "pandas", "numpy", "pydantic"},
        "magics": SERVER | {"httpx"},
        "widgets": SERVER | {"httpx", "IPython.core.magic"},
        "frames.accessor": SERVER | {"httpx"},
        "sandbox": UI,
        "__init__": UI | SERVER | {"httpx"},
    }
)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def unit_of(module: str) -> str:
    """``prime_magics.display.primitives`` → its own row; ``prime_magics.frames.sweep`` →
    ``frames``; ``prime_magics`` → ``__init__``."""
    parts = module.split(".")[1:]
    if not parts:
        return "__init__"
    dotted = ".".join(parts)
    for unit in SPECIFIC:
        if dotted == unit or dotted.startswith(unit + "."):
            return unit
    return parts[0]


def is_module(dotted: str) -> bool:
    base = PACKAGE.parent / Path(*dotted.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def imports(path: Path) -> set[str]:
    """Every dotted name the module imports, wherever the import statement is."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:  # `from . import api` imports the module api
                dotted = f"{source}.{alias.name}"
                found.add(dotted if is_module(dotted) else source)
    return found


def package_imports(path: Path) -> set[str]:
    """The units a module imports from the package (its own unit and the root excluded)."""
    own = module_name(path)
    return {
        unit_of(name)
        for name in imports(path)
        if name.startswith("prime_magics.") and name != own and is_module(name)
    }


MODULES = sorted(PACKAGE.rglob("*.py"))


def ids(path: Path) -> str:
    return module_name(path)


@pytest.mark.parametrize("path", MODULES, ids=ids)
def test_every_module_has_a_place(path: Path) -> None:
    unit = unit_of(module_name(path))
    assert unit in ALLOWED, f"{module_name(path)}: give '{unit}' a row in docs/architecture.md"


@pytest.mark.parametrize("path", MODULES, ids=ids)
def test_imports_follow_the_layering(path: Path) -> None:
    unit = unit_of(module_name(path))
    extra = package_imports(path) - ALLOWED.get(unit, set()) - {unit}
    assert not extra, f"{module_name(path)} ({unit}) may not import {sorted(extra)}"


@pytest.mark.parametrize("path", MODULES, ids=ids)
def test_no_forbidden_third_party_imports(path: Path) -> None:
    unit = unit_of(module_name(path))
    banned = FORBIDDEN_THIRD_PARTY.get(unit, set())
    bad = {n for n in imports(path) for ban in banned if n == ban or n.startswith(ban + ".")}
    assert not bad, f"{module_name(path)} may not import {sorted(bad)}"


def test_every_arrow_points_down_the_table() -> None:
    """The table is a layering: a unit imports only units of lower layers."""
    up = {
        (unit, dep)
        for unit, deps in ALLOWED.items()
        for dep in deps
        if dep not in LAYERS or LAYERS[dep] >= LAYERS[unit]
    }
    assert not up, f"imports that do not point down a layer: {sorted(up)}"


def test_no_import_circle() -> None:
    """No set of modules reaches each other through imports (TYPE_CHECKING included),
    counted as ``../shared/tools/import_circles.py`` counts them."""
    names = {module_name(p): p for p in MODULES}
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        targets = set()
        for dotted in imports(path):
            while dotted and dotted not in names:  # `from pkg.mod import Name` → pkg.mod
                dotted = dotted.rpartition(".")[0]
            if dotted and dotted != name:
                targets.add(dotted)
        graph[name] = targets
    circles = strongly_connected(graph)
    assert not circles, "import circles: " + "; ".join(" <-> ".join(c) for c in circles)


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """The components of more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, set())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_reader_and_the_circle_finder_can_fail() -> None:
    """Guard the guards: relative, lazy and TYPE_CHECKING imports are read, and a circle
    is found."""
    assert {"config", "errors"} <= package_imports(PACKAGE / "transport" / "http.py")
    assert "httpx" in imports(PACKAGE / "transport" / "http.py")
    assert package_imports(PACKAGE / "errors.py") == set()
    assert "sandbox" in package_imports(PACKAGE / "api.py")  # use_sandbox(): lazily
    assert "magics" in package_imports(PACKAGE / "__init__.py")  # load_ipython_extension
    assert "client" in package_imports(PACKAGE / "capacity" / "share.py")  # TYPE_CHECKING
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert len(ALLOWED) >= 20 and "rentals" in ALLOWED  # the table was read
