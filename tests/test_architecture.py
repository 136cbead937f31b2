"""Dependency direction (DESIGN.md "Layers", STYLE.md §1): core imports neither Qt nor httpx nor FastAPI; sync
imports neither Qt nor app. Every module of the package is imported in a fresh interpreter and the loaded
modules are checked."""
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
names = [pkg.__name__]
for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
    if ".migrations" in info.name:  # Alembic scripts run inside Alembic, not as imports
        continue
    importlib.import_module(info.name)
    names.append(info.name)
roots = sorted({m.split(".")[0] for m in sys.modules})
print(json.dumps({"imported": names, "roots": roots}))
"""


def _loaded(package: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE, package], cwd=ROOT, capture_output=True, text=True,
                          timeout=240)
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
