"""app.gc_guard: automatic gc is off; the GUI-thread timer collects the generations that are due."""
import gc

from app.gc_guard import GarbageCollector


def test_guard_disables_automatic_gc_and_its_timer_runs(qapp):
    collector = qapp.tessera_gc if hasattr(qapp, "tessera_gc") else GarbageCollector(qapp)
    assert not gc.isenabled()
    assert collector.timer.isActive()


def test_check_collects_the_generations_that_are_due(qapp, monkeypatch):
    collector = qapp.tessera_gc if hasattr(qapp, "tessera_gc") else GarbageCollector(qapp)
    t0, t1, t2 = collector.threshold
    calls = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: calls.append(generation) or 0)
    for counts, expected in (((t0, 0, 0), []), ((t0 + 1, 0, 0), [0]), ((t0 + 1, t1 + 1, 0), [0, 1]),
                             ((t0 + 1, t1 + 1, t2 + 1), [0, 1, 2])):
        calls.clear()
        monkeypatch.setattr(gc, "get_count", lambda counts=counts: counts)
        collector.check()
        assert calls == expected, counts
