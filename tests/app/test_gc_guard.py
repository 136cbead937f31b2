"""app.gc_guard: automatic gc off, cycles still collected on the GUI thread by the timer."""
import gc
import weakref

from app.gc_guard import GarbageCollector


class Node:
    pass


def test_cycles_are_collected_by_the_gui_thread_timer(qtbot, qapp):
    collector = qapp.tessera_gc if hasattr(qapp, "tessera_gc") else GarbageCollector(qapp)
    assert not gc.isenabled()
    a, b = Node(), Node()
    a.other, b.other = b, a
    ref = weakref.ref(a)
    del a, b
    keep = [[] for _ in range(collector.threshold[0] + 10)]  # live allocations make generation 0 due
    qtbot.waitUntil(lambda: ref() is None, timeout=3000)
    assert len(keep) > collector.threshold[0]
