"""core.money: exact Decimal money with ISO-4217 exponents (cases BC-07, BC-08, BC-09)."""
from decimal import Decimal

import pytest

from core.errors import InvalidArgument
from core.money import Money, check_currency, exponent, split_tax_inclusive


def test_bc07_no_float_drift():
    """BC-07: 19.99 x 3 = 59.97 exactly; 19.99 and 4.56 are 1999 and 456 minor units; 390 x 30.00."""
    assert Money.of("19.99", "EUR") * 3 == Money.of("59.97", "EUR")
    assert (Money.of("19.99", "EUR") * 3).amount == Decimal("59.97")
    assert Money.of("19.99", "EUR").minor == 1999
    assert Money.of("4.56", "EUR").minor == 456
    total = 390 * Money.of("30.00", "USD")
    assert total.amount == Decimal("11700.00") and total.minor == 1170000
    assert total.format("en_US") == "$11,700.00" and "11,700.00" in Money.of("11700", "EUR").format("en_US")


def test_bc07_float_refused_everywhere():
    with pytest.raises(TypeError):
        Money.of(19.99, "EUR")
    with pytest.raises(InvalidArgument):
        Money.from_api({"value": 19.99, "currency": "EUR"})      # a JSON number with a fraction
    with pytest.raises(TypeError):
        Money.of("1.00", "EUR") * 1.5


def test_bc07_more_decimals_than_the_currency_refused():
    with pytest.raises(InvalidArgument):
        Money.of("7.775", "EUR")
    with pytest.raises(InvalidArgument):
        Money.of("1500.5", "JPY")
    assert Money.of("7.770", "EUR") == Money.of("7.77", "EUR")


def test_bc08_tax_inclusive_split_per_order():
    """BC-08: 2 x 25.00 AUD incl. 10% -> net 45.45 + tax 4.55 = 50.00, never 50.01."""
    gross = Money.of("25.00", "AUD") * 2
    net, tax = split_tax_inclusive(gross, Decimal("10"))
    assert (net, tax) == (Money.of("45.45", "AUD"), Money.of("4.55", "AUD"))
    assert net + tax == gross == Money.of("50.00", "AUD")
    assert gross.format("en_AU") == "$50.00"


def test_bc09_jpy_zero_decimals():
    """BC-09: 1500 JPY is 1500 minor units, shown ¥1,500; x3 = ¥4,500; no .00."""
    price = Money.of("1500", "JPY")
    assert exponent("JPY") == 0 and price.minor == 1500
    assert Money.from_minor(1500, "JPY") == price
    assert price.format("en_US") == "¥1,500"
    assert (price * 3).format("en_US") == "¥4,500" and (price * 3).minor == 4500
    assert price.to_api() == {"value": "1500", "amount": "1500", "currency": "JPY"}
    change = Money.of("5000", "JPY") - price * 3
    assert change.minor == 500 and change.to_api()["value"] == "500"


def test_bc09_kwd_three_decimals():
    assert exponent("KWD") == 3
    kwd = Money.of("1.234", "KWD")
    assert kwd.minor == 1234 and Money.from_minor(1234, "KWD") == kwd
    assert kwd.to_api()["value"] == "1.234"
    assert (kwd * 3).to_api()["value"] == "3.702"
    assert "1.234" in kwd.format("en_US")
    assert Money.from_minor(1000, "KWD").to_api()["value"] == "1.000"


def test_from_api_value_or_amount_and_default_currency():
    assert Money.from_api({"amount": "10.50", "currency": "EUR"}) == Money.of("10.50", "EUR")
    assert Money.from_api({"value": "3", "amount": "9"}, default_currency="usd") == Money.of("3.00", "USD")
    assert Money.from_api(None) is None and Money.from_api({"currency": "EUR"}) is None
    with pytest.raises(InvalidArgument):
        Money.from_api({"value": "ten", "currency": "EUR"})


def test_currency_checks_and_mixing():
    assert check_currency(" eur ") == "EUR"
    with pytest.raises(InvalidArgument):
        check_currency("EURO")
    with pytest.raises(InvalidArgument):
        Money.of("1.00", "EUR") + Money.of("1.00", "USD")
    with pytest.raises(InvalidArgument):
        Money.of("NaN", "EUR")
    assert Money.of("1.00", "EUR") < Money.of("1.01", "EUR")


def test_format_uses_the_currency_home_locale_only_without_a_symbol():
    """Issue 9 item 6: 'TRY250.00' was printed; babel's home locale of a currency writes '₺250,00'."""
    assert Money.of("250", "TRY").format("en_US") == "₺250,00"
    assert Money.of("1500", "INR").format("en_US") == "₹1,500.00"  # en_US has the symbol: its own format
    assert Money.of("19.99", "EUR").format("de_DE") == "19,99\xa0€"
    assert Money.of("10", "CHF").format("en_US") == "CHF10.00"  # no symbol at home either: unchanged
