"""The layering of shared/style-anchors.md "Proposed layout", kept true by reading imports.

Each module of the package may import only the package modules listed for it below.
Imports under ``if TYPE_CHECKING:`` are ignored (they never run); imports inside functions
count (a lazy import is still a dependency). Modules the proposal does not name are placed
at the layer their job puts them in, with the reason next to the entry. A new module
fails ``test_every_module_has_a_place`` until it is given a row here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import prime_magics

PACKAGE = Path(prime_magics.__file__).parent
SUBPACKAGES = (
    "magics",
    "widgets",
    "sandbox",
    "rentals",
)  # a subpackage is one unit; its modules peers

# The public plain-Python API the upper layers (magics, widgets, df.prime) build on.
PLAIN_API = {"api", "config", "errors", "frames", "models", "offers", "pricing", "provisioning"}
PLAIN_API |= {"lifecycle", "spend", "rentals", "inputs"}
PLAIN_API |= {"watch", "watch_match", "watch_state", "watch_share", "history", "rent_first"}

ALLOWED: dict[str, set[str]] = {
    "errors": set(),  # → stdlib only
    "config": {"errors"},
    "models": {"errors"},
    # reading answers into models, leniently: just above the models
    "responses": {"models", "errors", "config"},  # config: scrub_secrets for its warnings
    # the one mapping offer JSON ↔ model ↔ frame row (reads JSON through responses)
    "offers": {"models", "responses", "errors"},
    # the only price arithmetic; a Quote's reprs (lazily) borrow the presentation layer's words
    "pricing": {"models", "offers", "errors", "_display", "inputs"},
    "frames": {"models", "offers", "pricing", "errors", "frame_view"},
    # how frames display (money as money, what matters first); words from _display
    "frame_view": {"_display"},
    # pods/disks/history frames: the same layer as frames
    "resource_frames": {"models", "pricing", "errors", "frame_view"},
    # what pod and disk statuses mean, and the one poll step
    "lifecycle": {"models", "errors"},
    # PodRequest/DiskRequest; they validate with pricing and take any offer shape (offers)
    "provisioning": {"config", "models", "offers", "pricing", "errors", "inputs"},
    # quote-locked rentals: the re-read offer checked against the request's cap (the
    # client's guard before a create); words from _display, numbers from pricing
    "price_lock": {"_display", "errors", "models", "pricing", "provisioning"},
    # the one owner of rentals, its store and its guard: over the API's resources (pods,
    # disks, and, for the guard process, the transport they run on), never the facade
    "rentals": {"rentals", "errors", "lifecycle", "models", "pricing", "_display_budget"}
    | {"_http", "_paging", "config", "pods", "disks", "inputs"},
    # the budget and the guard in words: the presentation layer's pieces, their sentences
    "_display_budget": {"_display"},
    "_display_guard": {"_display"},
    # the sweep frame and the burn rate: models and states in, pricing's numbers out,
    # deadlines from the rentals' records
    "spend": {"lifecycle", "models", "pricing", "rentals"},
    # the capacity watch: what it asks and how polls become events (prices from pricing,
    # words from _display, lazily in WatchEvent.__str__)
    "watch_match": {"_display", "errors", "inputs", "models", "pricing"},
    # the availability history: its own table in the local store
    "history": {"rentals"},
    # what a watch remembers between polls, and its frames (rows read back via offers)
    "watch_state": {"history", "models", "offers", "pricing", "watch_match"},
    # --rent-first: one quote-locked create through the watch's client, once per shape
    # on the machine (a claim in the rentals' store)
    "rent_first": {"errors", "models", "provisioning", "watch_match", "rentals"},
    # identical watches share one query: the last answer per client and filters
    "watch_share": {"errors", "models"},
    # the watch itself: polls through a client (type hints; the default one from api),
    # builds its frames with frames, writes the history
    "watch": {"_display", "api", "errors", "frames", "history", "models", "pricing"}
    | {"rent_first", "watch_match", "watch_share", "watch_state"},
    # the door every id and number passes: checks only, below the resources that use it
    "inputs": {"errors"},
    "_http": {"config", "errors"},
    "_paging": {"errors"},  # concurrent pages for the client
    # the strict bulk decoder of availability pages (msgspec structs): nothing below it
    "_wire": set(),
    # page counts remembered on disk across processes (~/.prime): stdlib only
    "page_counts": set(),
    # the resources' shared base (listing, create-once) and the resources themselves:
    # they return models, never DataFrames
    "_resource": {"_http", "_paging", "config", "errors", "models", "responses"},
    "availability": {"_http", "_paging", "_resource", "config", "errors", "models"}
    | {"responses", "_wire"},
    "pods": {"_resource", "errors", "inputs", "lifecycle", "models", "provisioning"}
    | {"responses"},
    "disks": {"_resource", "errors", "inputs", "lifecycle", "models", "provisioning"},
    "account": {"_resource", "errors", "inputs", "models", "responses"},
    # + frames/resource_frames: design.md's contract has Client.availability() etc. return
    # DataFrames; the resources return models and the facade builds the frames
    "client": {"_http", "_paging", "config", "errors", "models", "frames", "lifecycle"}
    | {"resource_frames", "provisioning", "availability", "pods", "disks", "account"}
    | {"price_lock", "spend", "frame_view", "pricing", "page_counts", "rentals"},
    # + models/provisioning/errors for pm.create_pod(PodRequest); sandbox for use_sandbox()
    "api": {"client", "frames", "config", "errors", "models", "provisioning", "sandbox"}
    | {"pricing", "watch"},  # pm.quote, pm.watch: loaded on first use
    "_display": {"config", "errors"},
    # df.prime (the proposal's "stateless df.prime" in frames); opens a ProvisionForm lazily
    "accessor": {"frames", "models", "offers", "pricing", "provisioning", "errors", "widgets"},
    # magics and widgets are peers over the plain API; never the transport or the client
    # internals (the client only for type hints, under TYPE_CHECKING)
    "magics": PLAIN_API | {"_display", "_display_budget", "_display_guard", "magics", "widgets"},
    "widgets": PLAIN_API | {"_display", "_display_budget", "widgets"},
    # imports nothing from the package, so a shared-model bug cannot hide from the tests
    "sandbox": {"sandbox"},
    # the public names; magics and widgets only lazily (load_ipython_extension, __getattr__)
    "__init__": PLAIN_API | {"accessor", "client", "magics", "widgets"},
}

# Third-party packages a unit must not import (the heavy or layer-specific ones).
UI = {"IPython", "ipywidgets", "traitlets", "matplotlib"}
SERVER = {"fastapi", "uvicorn", "starlette"}
FORBIDDEN_THIRD_PARTY: dict[str, set[str]] = {
    unit: UI | SERVER
    for unit in ALLOWED
    if unit not in {"magics", "widgets", "sandbox", "accessor", "__init__"}
}
FORBIDDEN_THIRD_PARTY.update(
    {
        "errors": UI | SERVER | {"httpx", "pandas", "numpy", "pydantic"},
        "pricing": UI | SERVER | {"httpx"},
        "frames": UI | SERVER | {"httpx"},
        "models": UI | SERVER | {"httpx"},
        "magics": SERVER | {"httpx"},
        "widgets": SERVER | {"httpx", "IPython.core.magic"},
        "accessor": SERVER | {"httpx"},
        "sandbox": UI,
        "__init__": UI | SERVER | {"httpx"},
    }
)


def unit_of(module: str) -> str:
    """``prime_magics.magics._cli`` → ``magics``; ``prime_magics.frames`` → ``frames``."""
    parts = module.split(".")[1:]
    if not parts:
        return "__init__"
    return parts[0]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def is_module(dotted: str) -> bool:
    base = PACKAGE.parent / Path(*dotted.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(path: Path) -> set[str]:
    """Every dotted name the module imports at run time (TYPE_CHECKING blocks skipped)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
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
        for inner in ast.iter_child_nodes(node):
            visit(inner)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return found


def package_imports(path: Path) -> set[str]:
    """The package units a module imports, itself and the bare package root excluded."""
    own = module_name(path)
    units = set()
    for name in runtime_imports(path):
        if name == "prime_magics" and own != "prime_magics":
            units.add("prime_magics (the package root)")  # importing the root from inside
        elif name.startswith("prime_magics.") and name != own:
            units.add(unit_of(name))
    return units


MODULES = sorted(PACKAGE.rglob("*.py"))


def ids(path: Path) -> str:
    return module_name(path)


@pytest.mark.parametrize("path", MODULES, ids=ids)
def test_every_module_has_a_place(path):
    unit = unit_of(module_name(path))
    assert unit in ALLOWED, f"{module_name(path)}: add '{unit}' to ALLOWED in test_layering.py"


@pytest.mark.parametrize("path", MODULES, ids=ids)
def test_imports_follow_the_layering(path):
    unit = unit_of(module_name(path))
    if unit not in ALLOWED:
        pytest.skip("not placed yet (see test_every_module_has_a_place)")
    own = unit if unit in SUBPACKAGES else None
    extra = package_imports(path) - ALLOWED[unit] - {own}
    assert not extra, f"{module_name(path)} may not import {sorted(extra)}"


@pytest.mark.parametrize("path", MODULES, ids=ids)
def test_no_forbidden_third_party_imports(path):
    unit = unit_of(module_name(path))
    banned = FORBIDDEN_THIRD_PARTY.get(unit, set())
    bad = {
        name
        for name in runtime_imports(path)
        for ban in banned
        if name == ban or name.startswith(ban + ".")
    }
    assert not bad, f"{module_name(path)} may not import {sorted(bad)}"


def test_the_table_is_acyclic():
    """The allowed table itself must be a layering: no unit may reach back to itself."""
    graph = {unit: deps - {unit} for unit, deps in ALLOWED.items()}

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        for dep in graph.get(start, set()):
            if dep == target or (dep not in seen and reaches(dep, target, seen | {dep})):
                return True
        return False

    # api ↔ sandbox and accessor → widgets → api are lazy edges; only check the core
    core = {"errors", "config", "models", "pricing", "frames", "_http", "_paging", "client"}
    assert not [unit for unit in core if reaches(unit, unit, set())]


def test_the_reader_sees_what_it_should():
    """Guard the guard: the import reader resolves relative and lazy imports and skips
    TYPE_CHECKING blocks."""
    assert {"config", "errors"} <= package_imports(PACKAGE / "_http.py")
    assert "httpx" in runtime_imports(PACKAGE / "_http.py")
    assert package_imports(PACKAGE / "errors.py") == set()
    api = package_imports(PACKAGE / "api.py")
    assert "client" in api and "sandbox" in api  # use_sandbox() imports it lazily
    init = package_imports(PACKAGE / "__init__.py")
    assert "magics" in init  # inside load_ipython_extension
