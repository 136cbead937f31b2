"""Event services: validation (zone, currency, aware datetimes) and the BC-11 time-zone round trip."""
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from core.contract import event_to_api
from core.errors import AlreadyExists, InvalidArgument, NotFound
from core.events import create_event, get_event, is_currency_locked, list_events, update_event
from core.models import Event, Order
from core.timeutil import local, parse_local, utcnow

ZURICH_START = datetime(2025, 10, 26, 7, 30, tzinfo=timezone.utc)


@pytest.fixture
def new_york_tz(monkeypatch):
    """Run with the machine's zone set to America/New_York (the station of case BC-11)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_create_event_defaults(session):
    ev = create_event(session, title="Gala", time_zone="Europe/Zurich", currency="eur")
    session.commit()
    got = get_event(session, ev.id)
    assert len(got.id) == 36 and got.id.count("-") == 4
    assert got.currency == "EUR" and got.registration_type == "RSVP" and got.currency_locked is False
    assert got.created.tzinfo is not None and got.created == got.updated


def test_create_event_with_id_and_duplicate(session):
    create_event(session, title="A", time_zone="UTC", currency="USD", event_id="ev-1")
    session.commit()
    with pytest.raises(AlreadyExists):
        create_event(session, title="B", time_zone="UTC", currency="USD", event_id="ev-1")


@pytest.mark.parametrize("kwargs, field", [
    ({"time_zone": "Mars/Olympus"}, "timeZone"),
    ({"time_zone": ""}, "timeZone"),
    ({"currency": "EURO"}, "currency"),
    ({"currency": "XYZ"}, "currency"),
    ({"title": "  "}, "title"),
    ({"start": datetime(2025, 10, 26, 8, 30)}, "start"),          # naive: refused (BC-11)
    ({"start": "2025-10-26T08:30:00"}, "start"),                   # RFC 3339 without offset
    ({"start": ZURICH_START, "end": ZURICH_START - timedelta(hours=1)}, "end"),
])
def test_create_event_rejects(session, kwargs, field):
    args = dict(title="Gala", time_zone="Europe/Zurich", currency="EUR") | kwargs
    with pytest.raises(InvalidArgument) as err:
        create_event(session, **args)
    assert err.value.field == field
    assert session.scalars(select(Event)).all() == []


def test_get_event_not_found(session):
    with pytest.raises(NotFound) as err:
        get_event(session, "nope")
    assert err.value.status == 404


def test_list_events_ordered_by_start(session):
    create_event(session, title="Later", time_zone="UTC", currency="EUR", start=ZURICH_START + timedelta(days=1))
    create_event(session, title="No date", time_zone="UTC", currency="EUR")
    create_event(session, title="Sooner", time_zone="UTC", currency="EUR", start=ZURICH_START)
    session.commit()
    assert [e.title for e in list_events(session)] == ["Sooner", "Later", "No date"]


def test_update_event_changes_only_given_fields(session):
    ev = create_event(session, title="Gala", time_zone="Europe/Zurich", currency="EUR", start=ZURICH_START)
    session.commit()
    before = ev.updated
    update_event(session, ev.id, title="Gala 2")
    session.commit()
    got = get_event(session, ev.id)
    assert got.title == "Gala 2" and got.start == ZURICH_START and got.time_zone == "Europe/Zurich"
    assert got.updated >= before


def test_update_event_zone_keeps_instant(session):
    ev = create_event(session, title="Gala", time_zone="Europe/Zurich", currency="EUR", start=ZURICH_START)
    update_event(session, ev.id, time_zone="Asia/Tokyo")
    session.commit()
    got = get_event(session, ev.id)
    assert got.start == ZURICH_START and local(got.start, "Asia/Tokyo").hour == 16


def test_update_event_rejects_naive_and_unknown(session):
    ev = create_event(session, title="Gala", time_zone="Europe/Zurich", currency="EUR")
    with pytest.raises(InvalidArgument):
        update_event(session, ev.id, start=datetime(2025, 10, 26, 8, 30))
    with pytest.raises(InvalidArgument):
        update_event(session, ev.id, time_zone="Nowhere/Land")
    with pytest.raises(NotFound):
        update_event(session, "missing", title="x")


def test_bc11_zurich_start_survives_three_round_trips(ledger, new_york_tz):
    """BC-11: 08:30 Europe/Zurich on DST-end day = 07:30Z, machine in America/New_York, 3 name-only edits
    that send back the downloaded start each time."""
    start = parse_local("2025-10-26 08:30", "Europe/Zurich")
    assert start == ZURICH_START
    with ledger.uow() as uow:
        ev_id = create_event(uow.session, title="Konzert", time_zone="Europe/Zurich", currency="CHF",
                             start=start, end=start + timedelta(hours=3)).id
        uow.commit()
    for i in range(3):
        with ledger.uow() as uow:
            downloaded = event_to_api(get_event(uow.session, ev_id))
            update_event(uow.session, ev_id, title=f"Konzert {i}", start=downloaded["start"],
                         end=downloaded["end"])
            uow.commit()
    with ledger.uow() as uow:
        ev = get_event(uow.session, ev_id)
        assert ev.title == "Konzert 2"
        assert ev.start == ZURICH_START and ev.start.tzinfo is not None
        shown = local(ev.start, ev.time_zone)
        assert (shown.hour, shown.minute, str(shown.tzinfo)) == (8, 30, "Europe/Zurich")
        assert event_to_api(ev)["start"] == "2025-10-26T07:30:00.000Z"
        raw = uow.session.execute(text("SELECT start FROM events WHERE id = :i"), {"i": ev_id}).scalar()
        assert str(raw).startswith("2025-10-26 07:30:00")  # stored as UTC, not New York or Zurich wall time


def test_bc11_aware_non_utc_input_is_normalised(session, new_york_tz):
    """BC-11: an aware value in another offset is the same instant, stored as UTC."""
    from zoneinfo import ZoneInfo
    wall = datetime(2025, 10, 26, 8, 30, tzinfo=ZoneInfo("Europe/Zurich"))
    ev = create_event(session, title="Gala", time_zone="Europe/Zurich", currency="EUR", start=wall)
    session.commit()
    session.expire_all()
    assert get_event(session, ev.id).start == ZURICH_START


def test_currency_locked_by_flag_or_order(session):
    ev = create_event(session, title="Gala", time_zone="UTC", currency="EUR")
    assert not is_currency_locked(session, ev)
    now = utcnow()
    session.add(Order(order_number="AAAA-BBBB-CC", event_id=ev.id, status="PAID", currency="EUR",
                      created=now, updated=now))
    session.flush()
    assert is_currency_locked(session, ev)
    ev2 = create_event(session, title="Other", time_zone="UTC", currency="EUR")
    ev2.currency_locked = True
    assert is_currency_locked(session, ev2)


def test_uncommitted_event_is_rolled_back(ledger):
    with ledger.uow() as uow:
        create_event(uow.session, title="Ghost", time_zone="UTC", currency="EUR", event_id="ghost")
    with ledger.uow() as uow:
        with pytest.raises(NotFound):
            get_event(uow.session, "ghost")


def test_create_event_queues_it_for_the_centre(session):
    """The event made at a station goes up first (sync pushes "event.create" before its definitions)."""
    from sqlalchemy import select

    from core.models import OutboxEntry
    ev = create_event(session, title="Gala", time_zone="Europe/Zurich", currency="CHF",
                      start=datetime(2030, 5, 1, 17, 30, tzinfo=timezone.utc))
    [row] = session.scalars(select(OutboxEntry)).all()
    assert (row.kind, row.entity_key, row.state) == ("event.create", ev.id, "pending")
    assert row.payload["event"] == {"id": ev.id, "title": "Gala", "timeZone": "Europe/Zurich", "currency": "CHF",
                                    "start": "2030-05-01T17:30:00.000Z", "end": None}
