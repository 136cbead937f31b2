"""Dependency direction (DESIGN.md "Layers", STYLE.md §1): core imports neither Qt nor httpx nor FastAPI; sync
imports neither Qt nor app; the hub (sync/hub/) imports core only, never the station side of sync (sync/*.py
outside sync/hub/), and the station side never loads FastAPI, Starlette or uvicorn. Every module of the
package is imported in a fresh interpreter and the loaded modules are checked."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = r"""
import importlib, json, pkgutil, sys
pkg = importlib.import_module(sys.argv[1])
skip = sys.argv[2] if len(sys.argv) > 2 else None  # a subpackage left out (e.g. sync.hub for the station side)

def walk(path, prefix):
    for info in pkgutil.iter_modules(path, prefix):
        if ".migrations" in info.name:  # Alembic scripts run inside Alembic, not as imports
            continue
        if skip and (info.name == skip or info.name.startswith(skip + ".")):
            continue
        module = importlib.import_module(info.name)
        yield info.name
        if info.ispkg:
            yield from walk(module.__path__, info.name + ".")

names = [pkg.__name__] + list(walk(pkg.__path__, pkg.__name__ + "."))
roots = sorted({m.split(".")[0] for m in sys.modules})
print(json.dumps({"imported": names, "roots": roots, "modules": sorted(sys.modules)}))
"""


def _loaded(package: str, skip: str | None = None) -> dict:
    args = [sys.executable, "-c", PROBE, package] + ([skip] if skip else [])
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("package, forbidden, expected", [
    ("core", {"PySide6", "shiboken6", "httpx", "fastapi", "starlette", "uvicorn", "app", "sync"}, "sqlalchemy"),
    ("sync", {"PySide6", "shiboken6", "app"}, "httpx"),
])
def test_layer_imports_nothing_above_it(package, forbidden, expected):
    """Import every module of `package` in a subprocess; none of the forbidden top-level packages is loaded.
    `expected` (a library the layer does use) proves the probe sees what was loaded."""
    result = _loaded(package)
    assert len(result["imported"]) > 1, "the probe imported no module"
    assert expected in result["roots"]
    assert not forbidden & set(result["roots"]), sorted(forbidden & set(result["roots"]))


def _station_side(module: str) -> bool:
    """True for a module of the station side of sync (sync/*.py outside sync/hub/)."""
    return module.startswith("sync.") and not (module == "sync.hub" or module.startswith("sync.hub."))


def test_the_hub_imports_core_only_never_the_station_side_of_sync():
    """sync/hub/ → core (plus FastAPI, uvicorn, SQLAlchemy, stdlib): no station-side sync module, no httpx,
    no Qt, no app is loaded by importing every module of the hub (DESIGN.md "Layers")."""
    result = _loaded("sync.hub")
    assert len(result["imported"]) > 5 and "fastapi" in result["roots"] and "core" in result["roots"]
    station = [m for m in result["modules"] if _station_side(m)]
    assert not station, station
    forbidden = {"PySide6", "shiboken6", "httpx", "app"} & set(result["roots"])
    assert not forbidden, sorted(forbidden)


def test_the_station_side_of_sync_never_loads_the_web_server():
    """Importing every station-side sync module loads neither FastAPI, Starlette, uvicorn nor the hub."""
    result = _loaded("sync", skip="sync.hub")
    assert any(_station_side(m) for m in result["imported"]) and "httpx" in result["roots"]
    assert not {"fastapi", "starlette", "uvicorn"} & set(result["roots"])
    assert not [m for m in result["modules"] if m.startswith("sync.hub")]
