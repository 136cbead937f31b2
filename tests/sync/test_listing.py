"""sync.listing: offset paging of a plain contract server's listings — short pages before the end, no `total`,
an empty last page, the same item on two pages, items shifting while paged, a server ignoring `offset`."""
from __future__ import annotations

import pytest

from sync.errors import StuckCursor
from sync.listing import item_key, list_all, total_of


class Server:
    """A listing of `items` served `cap` per page (below our limit), with or without `total`; `during(offset)`
    runs before each page (a writer changing the list while it is paged)."""

    def __init__(self, n: int, *, cap: int = 3, total: bool = True, during=None):
        self.items = [{"orderNumber": f"O-{i:03d}"} for i in range(n)]
        self.cap, self.total, self.during, self.calls = cap, total, during, []

    def __call__(self, offset: int) -> dict:
        self.calls.append(offset)
        if self.during:
            self.during(self, offset)
        body = {"orders": [dict(i) for i in self.items[offset:offset + self.cap]], "offset": offset, "limit": 100}
        return {**body, "total": len(self.items)} if self.total else body


def _run(server: Server):
    pages: list[list] = []
    done = list_all("orders", server, "orders", pages.append)
    return done, [i["orderNumber"] for p in pages for i in p]


@pytest.mark.parametrize("total", [True, False])
def test_a_page_shorter_than_the_limit_is_not_the_end(total):
    done, got = _run(Server(8, cap=3, total=total))
    assert done.complete and sorted(set(got)) == [f"O-{i:03d}" for i in range(8)] and done.passes == 1


def test_without_a_total_the_listing_ends_on_an_empty_page():
    server = Server(6, cap=3, total=False)
    done, got = _run(server)
    assert server.calls == [0, 3, 6] and len(got) == 6 and done.complete


def test_an_order_added_at_the_front_while_paging_skips_nothing():
    def insert_front(server, offset):
        if offset == 3 and len(server.items) == 7:  # a sale while we read (a newest-first server)
            server.items.insert(0, {"orderNumber": "O-NEW"})
    server = Server(7, cap=3, during=insert_front)
    done, got = _run(server)
    assert set(got) == {i["orderNumber"] for i in server.items} and done.passes == 2 and done.complete


def test_an_order_removed_while_paging_skips_no_other():
    def remove(server, offset):
        if offset == 3 and len(server.items) == 7:
            del server.items[0]
    server = Server(7, cap=3, during=remove)
    done, got = _run(server)
    assert {i["orderNumber"] for i in server.items} <= set(got) and done.passes == 2


def test_the_same_item_on_two_pages_is_counted_once():
    class Dup(Server):
        def __call__(self, offset):
            body = super().__call__(offset)
            if offset == 3:
                body["orders"].insert(0, {"orderNumber": "O-002"})
                body["orders"] = body["orders"][:3]
            return body
    done, got = _run(Dup(6, cap=3))
    assert "O-002" in got and done.seen >= {"O-000", "O-001", "O-002"}


def test_a_server_that_ignores_offset_stops_before_applying_the_repeat():
    pages: list = []
    with pytest.raises(StuckCursor):
        list_all("orders", lambda off: {"orders": [{"orderNumber": "O-1"}], "total": 5}, "orders", pages.append)
    assert len(pages) == 1


def test_keys_and_totals():
    assert item_key({"ticketNumber": "t-1", "orderNumber": "O"}) == "T-1"
    assert item_key({"orderNumber": "O"}) == "O" and item_key({"id": "d"}) == "d" and item_key([]) is None
    assert total_of({"total": "7"}) == 7 and total_of({"metaData": {"total": 3}}) == 3
    assert total_of({}) is None and total_of({"total": "many"}) is None
