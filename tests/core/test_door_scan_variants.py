"""core.door verdicts for unseen input variants (BC-01, BC-02, BC-04, WR-07): never a wrong admission, never a
lookup of junk, a clear message, and the ledger holds exactly the check-ins the screen showed."""
import pytest
from sqlalchemy import func, select

from core.checkin import Verdict
from core.codes import check_in_url
from core.door import Door, scan
from core.models import CheckIn, OutboxEntry
from tests.core.checkin_data import T0, add_definition, add_event, add_order
from tests.core.test_codes_layout import typed_on

ORDER = "TQ4M-88RA-KD"
TN, TN2 = ORDER + "021", ORDER + "022"


@pytest.fixture
def gala(ledger):
    with ledger.uow() as uow:
        ev, other = add_event(uow.session), add_event(uow.session, title="Other")
        add_order(uow.session, ev, ORDER, tickets=2, definition=add_definition(uow.session, ev))
        uow.commit()
        return ev.id, other.id


def _counts(ledger):
    with ledger.uow() as uow:
        return (uow.session.scalar(select(func.count()).select_from(CheckIn)),
                uow.session.scalar(select(func.count()).select_from(OutboxEntry)))


@pytest.mark.parametrize("payload", [
    "\ufeff{url}", "{url}\r\n", "http://wixevents.com/check-in/{tn},{ev}/?utm_source=mail#x",
    "HTTPS://WWW.WIXEVENTS.COM/check-in/{tn}%2C{ev}", '"{tn}"', "“{tn}”", "{tn_lower}\t",
    "{de_url}\r", "{fr_tn}\r",
])
def test_wr07_bc01_variants_admit_the_ticket_meant(ledger, gala, payload):
    """WR-07/BC-01: BOM, CR/LF, http, slash/query/fragment, %2C, upper-case host, quotes, wedge layouts."""
    ev, _ = gala
    url = check_in_url(TN, ev)
    text = payload.format(url=url, tn=TN, ev=ev, tn_lower=TN.lower(), de_url=typed_on("German (QWERTZ)", url),
                          fr_tn=typed_on("French (AZERTY)", TN))
    result = scan(ledger, Door((ev,), "Door A"), text, now=T0)
    assert (result.verdict, result.ticket_number) == (Verdict.OK, TN)
    assert _counts(ledger) == (1, 1)


@pytest.mark.parametrize("typed", ["tq4m 88ra kdO21", "TQ4M88RAKDO21", "tq4m-88ra-kd02i"])
def test_wr07_typed_look_alike_suffix_admits_the_real_number(ledger, gala, typed):
    """WR-07: O/0 and I/1 in the digit suffix are read as digits; the row is stored under the real number."""
    ev, _ = gala
    result = scan(ledger, Door((ev,), "Door A"), typed, method="MANUAL", now=T0)
    assert (result.verdict, result.ticket_number) == (Verdict.OK, TN)
    with ledger.uow() as uow:
        assert list(uow.session.scalars(select(CheckIn.ticket_number))) == [TN]


def test_bc02_scanned_look_alike_is_not_corrected(ledger, gala):
    """BC-02: a scanned code with 1 → I in its suffix is a changed code, not a typo: UNKNOWN, nothing stored."""
    ev, _ = gala
    door = Door((ev,), "Door A")
    assert scan(ledger, door, TN[:-1] + "I", now=T0).verdict is Verdict.UNKNOWN
    assert scan(ledger, door, check_in_url(TN[:-1] + "I", ev), method="MANUAL", now=T0).verdict is Verdict.UNKNOWN
    assert _counts(ledger) == (0, 0)


@pytest.mark.parametrize("payload,kind", [
    ("abcdefghjkmnpqrstuvwxyz234567890", "another ticket system"),  # pretix secret
    ("123456789012345678001", "number-only barcode"),               # Eventbrite-style barcode
    ("https://ads.example.com/promo", "web link"),                  # an advert QR
    ("WIFI:T:WPA;S:Guest;P:pw;;", "Wi-Fi"),
    ("BEGIN:VCARD\nFN:Ana\nEND:VCARD", "contact card"),
    ("T-7781/Łucja Ørsted-Núñez", "never has"),                     # BC-01: non-ASCII is never looked up
])
def test_bc02_foreign_codes_are_invalid_with_a_clear_message_and_store_nothing(ledger, gala, payload, kind):
    """BC-02 / other systems: INVALID (no ticket number, so no server lookup either), nothing stored."""
    ev, _ = gala
    result = scan(ledger, Door((ev,), "Door A"), payload, now=T0)
    assert result.verdict is Verdict.INVALID and result.ticket_number is None and kind in result.message
    assert _counts(ledger) == (0, 0)


def test_bc02_one_character_changed_is_never_a_wrong_admission(ledger, gala):
    """BC-02: a valid code with one character changed is unknown (or the other real ticket it now names)."""
    ev, _ = gala
    door = Door((ev,), "Door A")
    changed = check_in_url(TN.replace("KD", "KB"), ev)
    assert scan(ledger, door, changed, now=T0).verdict is Verdict.UNKNOWN
    other_guid = ev[:-1] + ("0" if ev[-1] != "0" else "1")
    assert scan(ledger, door, check_in_url(TN, other_guid), now=T0).verdict is Verdict.WRONG_EVENT
    assert _counts(ledger) == (0, 0)


def test_wr07_url_of_another_event_is_wrong_event(ledger, gala):
    ev, other = gala
    result = scan(ledger, Door((other,), "Door A"), check_in_url(TN, ev), now=T0)
    assert result.verdict is Verdict.WRONG_EVENT and _counts(ledger) == (0, 0)


def test_bc04_double_read_without_enter_is_invalid(ledger, gala):
    """BC-04: two codes read as one line (`…{eventId}https://…`) is not a check-in; scan again."""
    ev, _ = gala
    result = scan(ledger, Door((ev,), "Door A"), check_in_url(TN, ev) + check_in_url(TN2, ev), now=T0)
    assert result.verdict is Verdict.INVALID and "scan again" in result.message
    assert _counts(ledger) == (0, 0)
