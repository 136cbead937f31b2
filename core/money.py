"""Money: a Decimal amount plus an ISO-4217 currency, stored as integer minor units (case BC-07, BC-08, BC-09).

Never a float. The number of decimals of a currency comes from babel's ISO-4217 data
(JPY 0, EUR 2, KWD 3), never a hard-coded 2.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from babel import Locale
from babel.core import get_global
from babel.numbers import (format_currency, get_currency_precision, get_currency_symbol,
                           get_territory_currencies, list_currencies)

from core.errors import InvalidArgument

_KNOWN = frozenset(list_currencies())
_TERRITORIES = tuple(get_global("territory_currencies"))
# Parsed amounts stay below 10**15 minor units, so even 979 tickets' total fits a 64-bit INTEGER column.
MAX_MINOR_DIGITS = 15


def check_currency(code: str) -> str:
    """Return the upper-cased ISO-4217 code, or raise InvalidArgument for an unknown one."""
    code = (code or "").strip().upper()
    if code not in _KNOWN:
        raise InvalidArgument(f"unknown ISO-4217 currency {code!r}", field="currency")
    return code


@lru_cache(maxsize=512)  # babel's look-up cost ~40% of rendering a Money (issue 11); errors are not cached
def exponent(currency: str) -> int:
    """Number of decimals of `currency` (ISO-4217 minor-unit exponent: JPY 0, EUR 2, KWD 3)."""
    return get_currency_precision(check_currency(currency))


@dataclass(frozen=True, order=False)
class Money:
    """An exact amount of one currency.

    `amount` is a Decimal in major units (10.50 EUR = Decimal("10.50")); `currency` an ISO-4217 code.
    Arithmetic refuses to mix currencies (InvalidArgument). Construct with Money.of("19.99", "EUR").
    """

    amount: Decimal
    currency: str

    @classmethod
    def of(cls, amount: Any, currency: str) -> "Money":
        """Parse a str/int/Decimal amount (never a float: TypeError) exactly; more decimals than the
        currency allows raise InvalidArgument instead of rounding silently (case BC-07), and so do amounts of
        10**15 minor units or more (they would not fit the ledger's integer columns)."""
        if isinstance(amount, float):
            raise TypeError("Money never takes a float; pass a str or Decimal")
        cur = check_currency(currency)
        try:
            dec = Decimal(str(amount).strip())
        except (InvalidOperation, ValueError):
            raise InvalidArgument(f"not a decimal amount: {amount!r}", field="price") from None
        if not dec.is_finite():
            raise InvalidArgument(f"not a finite amount: {amount!r}", field="price")
        exp = exponent(cur)
        if dec and dec.adjusted() + exp >= MAX_MINOR_DIGITS:  # quantize() would raise InvalidOperation
            raise InvalidArgument(f"amount too large: {amount}", field="price")
        quant = Decimal(1).scaleb(-exp)
        if dec != dec.quantize(quant, rounding=ROUND_HALF_EVEN):
            raise InvalidArgument(f"{amount} has more than {exp} decimals for {cur}", field="price")
        return cls(dec.quantize(quant), cur)

    @classmethod
    def zero(cls, currency: str) -> "Money":
        return cls.of(0, currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> "Money":
        """Build from integer minor units (1999 EUR-cents -> 19.99 EUR; 1500 JPY -> 1500 JPY)."""
        cur = check_currency(currency)
        return cls(Decimal(int(minor)).scaleb(-exponent(cur)).quantize(Decimal(1).scaleb(-exponent(cur))), cur)

    @classmethod
    def from_api(cls, obj: dict | None, default_currency: str | None = None) -> "Money | None":
        """Read the contract's Money `{value|amount: "10.00", currency}` (API.md §5: value ?? amount)."""
        if not obj:
            return None
        raw = obj.get("value") if obj.get("value") not in (None, "") else obj.get("amount")
        cur = obj.get("currency") or default_currency
        if raw in (None, "") or not cur:
            return None
        if isinstance(raw, float):  # a JSON number with a fraction is already inexact (case BC-07)
            raise InvalidArgument(f"amount must be a decimal string, not the float {raw!r}", field="price")
        return cls.of(str(raw), cur)

    @property
    def minor(self) -> int:
        """Integer minor units (19.99 EUR -> 1999; 1500 JPY -> 1500; 1.234 KWD -> 1234)."""
        return int(self.amount.scaleb(exponent(self.currency)).to_integral_value(rounding=ROUND_HALF_EVEN))

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    def _same(self, other: "Money") -> None:
        if not isinstance(other, Money) or other.currency != self.currency:
            raise InvalidArgument(f"cannot combine {self.currency} with {getattr(other, 'currency', other)}")

    def __add__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, qty: int) -> "Money":
        if not isinstance(qty, int) or isinstance(qty, bool):
            raise TypeError("Money multiplies by an int quantity only")
        return Money(self.amount * qty, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: "Money") -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: "Money") -> bool:
        self._same(other)
        return self.amount <= other.amount

    def to_api(self) -> dict:
        """The contract's Money: decimal strings with '.' (API.md §5); both `value` and `amount` are sent."""
        text = f"{self.amount:f}"
        return {"value": text, "amount": text, "currency": self.currency}

    def format(self, locale: str = "en_US") -> str:
        """Locale-aware text via babel (19.99 EUR -> '€19.99'; 1500 JPY -> '¥1,500'). Where `locale` knows
        the currency only by its ISO code ('TRY250.00'), the currency's home locale writes it instead
        (250 TRY -> '₺250,00', 300 UAH -> '300,00 ₴'; issue 9 item 6): the ONE money formatter of the GUI
        (app.formatting.money) and the PDFs (core.pdf)."""
        return format_currency(self.amount, self.currency, locale=display_locale(self.currency, locale))

    def __str__(self) -> str:
        return f"{self.amount:f} {self.currency}"


@lru_cache(maxsize=512)
def display_locale(currency: str, locale: str = "en_US") -> str:
    """The babel locale that writes `currency` with a symbol: `locale` itself when it has one for it (en_US
    writes EUR as '€'), else the likely locale of the one territory whose tender it is (TRY -> tr_TR, UAH ->
    uk_UA, KWD -> ar_KW), else `locale` (CHF stays 'CHF', so does a currency of many territories)."""
    cur = check_currency(currency)
    if get_currency_symbol(cur, locale) != cur:
        return locale
    homes = [t for t in _TERRITORIES if cur in get_territory_currencies(t)]
    if len(homes) != 1:
        return locale
    try:
        home = str(Locale.parse(f"und_{homes[0]}"))
    except Exception:  # babel has no likely locale for the territory
        return locale
    return home if get_currency_symbol(cur, home) != cur else locale


def split_tax_inclusive(gross: Money, rate_percent: Decimal) -> tuple[Money, Money]:
    """Split a tax-inclusive gross total into (net, tax), rounding the tax once per order with
    ROUND_HALF_EVEN, so net + tax == gross exactly (case BC-08: 2 x 25.00 AUD incl. 10% -> 45.45 + 4.55)."""
    exp = exponent(gross.currency)
    quant = Decimal(1).scaleb(-exp)
    tax = (gross.amount * rate_percent / (Decimal(100) + rate_percent)).quantize(quant, rounding=ROUND_HALF_EVEN)
    return Money(gross.amount - tax, gross.currency), Money(tax, gross.currency)
