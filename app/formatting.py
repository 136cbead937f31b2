"""Display formatting for the GUI: money via babel in the station's locale, times in the event's zone."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from core.money import Money
from core.timeutil import local

_locale = "en_US"


def set_locale(name: str) -> None:
    """Use the babel locale `name` (e.g. "de_CH") for money; unknown names keep the current one."""
    global _locale
    try:
        from babel import Locale

        Locale.parse(name)
    except Exception:
        return
    _locale = name


def money(value: Money | None) -> str:
    """'€19.99' (locale-aware); '' for None. Free (0) shows as the formatted zero."""
    if value is None:
        return ""
    return _money_text(value, _locale)


def money_code(value: Money | None) -> str:
    """'25.00 EUR': the amount with its ISO-4217 code, for screens where more than one currency is in play
    (a '$' or 'kr' alone would be ambiguous); '' for None."""
    return "" if value is None else str(value)


@lru_cache(maxsize=4096)
def _money_text(value: Money, locale: str) -> str:
    # babel formatting costs tens of µs; tables ask for the same few prices thousands of times.
    try:
        return value.format(locale)
    except Exception:
        return str(value)


def when(value: datetime | None, tz_name: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """`value` (aware UTC) as wall time in the event's zone `tz_name`; '' for None."""
    if value is None:
        return ""
    try:
        return local(value, tz_name).strftime(fmt)
    except Exception:
        return value.strftime(fmt + " UTC")


def clock(value: datetime | None, tz_name: str) -> str:
    """'20:41' in the event's zone, with the date when it is not today there."""
    if value is None:
        return ""
    from core.timeutil import utcnow

    try:
        here = local(value, tz_name)
        today = local(utcnow(), tz_name).date()
    except Exception:
        return when(value, "UTC")
    return here.strftime("%H:%M") if here.date() == today else here.strftime("%Y-%m-%d %H:%M")


def parse_money(text: str, currency: str) -> Money | None:
    """An amount typed by the operator ('30', '30.5', '30,50', '€ 1,234.50' is refused) as Money, or None
    when empty or not a valid amount of `currency` (never a float; too many decimals is invalid)."""
    cleaned = (text or "").strip().replace(" ", "")
    if not cleaned:
        return None
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = Money.of(cleaned, currency)
    except Exception:
        return None
    return value if value.amount >= 0 else None
