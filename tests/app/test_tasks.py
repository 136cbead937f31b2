"""run_in_background: results and errors come back on the GUI thread; the GUI never waits."""
from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, QTimer

from app import tasks
from core.errors import CurrencyLocked
from core.events import list_events


def test_result_is_delivered_on_the_gui_thread(qtbot):
    seen = {}

    def work():
        seen["worker"] = threading.current_thread() is threading.main_thread()
        return 41 + 1

    got = []
    tasks.run_in_background(work, lambda r: got.append((r, threading.current_thread() is threading.main_thread())))
    qtbot.waitUntil(lambda: bool(got), timeout=3000)
    assert got == [(42, True)] and seen["worker"] is False


def test_error_goes_to_on_error_with_the_exception(qtbot):
    errors = []
    tasks.run_in_background(lambda: (_ for _ in ()).throw(CurrencyLocked("locked")), lambda r: None, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=3000)
    assert isinstance(errors[0], CurrencyLocked) and tasks.error_message(errors[0]) == "locked"


def test_error_without_handler_goes_to_the_presenter(qtbot):
    presented = []
    tasks.set_error_presenter(lambda exc, parent: presented.append(tasks.error_message(exc)))
    try:
        tasks.run_in_background(lambda: 1 / 0)
        qtbot.waitUntil(lambda: bool(presented), timeout=3000)
    finally:
        tasks.set_error_presenter(None)
    assert presented == ["ZeroDivisionError: division by zero"]


def test_gui_keeps_running_while_a_task_blocks(qtbot):
    # The task blocks until the GUI thread's timer has fired 3 times: it can only end if the loop kept running.
    release, ticks = threading.Event(), []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(1) if len(ticks) < 3 else release.set())
    timer.start()
    tasks.run_in_background(lambda: release.wait(30))
    qtbot.waitUntil(lambda: tasks.in_flight() == 0, timeout=30000)
    timer.stop()
    assert release.is_set() and len(ticks) == 3


def test_callback_of_a_deleted_object_is_skipped(qtbot):
    class Receiver(QObject):
        def __init__(self):
            super().__init__()
            self.got = []

        def on_done(self, value):
            self.got.append(value)

    import shiboken6

    r = Receiver()
    tasks.run_in_background(lambda: time.sleep(0.2) or 1, r.on_done)
    shiboken6.delete(r)
    assert tasks.wait_for_done(3000)


def test_query_and_mutation_ops_use_their_own_session(qtbot, ledger):
    from core.events import create_event

    done = []
    tasks.run_in_background(tasks.mutation_op(ledger, create_event, title="Bg", time_zone="UTC", currency="EUR"),
                            lambda ev: done.append(ev.title))
    qtbot.waitUntil(lambda: bool(done), timeout=3000)
    titles = []
    tasks.run_in_background(tasks.query_op(ledger, lambda s: [e.title for e in list_events(s)]), titles.append)
    qtbot.waitUntil(lambda: bool(titles), timeout=3000)
    assert done == ["Bg"] and titles == [["Bg"]]
    assert tasks.wait_for_done(3000)


def test_operational_error_message_is_human():
    from sqlalchemy.exc import OperationalError

    exc = OperationalError("INSERT", {}, Exception("database or disk is full"))
    assert tasks.error_message(exc).startswith("The local ledger could not be read or written")


def test_run_op_delivers_the_result_then_announces_what_changed(qtbot, ledger):
    """run_op (CollectionOp): one unit of work, `present` inside the session, on_success on the GUI thread,
    then the committed Changes announced with the ledger and origin; a refused op announces nothing."""
    from core.errors import InvalidArgument
    from core.events import create_event

    got, heard, failed = [], [], []
    def hear(c, led, origin):
        heard.append((c, led, origin))

    tasks.notifier().changes_applied.connect(hear)
    tasks.run_op(ledger, create_event, title="Op", time_zone="UTC", currency="EUR",
                 present=lambda _s, ev: ev.id, on_success=got.append)
    qtbot.waitUntil(lambda: bool(heard), timeout=3000)
    changes, led, origin = heard[0]
    assert changes.events == {got[0]} and changes.outbox and led is ledger and origin is None
    tasks.run_op(ledger, create_event, title="", time_zone="Nowhere/Else", currency="EUR", on_error=failed.append)
    qtbot.waitUntil(lambda: bool(failed), timeout=3000)
    assert isinstance(failed[0], InvalidArgument) and len(heard) == 1
    assert tasks.wait_for_done(3000)
    tasks.notifier().changes_applied.disconnect(hear)
