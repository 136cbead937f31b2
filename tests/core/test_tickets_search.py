"""Guest search at scale (issue 11, core.tickets.list_tickets with core.textsearch_page): short words match
the start of a name or number through B-tree indexes, an index-driven page equals the counting one, and a
capped search stops counting (Page.total_capped) without sorting every match."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import event
from sqlalchemy.dialects import postgresql

from core import tickets as tickets_mod
from core.models import Ticket
from core.textsearch import prefix_ranges, starts
from core.tickets import list_tickets
from tests.core.checkin_data import add_definition, add_event, add_order

PEOPLE = [("Wu", "Li"), ("Anna", "Moreira"), ("Hans", "Andersen"), ("Øyvind", "Ørsted"), ("Li", "Wu"),
          ("Ann", "Moreau"), ("Zoë", "Brontë")]


@pytest.fixture
def people(session):
    ev = add_event(session)
    std = add_definition(session, ev, "Standing", 1500)
    for i, (first, last) in enumerate(PEOPLE):
        add_order(session, ev, f"S-{i:04d}-", tickets=2, definition=std, first=first, last=last,
                  email=f"p{i}@example.org", guest=(last, first) if i % 2 else None)
    session.commit()
    return ev


def _found(session, ev, phrase, **kw):
    page = list_tickets(session, [ev.id], search=phrase, **kw)
    return page.total, sorted({t.order_number for t in page.items}), page.total_capped


def test_prefix_ranges():
    assert ("Ju", "Jv") in prefix_ranges("ju") and ("JU", "JV") in prefix_ranges("jü")
    assert ("J\x80", "K") in prefix_ranges("ju") and ("Ĵ", "Ķ") in prefix_ranges("JU")  # Ĵ ĵ: one run
    assert ("И\u0300", "И\u0370") in prefix_ranges("ив") and ("Ив", "Иг") in prefix_ranges("ИВ")
    assert ("山田", "山由") in prefix_ranges("山田") and ("Ｊ", "Ｋ") in prefix_ranges("ju")
    assert ("ß", "à") in prefix_ranges("ss") and ("À", "Ç") in prefix_ranges("ae")  # À-Å and Æ: one run
    assert len(prefix_ranges("an")) <= 40 and prefix_ranges("\u0301") == []


@pytest.mark.parametrize("phrase,orders", [
    ("wu", ["S-0000-", "S-0004-"]), ("LI", ["S-0000-", "S-0004-"]),   # a 2-letter surname or first name
    ("an", ["S-0001-", "S-0002-", "S-0005-"]),                        # Anna, Andersen, Ann: starts, not contains
    ("re", []),                                                       # 'Moreira' holds 're' but does not start so
    ("øy", ["S-0003-"]), ("ØR", ["S-0003-"]),                         # non-ASCII, either case
    ("S-", [f"S-{i:04d}-" for i in range(7)]),                        # an order / ticket number's start
    ("z", ["S-0006-"]), ("_", []), ("%", []), ("\\", []),             # wildcards are literal
    ("wu li", ["S-0000-", "S-0004-"]), ("moreira an", ["S-0001-"]),   # short words with others
])
def test_short_words_match_the_start_of_a_name_or_number(session, people, phrase, orders):
    assert _found(session, people, phrase)[1] == orders


def test_short_words_use_indexes_not_a_scan(session, people):
    captured = []
    conn = session.connection()

    def grab(_c, _cur, statement, params, _ctx, _many):
        captured.append((statement, params))

    event.listen(conn, "before_cursor_execute", grab)
    try:
        list_tickets(session, [people.id], search="wu", count_cap=100)
    finally:
        event.remove(conn, "before_cursor_execute", grab)
    raw = conn.connection.driver_connection
    drivers = [(s, p) for s, p in captured
               if s.lstrip().startswith("SELECT tickets.ticket_number, tickets.ticket_number") and "FROM tickets" in s]
    assert drivers
    for statement, params in drivers:
        plan = " | ".join(r[3] for r in raw.execute("EXPLAIN QUERY PLAN " + statement, params))
        assert "SCAN tickets" not in plan and "SCAN orders" not in plan, plan


@pytest.mark.parametrize("sort", ["ticketNumber:asc", "ticketNumber:desc", "guestFullName:asc",
                                  "orderFullName:desc", "price:asc", "orderStatus:desc"])
@pytest.mark.parametrize("phrase", ["moreira", "example.org", "an", "s-000", "ørsted", "zzz", "ﬃ", "ß an"])
def test_index_driven_page_equals_the_counting_page(session, people, monkeypatch, phrase, sort):
    fast = [(p.total, [t.ticket_number for t in p.items]) for p in
            (list_tickets(session, [people.id], search=phrase, sort=sort, offset=o, limit=3) for o in (0, 3))]
    monkeypatch.setattr(tickets_mod, "_drivers", lambda session, words, sort_col: None)
    slow = [(p.total, [t.ticket_number for t in p.items]) for p in
            (list_tickets(session, [people.id], search=phrase, sort=sort, offset=o, limit=3) for o in (0, 3))]
    assert fast == slow


def test_a_capped_search_stops_counting(session, people):
    total, _orders, capped = _found(session, people, "example.org", count_cap=5)
    assert (total, capped) == (5, True)
    page = list_tickets(session, [people.id], search="example.org", count_cap=5, limit=2)
    assert len(page.items) == 2 and page.total_capped
    numbers = [t.ticket_number for t in page.items]
    assert numbers == sorted(numbers)
    assert _found(session, people, "example.org", count_cap=14) == (14, [f"S-{i:04d}-" for i in range(7)], False)
    assert _found(session, people, "example.org")[::2] == (14, False)  # no cap: always exact


def test_without_a_cap_more_matches_than_the_index_page_are_counted_exactly(session, people, monkeypatch):
    monkeypatch.setattr(tickets_mod, "DEFAULT_CAP", 3)
    assert _found(session, people, "example.org")[::2] == (14, False)
    assert _found(session, people, "an")[::2] == (6, False)


def test_other_filters_apply_on_the_index_driven_page(session, people):
    page = list_tickets(session, [people.id], search="example.org", ticket_numbers=["S-0001-021", "S-0002-022"],
                        count_cap=100)
    assert [t.ticket_number for t in page.items] == ["S-0001-021", "S-0002-022"]
    assert list_tickets(session, ["other-event"], search="moreira", count_cap=100).total == 0


def test_short_words_on_postgresql_use_escaped_like_prefixes():
    pg = SimpleNamespace(get_bind=lambda: SimpleNamespace(dialect=SimpleNamespace(name="postgresql")))
    sql = starts(pg, Ticket.guest_last_name, "w_").compile(dialect=postgresql.dialect(),
                                                            compile_kwargs={"literal_binds": True})
    text = str(sql)
    assert "ILIKE 'w\\_%" in text and text.count("LIKE") == 2, text  # the native test, then the folded one
