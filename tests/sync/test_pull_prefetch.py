"""sync.pull_prefetch.PageReader (issue 11): the next feed page is fetched on a worker thread while the
current one is applied; errors surface when that page is asked for; a page asked ahead for another cursor
is dropped."""
from __future__ import annotations

import threading
import time

import pytest

from sync.pull_prefetch import PageReader


class Feed:
    """fetch(cursor) → {cursor: next}; records the threads and cursors asked; `fail` = cursors that raise."""

    def __init__(self, fail=(), delay=0.0):
        self.asked, self.threads, self.fail, self.delay = [], [], set(fail), delay

    def __call__(self, cursor):
        self.asked.append(cursor)
        self.threads.append(threading.current_thread().name)
        time.sleep(self.delay)
        if cursor in self.fail:
            raise RuntimeError(f"hub down at {cursor}")
        return {"cursor": (cursor or "c0") + "+"}


def test_a_page_asked_ahead_comes_from_the_worker_thread():
    feed = Feed(delay=0.05)
    with PageReader(feed) as pages:
        first = pages.page(None)
        pages.ask_ahead(first["cursor"])
        t0 = time.perf_counter()
        time.sleep(0.1)  # "applying" page 1 while page 2 is fetched
        second = pages.page(first["cursor"])
        assert time.perf_counter() - t0 < 0.14  # the fetch overlapped the apply
    assert second == {"cursor": "c0++"}
    assert feed.asked == [None, "c0+"]
    assert feed.threads[0] == threading.current_thread().name and feed.threads[1].startswith("feed-ahead")


def test_an_error_of_a_page_asked_ahead_is_raised_when_that_page_is_asked_for():
    feed = Feed(fail={"c0+"})
    with PageReader(feed) as pages:
        pages.ask_ahead("c0+")  # fails on the worker: nothing raised yet
        with pytest.raises(RuntimeError, match="hub down at c0\\+"):
            pages.page("c0+")


def test_a_page_asked_ahead_for_another_cursor_is_dropped():
    feed = Feed(fail={"x"})
    with PageReader(feed) as pages:
        pages.ask_ahead("x")  # its error belongs to no caller
        assert pages.page("y") == {"cursor": "y+"}
    assert feed.asked == ["x", "y"]


def test_close_waits_for_a_request_in_flight():
    feed = Feed(delay=0.1)
    pages = PageReader(feed)
    pages.ask_ahead("c1")
    pages.close()
    assert feed.asked == ["c1"] and not any(t.name.startswith("feed-ahead") for t in threading.enumerate())
