"""The one "checked in" rule (core.checkin_merge): its Python form (current_check_in over loaded rows) and its
SQL forms (core.tickets.checked_in_map, is_checked_in_expr / list_tickets states) agree on random logs of
CHECK_IN / UNDO rows with ACCEPTED / DUPLICATE statuses, ties in corrected time included (issue 7)."""
import random
from datetime import timedelta

from sqlalchemy import select

from core.checkin_merge import ACCEPTED, CHECK_IN, DUPLICATE, UNDO, current_check_in, walk
from core.models import CheckIn, Ticket
from core.tickets import checked_in_map, is_checked_in_expr, list_tickets
from tests.core.checkin_data import T0, add_definition, add_event, add_order

SEED = 20261201
TICKETS = 60


def _random_log(rng: random.Random, tn: str, event_id: str) -> list[CheckIn]:
    """0–6 rows: random kind and stored status, corrected times from a small set (so ties happen)."""
    rows = []
    for i in range(rng.randint(0, 6)):
        at = T0 + timedelta(seconds=rng.choice([0, 1, 1, 2, 5]))
        rows.append(CheckIn(ticket_number=tn, event_id=event_id, kind=rng.choice([CHECK_IN, UNDO]),
                            status=rng.choice([ACCEPTED, ACCEPTED, DUPLICATE]), device_time=at, corrected_time=at,
                            station=f"S{i}", operator="", method="SCAN", nonce=f"{tn}-{i}"))
    return rows


def _ledger_of_random_logs(session, walked: bool):
    rng = random.Random(SEED + walked)
    ev = add_event(session)
    add_order(session, ev, "R-0000-", tickets=TICKETS, definition=add_definition(session, ev))
    numbers = [f"R-0000-{21 + i:03d}" for i in range(TICKETS)]
    for tn in numbers:
        rows = _random_log(rng, tn, ev.id)
        rng.shuffle(rows)  # insertion (id) order differs from time order
        session.add_all(rows)
        session.flush()
        if walked:  # statuses as the merge rule stores them
            walk(tn, rows)
    session.commit()
    return ev.id, numbers


def _python_form(session, numbers) -> set[str]:
    by_ticket = {tn: [] for tn in numbers}
    for row in session.scalars(select(CheckIn)):
        by_ticket[row.ticket_number].append(row)
    return {tn for tn, rows in by_ticket.items() if current_check_in(rows) is not None}


def _check_agreement(session, event_id, numbers):
    python = _python_form(session, numbers)
    mapped = checked_in_map(session, numbers)
    assert set(mapped) == python
    for tn, row in mapped.items():  # the same row, not just the same answer
        rows = list(session.scalars(select(CheckIn).where(CheckIn.ticket_number == tn)))
        assert current_check_in(rows).id == row.id
    assert set(checked_in_map(session, None)) == python
    expr = set(session.scalars(select(Ticket.ticket_number).where(is_checked_in_expr())))
    assert expr == python
    listed = {t.ticket_number for t in list_tickets(session, [event_id], states=["CHECKED_IN"], limit=100).items}
    not_listed = {t.ticket_number for t in list_tickets(session, [event_id], states=["NON_CHECKED_IN"],
                                                        limit=100).items}
    assert listed == python and not_listed == set(numbers) - python
    return python


def test_sql_and_python_forms_agree_on_arbitrary_statuses(session):
    event_id, numbers = _ledger_of_random_logs(session, walked=False)
    python = _check_agreement(session, event_id, numbers)
    assert 0 < len(python) < TICKETS  # the sample exercises both answers


def test_sql_and_python_forms_agree_on_walked_logs_and_match_the_walk(session):
    event_id, numbers = _ledger_of_random_logs(session, walked=True)
    python = _check_agreement(session, event_id, numbers)
    for tn in numbers:
        rows = list(session.scalars(select(CheckIn).where(CheckIn.ticket_number == tn)))
        assert walk(tn, rows).checked_in == (tn in python)
    assert 0 < len(python) < TICKETS
