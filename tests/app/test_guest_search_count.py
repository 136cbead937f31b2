"""A capped guest search (issue 11): the door's status line and the CLI's footer say "more than N" when a
search stopped counting (core.paging.Page.total_capped), the plain count otherwise."""
from __future__ import annotations

from types import SimpleNamespace

from app import queries
from app.cli.output import emit_page
from app.widgets.guest_search import found_text
from core.paging import Page


def test_door_status_line():
    rows = tuple(range(100))
    assert found_text(queries.Loaded(rows[:3], 3)) == "3 ticket(s) found"
    assert found_text(queries.Loaded(rows, 1234)) == "1,234 ticket(s) found (first 100 of 1,234: refine the search)"
    assert found_text(queries.Loaded(rows, 1000, capped=True)) == \
        "More than 1,000 tickets found (first 100 shown: refine the search)"


def test_ticket_rows_passes_the_cap_through(session, event_data):
    loaded = queries.ticket_rows(session, event_data.event_id, search="a", count_cap=1, max_rows=10)
    assert loaded.capped and loaded.total == 1 and len(loaded.rows) == 1
    exact = queries.ticket_rows(session, event_data.event_id, search="a", max_rows=10)
    assert not exact.capped and exact.total == len(exact.rows) >= 2


def test_cli_footer(capsys):
    args = SimpleNamespace(json=False)
    emit_page(args, Page(items=[1, 2], total=1000, offset=0, limit=2, total_capped=True), "tickets", [{}, {}],
              ["A"], [["x"], ["y"]], empty="No tickets.")
    assert capsys.readouterr().out.rstrip().endswith("(2 of more than 1,000)")
    emit_page(args, Page(items=[1, 2], total=5, offset=0, limit=2), "tickets", [{}, {}], ["A"], [["x"], ["y"]],
              empty="No tickets.")
    assert capsys.readouterr().out.rstrip().endswith("(2 of 5)")
