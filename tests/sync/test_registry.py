"""sync.registry: every outbox kind core writes has a handler, every change type the hub sends has an
applier, and push/pull only dispatch through it (issue 7 item 7)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from core import outbox
from core.status import OutboxKind
from sync import registry
from sync.handler import Item, is_set
from sync.hub.changes import TYPES as HUB_CHANGE_TYPES

ROOT = Path(__file__).resolve().parents[2]


def test_every_outbox_kind_has_exactly_one_handler():
    assert set(registry.HANDLERS) == set(outbox.KINDS)
    claimed = [k for h in {id(h): h for h in registry.HANDLERS.values()}.values() for k in h.kinds]
    assert sorted(claimed) == sorted(outbox.KINDS)  # no kind claimed twice


def test_every_kind_core_enqueues_is_declared():
    """The literal kinds passed to outbox.enqueue in core are all in core.outbox.KINDS (so the test above
    covers what core really writes)."""
    found = set()
    for path in (ROOT / "core").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'enqueue\(\s*\w+,\s*"([a-z_.]+)"', text))
        found |= {getattr(OutboxKind, name) for name in re.findall(r'enqueue\(\s*\w+,\s*OutboxKind\.(\w+)', text)}
    assert found and found <= set(outbox.KINDS)
    assert set(outbox.CHECKIN_KINDS) <= set(outbox.KINDS)


def test_every_change_type_of_the_hub_has_an_applier():
    assert set(HUB_CHANGE_TYPES) == set(registry.PULL_APPLIERS)
    assert registry.applier_for("no.such.type") is None and registry.handler_for("no.such") is None


def test_checkin_batches_follow_outbox_order_and_event():
    class Disc:
        def __init__(self, ext):
            self.ext = ext

        def has(self, name):
            return self.ext

    class Ctx:
        def __init__(self, ext):
            self.discovery = Disc(ext)

    def item(i, kind, ev="e1"):
        return Item(i, kind, ev, f"T{i}", {}, f"k{i}", 0)
    items = [item(1, "checkin.create"), item(2, "checkin.delete"), item(3, "checkin.create", "e2"),
             item(4, "order.update")]
    handler = registry.handler_for("checkin.create")
    assert [i.id for i in handler.batch(items, 0, Ctx(True))] == [1, 2]
    assert [i.id for i in handler.batch(items, 0, Ctx(False))] == [1]  # plain server: one kind per call
    assert [i.id for i in registry.handler_for("order.update").batch(items, 3, Ctx(True))] == [4]


@pytest.mark.parametrize("token,expected", [(None, False), (type("E", (), {"is_set": lambda s: True})(), True),
                                            (type("C", (), {"cancelled": True})(), True)])
def test_cancel_tokens(token, expected):
    assert is_set(token) is expected


def test_no_import_inside_a_function_in_sync():
    """Issue 7: no function-level import in sync/ (outside sync/hub) that could hide a cycle; the only one left
    is the optional `keyring` in sync/station.py (a third-party package loaded when a key is stored)."""
    allowed = {("station.py", "keyring"), ("station.py", "keyring.backends")}
    offenders = []
    for path in sorted((ROOT / "sync").glob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            m = re.match(r"\s+(?:from\s+(\S+)\s+import|import\s+(\S+))", line)
            if m and (path.name, m.group(1) or m.group(2)) not in allowed:
                offenders.append(f"{path.name}: {line.strip()}")
    assert offenders == []


def _sync_imports() -> dict[str, set[str]]:
    """{module: sync modules it imports (anywhere in the file)} for the station side of sync."""
    import ast

    graph = {}
    for path in (ROOT / "sync").glob("*.py"):
        name = f"sync.{path.stem}"
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sync"):
                deps.add(node.module)
                deps |= {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name.startswith("sync")}
        graph[name] = deps
    return {m: {d for d in deps if d in graph} for m, deps in graph.items()}


def test_no_import_cycle_in_the_station_side_of_sync():
    """engine → push/pull → registry → handlers → (client, apply, core): never back."""
    graph = _sync_imports()
    seen, stack = set(), []

    def visit(module):
        if module in stack:
            raise AssertionError("cycle: " + " -> ".join(stack[stack.index(module):] + [module]))
        if module in seen:
            return
        stack.append(module)
        for dep in sorted(graph[module]):
            visit(dep)
        stack.pop()
        seen.add(module)
    for module in sorted(graph):
        visit(module)
    assert "sync.push" not in graph["sync.push_checkins"] | graph["sync.push_definitions"]
