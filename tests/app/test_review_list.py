"""app.widgets.review_list: the review queue in the Sync tab lists the open items, "Acknowledge" takes the selected
one off the list (kept with who and when), "Acknowledge all" the rest (issue 8 item 7)."""
from __future__ import annotations

from core import review
from core.review import ReviewKind
from app.widgets.review_list import ReviewList, ReviewTableModel


def _raise(ledger, n: int) -> None:
    with ledger.uow() as uow:
        for i in range(n):
            review.raise_item(uow.session, ReviewKind.DOUBLE_ADMISSION, f"n{i}", f"ticket T-{i} was admitted twice",
                              entity=f"T-{i}")
        uow.commit()


def _load(qtbot, widget):
    with qtbot.waitSignal(widget.loaded, timeout=10000):
        widget.refresh()


def test_list_acknowledge_one_then_all(qtbot, ledger):
    _raise(ledger, 3)
    widget = ReviewList(ledger, lambda: "Europe/Zurich", lambda: "Ana")
    qtbot.addWidget(widget)
    _load(qtbot, widget)
    assert widget.model.rowCount() == 3 and "3" in widget.title()
    assert widget.model.data(widget.model.index(0, ReviewTableModel.COL_WHAT)) == "Admitted twice"
    assert not widget.ack_button.isEnabled() and widget.ack_all_button.isEnabled()
    assert widget.acknowledge_selected() is False
    widget.view.selectRow(0)
    assert widget.ack_button.isEnabled()
    with qtbot.waitSignal(widget.acknowledged, timeout=10000) as got:
        widget.acknowledge_selected()
    assert got.args == [1]
    qtbot.waitUntil(lambda: widget.model.rowCount() == 2, timeout=10000)
    assert "acknowledged by Ana" in widget.message.text()
    with qtbot.waitSignal(widget.acknowledged, timeout=10000) as got:
        widget.acknowledge_all()
    assert got.args == [2]
    qtbot.waitUntil(lambda: widget.model.rowCount() == 0, timeout=10000)
    assert widget.title() == "To review (nothing)" and not widget.ack_all_button.isEnabled()
    with ledger.uow() as uow:
        assert [r.acked_by for r in review.list_items(uow.session, include_acked=True)] == ["Ana"] * 3


def test_model_passes_the_model_tester(qtmodeltester, ledger):
    _raise(ledger, 2)
    model = ReviewTableModel(lambda: "UTC")
    with ledger.uow() as uow:
        model.set_rows(review.list_open(uow.session))
    qtmodeltester.check(model)


def test_when_column_is_the_items_event_wall_time(ledger):
    """Each item's time in its own event's zone (ReviewRow.time_zone), not UTC; an item of no event falls back
    to the current event's zone."""
    from datetime import datetime, timezone

    from core.events import create_event

    at = datetime(2026, 12, 1, 21, 3, 11, tzinfo=timezone.utc)
    with ledger.uow() as uow:
        ev = create_event(uow.session, title="Tokyo night", time_zone="Asia/Tokyo", currency="JPY").id
        review.raise_item(uow.session, ReviewKind.DOUBLE_ADMISSION, "n-tokyo", "admitted twice", event_id=ev,
                          entity="T-1", happened=at)
        review.raise_item(uow.session, ReviewKind.SECOND_PAYMENT, "O-1", "refund", entity="O-1", now=at)
        uow.commit()
        rows = review.list_open(uow.session)
    model = ReviewTableModel(lambda: "Europe/Zurich")
    model.set_rows(rows)
    assert [model.data(model.index(i, ReviewTableModel.COL_WHEN)) for i in range(2)] == \
        ["2026-12-02 06:03", "2026-12-01 22:03"]
