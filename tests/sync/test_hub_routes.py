"""The hub's routes are declared once, in sync.hub.routes.ROUTES: every route of the app comes from the table,
plain mode drops exactly the extensions, and no hub module registers a route by hand."""
from __future__ import annotations

from pathlib import Path

import pytest
from starlette.routing import Route as StarletteRoute

import sync.hub as hub_package
from core.db import Ledger
from sync.hub.app import create_app
from sync.hub.routes import ROUTES, Route


def served(app) -> list[tuple[str, str]]:
    """(method, path) of every route the app answers (HEAD aside)."""
    out = []
    for route in app.routes:
        assert isinstance(route, StarletteRoute), f"route not from the table: {route!r}"
        out += [(m, route.path) for m in sorted(route.methods - {"HEAD"})]
    return out


@pytest.mark.parametrize("plain", [False, True])
def test_every_route_of_the_app_comes_from_the_table(tmp_path, plain):
    ledger = Ledger.open(tmp_path / "hub.db")
    try:
        app = create_app(ledger, plain=plain)
        expected = [(r.method, r.path) for r in ROUTES if not (plain and r.extension)]
        assert served(app) == expected
    finally:
        ledger.close()


def test_the_table_is_complete_and_unique():
    keys = [(r.method, r.path) for r in ROUTES]
    assert len(keys) == len(set(keys)) == 36
    assert {r.path for r in ROUTES if r.extension} == {"/tessera/v1/discovery", "/tessera/v1/changes",
                                                       "/tessera/v1/checkins", "/tessera/v1/orders",
                                                       "/tessera/v1/events/{eventId}/orders/{orderNumber}/cancel",
                                                       "/tessera/v1/entrances", "/tessera/v1/entrances/{entranceId}",
                                                       "/tessera/v1/leases", "/tessera/v1/leases/release",
                                                       "/tessera/v1/leases/block"}
    for r in ROUTES:
        assert isinstance(r, Route) and r.method in {"GET", "POST", "PUT", "PATCH", "DELETE"}
        assert callable(r.call) and r.permission and r.summary
        assert r.write == (r.method != "GET" and not r.path.endswith("/query")), r.path
        assert (r.body is None) == (r.method in {"GET", "DELETE"}), r.path


def test_no_hub_module_registers_routes_by_hand():
    for path in sorted(Path(hub_package.__file__).parent.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        assert "APIRouter" not in source and "@router." not in source, path.name
        if path.name != "routes.py":
            assert "add_api_route" not in source, path.name
