"""Multi-entry rules through sync (issue 9 item 9): a station pulls a DAILY definition from the hub, admits
the pass offline on two event-local days (Pacific/Auckland, around local midnight) and uploads both entries,
which the hub's walk keeps ACCEPTED; a rule edited at a station reaches the hub, and a plain server (which
keeps no rule) is not sent the hub-only field."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from core.checkin import Verdict, scan_and_commit
from core.definitions import update_definition
from core.models import TicketDefinition
from core.timeutil import local, utcnow, zone
from tests.sync.engine_helpers import checkins_of

ZONE = "Pacific/Auckland"


def _yesterdays_midnight() -> datetime:
    """Event-local midnight that began yesterday (24–48 h ago: inside the hub's 72 h window), as aware UTC."""
    today = local(utcnow(), ZONE).date() - timedelta(days=1)
    return datetime.combine(today, time(0, 0), tzinfo=zone(ZONE)).astimezone(timezone.utc)


def _venue(hub, rule):
    ev = hub.seed_event(title="Festival", currency="NZD", time_zone=ZONE)
    d = hub.seed_definition(ev, price="10.00", entryRule=rule)
    return ev, d, hub.seed_sale(ev, {d: 1})["tickets"][0]


def _rule(ledger, definition_id):
    with ledger.uow() as uow:
        d = uow.session.get(TicketDefinition, definition_id)
        return d.entry_rule, d.max_entries


def test_station_admits_a_daily_pass_on_two_days_and_the_hub_keeps_both(hub, stations):
    ev, d, tn = _venue(hub, {"kind": "DAILY"})
    st = stations("A", "door", [ev], on=hub)
    assert st.sync().ok
    assert _rule(st.ledger, d) == ("DAILY", None)
    midnight = _yesterdays_midnight()
    verdicts = [scan_and_commit(st.ledger, tn, event_ids=[ev], station="A", now=midnight + timedelta(minutes=m)).verdict
                for m in (-20, -10, 10)]
    assert verdicts == [Verdict.OK, Verdict.ALREADY_CHECKED_IN, Verdict.OK]
    assert st.sync().ok
    assert [r.status for r in checkins_of(hub.ledger, tn)] == ["ACCEPTED", "ACCEPTED"]


def test_a_rule_edited_at_a_station_reaches_the_hub(server, stations):
    ev, d, _ = _venue(server, None)
    st = stations("Office", "organiser", [ev], on=server)
    assert st.sync().ok
    with st.ledger.uow() as uow:
        update_definition(uow.session, d, {"entryRule": {"kind": "MULTI", "maxEntries": 3}}, ["entryRule"])
        uow.commit()
    report = st.sync()
    assert report.ok and not report.rejected
    assert not [e for e in st.outbox() if e.state != "sent" and e.kind.startswith("definition")]
    expected = ("ONCE", None) if server.plain else ("MULTI", 3)  # a plain server keeps no rule
    assert _rule(server.ledger, d) == expected
    assert _rule(st.ledger, d) == expected
