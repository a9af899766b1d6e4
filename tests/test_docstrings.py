"""Public functions and methods carry numpydoc ``Parameters`` and ``Returns`` sections."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import vtract

#: modules whose docstrings are being rewritten on other branches (drop once merged)
PENDING = ("vtract.acoustics", "vtract.measures", "vtract.phantom", "vtract.sync", "vtract.tube",
           "vtract.report", "vtract.synth")


def _public_modules() -> list[str]:
    names = ["vtract"]
    for m in pkgutil.walk_packages(vtract.__path__, "vtract."):
        if not any(part.startswith("_") for part in m.name.split(".")[1:]):
            names.append(m.name)
    return [n for n in names if not n.startswith(PENDING)]


def _callables():
    seen = set()
    for mod_name in _public_modules():
        mod = importlib.import_module(mod_name)
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name, None)
            if obj is None or id(obj) in seen or not getattr(obj, "__module__", "").startswith("vtract"):
                continue
            if getattr(obj, "__module__", "").startswith(PENDING):
                continue
            seen.add(id(obj))
            if inspect.isfunction(obj):
                yield f"{obj.__module__}.{name}", obj
            elif inspect.isclass(obj):
                for attr, value in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    if isinstance(value, staticmethod | classmethod):
                        value = value.__func__
                    if inspect.isfunction(value):
                        yield f"{obj.__module__}.{name}.{attr}", value


def _missing(func) -> list[str]:
    doc = inspect.getdoc(func) or ""
    sig = inspect.signature(func)
    params = [p for p in sig.parameters.values() if p.name not in ("self", "cls")
              and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    out = []
    if params and "Parameters\n----------" not in doc:
        out.append("Parameters")
    if sig.return_annotation not in (inspect.Signature.empty, None, "None") \
            and "Returns\n-------" not in doc and "Yields\n------" not in doc:
        out.append("Returns")
    return out


def test_public_api_is_found():
    names = {q for q, _ in _callables()}
    assert "vtract.results.load_result" in names and "vtract.clock.Clock.frame_to_audio_time" in names


@pytest.mark.parametrize("qualname, func", list(_callables()), ids=lambda x: x if isinstance(x, str) else "")
def test_numpydoc_sections(qualname, func):
    assert not _missing(func), f"{qualname}: docstring lacks {_missing(func)}"
