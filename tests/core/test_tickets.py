"""core.tickets: checked_in_map, list/search (WR-11), get, check_in / delete_check_in (API.md §3, BC-15)."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from core.errors import InvalidArgument, NotFound
from core.models import CheckIn, OutboxEntry
from core.tickets import check_in, checked_in_map, delete_check_in, get_ticket, list_tickets
from tests.core.checkin_data import add_definition, add_event, add_order

NOW = datetime(2025, 6, 14, 19, 0, tzinfo=timezone.utc)


@pytest.fixture
def data(session):
    ev = add_event(session)
    other = add_event(session, title="Other")
    std = add_definition(session, ev, "Standing", 1500)
    free = add_definition(session, ev, "Guest list", 0)
    add_order(session, ev, "M-5582-", tickets=2, definition=std, first="Ana", last="Moreira",
              email="ana.moreira@gmial.com")
    add_order(session, ev, "P-4410-", tickets=2, definition=std, status="OFFLINE_PENDING", first="Mira",
              last="Castell", email="mira@example.org")
    add_order(session, ev, "F-0001-", tickets=1, definition=free, status="FREE", first="Zoe", last="Ng",
              email="zoe@example.org", price_minor=0, guest=("Lou", "Reed"))
    add_order(session, ev, "A-9000-", tickets=1, definition=std, archived=True, first="Old", last="Order")
    add_order(session, other, "X-7000-", tickets=1, first="Other", last="Event")
    session.commit()
    return ev, other


def rows(session, tn=None, kind=None):
    q = select(CheckIn)
    if tn:
        q = q.where(CheckIn.ticket_number == tn)
    if kind:
        q = q.where(CheckIn.kind == kind)
    return list(session.scalars(q))


def outbox(session, kind):
    return list(session.scalars(select(OutboxEntry).where(OutboxEntry.kind == kind).order_by(OutboxEntry.id)))


def test_check_in_is_idempotent_and_queues_one_outbox_row(session, data):
    ev, _ = data
    check_in(session, ev.id, ["M-5582-021"], station="door-1", operator="kim", now=NOW, clock_offset_s=12)
    session.commit()
    again = check_in(session, ev.id, ["M-5582-021"], station="door-2", now=NOW + timedelta(minutes=5))
    session.commit()
    assert [t.ticket_number for t in again] == ["M-5582-021"]
    [row] = rows(session, "M-5582-021")
    assert (row.kind, row.status, row.station, row.method) == ("CHECK_IN", "ACCEPTED", "door-1", "MANUAL")
    assert row.device_time == NOW and row.corrected_time == NOW + timedelta(seconds=12)
    [entry] = outbox(session, "checkin.create")
    assert entry.idempotency_key == row.nonce and entry.entity_key == "M-5582-021" and entry.state == "pending"
    assert entry.payload == {"eventId": ev.id, "ticketNumber": "M-5582-021", "nonce": row.nonce,
                             "kind": "CHECK_IN", "deviceTime": "2025-06-14T19:00:00.000Z",
                             "correctedTime": "2025-06-14T19:00:12.000Z", "station": "door-1",
                             "operator": "kim", "method": "MANUAL"}
    assert checked_in_map(session, ["M-5582-021", "M-5582-022"]) == {"M-5582-021": row}


def test_bc15b_three_tickets_three_rows_three_outbox_items(session, data):
    """BC-15 b: same station/operator, three tickets within seconds → three rows, three queue items,
    each with its own nonce; replaying the same call with the same nonce writes nothing."""
    ev, _ = data
    numbers = ["M-5582-021", "M-5582-022", "F-0001-021"]
    check_in(session, ev.id, numbers, station="s", operator="o", nonce="batch-1", now=NOW)
    session.commit()
    delete_check_in(session, ev.id, numbers, now=NOW + timedelta(seconds=5))
    session.commit()
    check_in(session, ev.id, numbers, station="s", operator="o", nonce="batch-1", now=NOW)  # replay
    session.commit()
    created = outbox(session, "checkin.create")
    assert len(created) == 3 and len({e.idempotency_key for e in created}) == 3
    assert len(rows(session, kind="CHECK_IN")) == 3
    assert checked_in_map(session, numbers) == {}


def test_delete_check_in_appends_tombstone(session, data):
    ev, _ = data
    check_in(session, ev.id, ["M-5582-021"], now=NOW)
    delete_check_in(session, ev.id, ["M-5582-021", "M-5582-022"], station="door", now=NOW + timedelta(minutes=1))
    session.commit()
    assert checked_in_map(session, ["M-5582-021"]) == {}
    assert [r.kind for r in rows(session)] == ["CHECK_IN", "UNDO"]  # nothing deleted; 022 untouched
    [entry] = outbox(session, "checkin.delete")
    assert entry.payload["kind"] == "UNDO" and entry.payload["ticketNumber"] == "M-5582-021"
    check_in(session, ev.id, ["M-5582-021"], now=NOW + timedelta(minutes=2))
    session.commit()
    assert "M-5582-021" in checked_in_map(session, ["M-5582-021"])
    assert len(rows(session, "M-5582-021")) == 3


def test_check_in_refuses_unknown_or_other_event(session, data):
    ev, other = data
    with pytest.raises(NotFound):
        check_in(session, ev.id, ["NOPE-0000-021"])
    with pytest.raises(NotFound):
        check_in(session, ev.id, ["X-7000-021"])
    with pytest.raises(InvalidArgument):
        check_in(session, ev.id, [])
    with pytest.raises(InvalidArgument):
        check_in(session, ev.id, [f"T-{i}" for i in range(101)])
    assert rows(session) == []


def test_get_ticket(session, data):
    ev, other = data
    assert get_ticket(session, "M-5582-021").order_number == "M-5582-"
    assert get_ticket(session, "M-5582-021", ev.id).ticket_number == "M-5582-021"
    with pytest.raises(NotFound):
        get_ticket(session, "M-5582-021", other.id)
    with pytest.raises(NotFound):
        get_ticket(session, "")


def numbers(page):
    return [t.ticket_number for t in page.items]


@pytest.mark.parametrize("phrase,expected", [
    ("moreira", ["M-5582-021", "M-5582-022"]),            # surname
    ("ANA MOREIRA", ["M-5582-021", "M-5582-022"]),         # full name, any case
    ("gmial", ["M-5582-021", "M-5582-022"]),               # part of the mistyped e-mail
    ("P-4410", ["P-4410-021", "P-4410-022"]),              # order number
    ("-022", ["M-5582-022", "P-4410-022"]),                # last 4 characters of the ticket number
    ("lou reed", ["F-0001-021"]),                          # guest name
    ("100%", []), ("_", []),                               # LIKE wildcards are literal
])
def test_wr11_offline_search(session, data, phrase, expected):
    """WR-11: search by surname, order number, last 4 characters of the ticket number, part of the e-mail."""
    ev, _ = data
    assert numbers(list_tickets(session, [ev.id], search=phrase)) == expected


def test_list_states_filters_and_sort(session, data):
    ev, other = data
    check_in(session, ev.id, ["M-5582-022", "F-0001-021"], now=NOW)
    session.commit()
    assert numbers(list_tickets(session, [ev.id], states=["CHECKED_IN"])) == ["F-0001-021", "M-5582-022"]
    assert list_tickets(session, [ev.id], states=["NON_CHECKED_IN"]).total == 4
    assert numbers(list_tickets(session, [ev.id], states=["ORDER_ARCHIVED"])) == ["A-9000-021"]
    assert numbers(list_tickets(session, [ev.id], states=["FREE"])) == ["F-0001-021"]
    assert numbers(list_tickets(session, [ev.id], states=["CHECKED_IN", "PAID"])) == ["M-5582-022"]
    assert list_tickets(session, [ev.id], states=["CHECKED_IN", "NON_CHECKED_IN"]).total == 6
    assert list_tickets(session, [ev.id], states=["MEMBER"]).total == 0
    assert numbers(list_tickets(session, [ev.id], order_statuses=["OFFLINE_PENDING"])) == ["P-4410-021", "P-4410-022"]
    assert numbers(list_tickets(session, None, order_numbers=["X-7000-"])) == ["X-7000-021"]
    page = list_tickets(session, [ev.id], sort="ticketNumber:desc", limit=2, offset=1)
    assert numbers(page) == ["P-4410-021", "M-5582-022"] and page.total == 6 and page.limit == 2
    assert list_tickets(session, [ev.id], limit=1000).limit == 100
    with pytest.raises(InvalidArgument):
        list_tickets(session, [ev.id], states=["SOMETHING"])
    with pytest.raises(InvalidArgument):
        list_tickets(session, [ev.id], sort="color:asc")
    with pytest.raises(InvalidArgument):
        list_tickets(session, [ev.id], search="x" * 201)


def test_checked_in_map_chunks_many_tickets(session):
    """checked_in_map over more numbers than one IN list holds (1,200) and with None (= all)."""
    ev = add_event(session)
    for i in range(600):
        add_order(session, ev, f"B{i:04d}-", tickets=2)
    session.commit()
    all_numbers = [f"B{i:04d}-{k}" for i in range(600) for k in ("021", "022")]
    picked = all_numbers[::3]
    for start in range(0, len(picked), 100):
        check_in(session, ev.id, picked[start:start + 100], now=NOW)
    session.commit()
    found = checked_in_map(session, all_numbers)
    assert set(found) == set(picked)
    assert set(checked_in_map(session, None)) == set(picked)
    assert session.scalar(select(func.count()).select_from(CheckIn)) == len(picked)



def test_wr11_search_folds_non_ascii_case(session):
    """WR-11: staff type a surname in lower case; 'łucja' finds 'Łucja' (SQLite's LIKE folds ASCII only)."""
    ev = add_event(session)
    std = add_definition(session, ev, "Standing", 1500)
    add_order(session, ev, "L-1000-", tickets=1, definition=std, first="Łucja", last="Ørsted-Núñez")
    session.commit()
    for phrase in ("łucja", "ØRSTED", "ørsted-núñez", "ŁUCJA 021"):
        page = list_tickets(session, [ev.id], search=phrase)
        assert [t.ticket_number for t in page.items] == ["L-1000-021"], phrase
