"""The public surface: a sorted ``__all__`` naming exactly the public names, and an import
that stays light (no widgets, web server or plotting until they are asked for)."""

from __future__ import annotations

import json
import subprocess
import sys
import types

import pytest

import prime_magics as pm

CONTRACT_NAMES = {
    # design.md "Public Python API": tests and outside checks call these names
    "Client",
    "quote",
    "Quote",
    "availability",
    "disk_availability",
    "gpu_types",
    "ConfigurationError",
    "PrimeError",
    "load_ipython_extension",
}


def public_names(module: types.ModuleType) -> set[str]:
    """What the module offers: not private, not a submodule, not a __future__ feature."""
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"
        and not (hasattr(value, "__module__") and value.__module__ == "typing")
    }


def test_all_is_sorted_and_unique():
    assert list(pm.__all__) == sorted(pm.__all__)
    assert len(set(pm.__all__)) == len(pm.__all__)


def lazy_names() -> set[str]:
    """Names in ``__all__`` served by the module's ``__getattr__`` (the widget panels)."""
    return set(pm.__all__) - set(vars(pm))


def test_all_equals_the_public_names():
    assert set(pm.__all__) - lazy_names() == public_names(pm)


def test_only_classes_are_lazy():
    for name in lazy_names():
        assert name[0].isupper(), name  # panels, the client, models: not functions
    assert lazy_names() <= set(pm._WIDGETS) | set(pm._LAZY)  # the rest: loaded already


def test_lazy_exports_resolve_to_their_modules():
    code = (
        "import prime_magics as pm\n"
        f"for name in {sorted(lazy_names())!r}:\n"
        "    where = 'widgets' if name in pm._WIDGETS else pm._LAZY[name]\n"
        "    assert getattr(pm, name).__module__.startswith('prime_magics.' + where), name\n"
        "for name in ('availability', 'pods', 'disks'):\n"
        "    assert callable(getattr(pm, name)) and getattr(pm, name).__module__ == "
        "'prime_magics.api', name\n"
        "import prime_magics.transport.pods_api, prime_magics.transport.offers_api\n"
        "assert pm.pods.__module__ == 'prime_magics.api'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_contract_names_are_exported():
    missing = CONTRACT_NAMES - set(pm.__all__)
    assert not missing


def test_errors_module_all_is_the_error_tree():
    from prime_magics import errors

    assert list(errors.__all__) == sorted(errors.__all__)
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.PrimeError)
        assert getattr(pm, name) is getattr(errors, name)


HEAVY = ["ipywidgets", "fastapi", "uvicorn", "matplotlib", "starlette", "prime_magics.sandbox"]
HEAVY += ["prime_magics.magics", "prime_magics.widgets"]
HEAVY += ["pydantic", "httpx", "msgspec"]  # loaded with the client or the models (issue 14)


def test_importing_the_package_stays_light():
    code = (
        "import json, sys\n"
        "import prime_magics\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_version_is_exposed():
    assert isinstance(pm.__version__, str) and pm.__version__


def test_loading_the_extension_stays_light():
    """``%load_ext prime_magics`` imports the magics module only: the command tree, the
    models and the HTTP stack come with the first ``%prime`` (issue 14, goal 4)."""
    code = (
        "import json, sys\n"
        "from IPython.testing.globalipapp import get_ipython\n"
        "ip = get_ipython()\n"
        "ip.run_line_magic('load_ext', 'prime_magics')\n"
        "assert 'prime' in ip.magics_manager.magics['line']\n"
        "heavy = ['pydantic', 'httpx', 'msgspec', 'prime_magics.models', 'ipywidgets',\n"
        "         'prime_magics.magics._cli', 'prime_magics.client']\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


# -- what a notebook's completion offers -------------------------------------------------

LAZY_CLASSES = {"Client", "PodRequest", "Quote", "ProvisionForm"}
HELPERS = {"annotations", "Any", "api", "client", "config", "errors", "frames", "typing"}


def test_dir_is_exactly_the_public_names():
    """``dir(pm)`` is ``__all__``: the lazily served classes are in it although not loaded
    yet, and none of the module's own helpers (imports, submodules) are."""
    assert dir(pm) == sorted(pm.__all__)
    assert set(dir(pm)) >= LAZY_CLASSES
    assert not HELPERS & set(dir(pm))


def ipython_completions(text: str, *, jedi: bool) -> set[str]:
    """What IPython's completer offers after ``text`` in a shell where ``pm`` is imported."""
    from IPython.core.completer import provisionalcompleter
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    if InteractiveShell.initialized():
        shell = InteractiveShell.instance()
    else:
        config = Config()
        config.HistoryManager.hist_file = ":memory:"
        shell = InteractiveShell.instance(config=config)
    shell.user_ns["pm"] = pm
    completer, was = shell.Completer, shell.Completer.use_jedi
    completer.use_jedi = jedi
    try:
        with provisionalcompleter():
            found = list(completer.completions(text, len(text)))
    finally:
        completer.use_jedi = was
        del shell.user_ns["pm"]
    return {c.text.rpartition(".")[2] for c in found}


@pytest.mark.parametrize("jedi", [True, False], ids=["jedi", "plain"])
def test_ipython_completes_pm_dot_with_the_public_names(jedi: bool):
    """``pm.<TAB>`` in a notebook lists the public names, the lazy classes included, and
    nothing else (neither ``annotations`` nor ``Any`` nor a private module)."""
    offered = ipython_completions("pm.", jedi=jedi)
    assert offered >= LAZY_CLASSES
    assert offered == set(pm.__all__)
