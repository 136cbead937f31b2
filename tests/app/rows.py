"""Row DTOs for model tests (no database): a few orders, tickets, definitions and payments."""
from __future__ import annotations

from datetime import datetime, timezone

from app.queries import DefinitionRow, OrderRow, SaleRow, TicketRow
from core.money import Money

T0 = datetime(2026, 3, 7, 18, 30, tzinfo=timezone.utc)


def eur(text: str) -> Money:
    return Money.of(text, "EUR")


def definitions() -> list[DefinitionRow]:
    return [
        DefinitionRow("d1", "Standing", eur("25.00"), True, 100, 20, 98, 2, 10, 0, "SALE_STARTED", False, 0, {}),
        DefinitionRow("d2", "Guest list", eur("0"), False, None, 20, 5, 0, 1, None, "SALE_STARTED", True, 1, {}),
        DefinitionRow("d3", "Late", eur("39.50"), True, 10, 4, 1, 0, 0, 9, "SALE_SCHEDULED", False, 2, {}),
    ]


def orders() -> list[OrderRow]:
    return [
        OrderRow("AAAA-BBBB-CC", "PAID", "Ana Moreira", "ana@example.org", 2, 1, eur("50.00"), T0, False,
                 "OFFLINE_POS", "cash"),
        OrderRow("DDDD-EEEE-FF", "OFFLINE_PENDING", "Mira Castell", "", 1, 0, eur("39.50"), T0.replace(hour=17),
                 False, "ONLINE", "inPerson"),
        OrderRow("GGGG-HHHH-JJ", "CANCELED", "Ελένη Παπαδοπούλου", "e@example.org", 3, 3, eur("75.00"),
                 T0.replace(hour=19), True, "ONLINE", "payPal"),
    ]


def tickets() -> list[TicketRow]:
    return [
        TicketRow("AAAA-BBBB-CC021", "AAAA-BBBB-CC", "d1", "Standing", "Ana Moreira", "ana@example.org", "PAID",
                  eur("25.00"), T0, "Door A", False, False, False),
        TicketRow("AAAA-BBBB-CC022", "AAAA-BBBB-CC", "d1", "Standing", "Ana Moreira", "ana@example.org", "PAID",
                  eur("25.00"), None, "", False, False, False),
        TicketRow("DDDD-EEEE-FF021", "DDDD-EEEE-FF", "d3", "Late", "Mira Castell", "", "OFFLINE_PENDING",
                  eur("39.50"), None, "", False, False, False),
    ]


def sales() -> list[SaleRow]:
    return [SaleRow(T0, "AAAA-BBBB-CC", "Ana Moreira", "cash", eur("50.00"), eur("60.00"), eur("10.00"), "Till 1"),
            SaleRow(T0.replace(minute=45), "KKKK-LLLL-MM", "Zoë Brontë", "card", eur("25.00"), None, None, "Till 2")]
