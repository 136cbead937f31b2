"""Display formatting: money with babel, times in the event's zone, typed amounts never as float."""
from datetime import datetime, timezone

from app import formatting
from core.money import Money


def test_money_and_parse():
    assert formatting.money(Money.of("19.99", "EUR")) == "€19.99"
    assert formatting.money(Money.of("1500", "JPY")) == "¥1,500"
    # issue 9 item 6: a currency the station's locale only knows by its code is written as at home
    assert formatting.money(Money.of("250", "TRY")) == "₺250,00"
    assert formatting.money(Money.of("300", "UAH")) == "300,00\xa0₴"
    assert formatting.money(None) == ""
    assert formatting.parse_money("30,5", "EUR") == Money.of("30.50", "EUR")
    assert formatting.parse_money("1500", "JPY") == Money.of("1500", "JPY")
    for bad in ("", "abc", "-3", "10.005", "1.5e3x"):
        assert formatting.parse_money(bad, "EUR") is None, bad
    assert formatting.parse_money("10.5", "JPY") is None


def test_times_in_event_zone():
    when = datetime(2025, 10, 26, 7, 30, tzinfo=timezone.utc)
    assert formatting.when(when, "Europe/Zurich") == "2025-10-26 08:30"
    assert formatting.when(None, "UTC") == ""
    assert formatting.clock(when, "Europe/Zurich") == "2025-10-26 08:30"
