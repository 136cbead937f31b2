"""A small event for the report tests, made with the core services: Pacific/Auckland (so event-local days
differ from UTC and from the test's OS zone), entrances Main, Side and an Exit, guests in Latin, Korean and
Arabic script, box-office sales by cash and card with operators, arrivals across local midnight."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from core.checkin_merge import EXIT
from core.definitions import create_definition
from core.door import Door, scan
from core.entrances import create_entrance
from core.events import create_event
from core.money import Money
from core.sales import pay_and_complete, sell

ZONE = "Pacific/Auckland"                                 # NZST = UTC+12 in June
DOORS_OPEN = datetime(2025, 6, 14, 11, 40, tzinfo=timezone.utc)  # 23:40 local, 14 June
GUESTS = [("Zoë", "Brontë"), ("Ana", "Moreira"), ("민수", "김"), ("ليلى", "حداد"), ("Antonín", "Dvořák")]


@dataclass
class Venue:
    event_id: str
    entrances: dict
    tickets: list[str] = field(default_factory=list)   # one per guest, in GUESTS order
    moves: list = field(default_factory=list)          # (ticket, entrance name, when)


def make_venue(ledger) -> Venue:
    """Five orders of one Standing ticket (25.00 EUR): guests 0-2 paid cash at Till 1 (operator Kim), guest 3
    by card at Till 2 (operator Lee), guest 4 unpaid. Not scanned yet."""
    with ledger.uow() as uow:
        s = uow.session
        ev = create_event(s, title="Harbour Night", time_zone=ZONE, currency="EUR")
        std = create_definition(s, ev.id, {"name": "Standing", "price": {"value": "25.00", "currency": "EUR"},
                                           "limited": True, "quantity": 100})
        create_definition(s, ev.id, {"name": "VIP", "price": {"value": "80.00", "currency": "EUR"},
                                     "limited": True, "quantity": 10})
        venue = Venue(ev.id, {})
        for i, (first, last) in enumerate(GUESTS):
            when = DOORS_OPEN - timedelta(hours=2 - i)
            sale = sell(s, ev.id, {std.id: 1}, {"firstName": first, "lastName": last}, payment="unpaid",
                        station="Till 1", now=when)
            number = sale.order.order_number
            venue.tickets.append(sale.order.tickets[0].ticket_number)
            if i < 3:
                pay_and_complete(s, ev.id, number, payment="cash", tendered=Money.of("30.00", "EUR"),
                                 station="Till 1", operator="Kim", now=when)
            elif i == 3:
                pay_and_complete(s, ev.id, number, payment="card", station="Till 2", operator="Lee", now=when)
        s.flush()
        venue.entrances = {"Main": create_entrance(s, ev.id, "Main"), "Side": create_entrance(s, ev.id, "Side"),
                           "Exit": create_entrance(s, ev.id, "Exit", direction=EXIT)}
        uow.commit()
    return venue


def scan_at(ledger, venue: Venue, guest: int, entrance: str, minutes: int):
    """Scan guest `guest`'s ticket at `entrance` `minutes` after DOORS_OPEN."""
    door = Door((venue.event_id,), f"Door {entrance}", entrance=venue.entrances[entrance])
    when = DOORS_OPEN + timedelta(minutes=minutes)
    venue.moves.append((venue.tickets[guest], entrance, when))
    return scan(ledger, door, venue.tickets[guest], now=when)


def evening(ledger, venue: Venue) -> None:
    """Arrivals: guests 0, 1 at Main at 23:41 and 23:52 local; guest 2 at Side at 00:05 (15 June); guest 3 at
    Main at 00:20; guest 0 leaves by the Exit at 00:35; guest 4 (unpaid) is refused."""
    scan_at(ledger, venue, 0, "Main", 1)
    scan_at(ledger, venue, 1, "Main", 12)
    scan_at(ledger, venue, 2, "Side", 25)
    scan_at(ledger, venue, 3, "Main", 40)
    scan_at(ledger, venue, 0, "Exit", 55)
    scan_at(ledger, venue, 4, "Main", 56)
