"""Reading the hub's change feed one page ahead (issue 11): while the station applies page N, a worker thread
already asks the hub for page N+1, so the hub's rendering and the transfer overlap the station's writes
instead of adding to them (the first pull of 100,000 tickets is 25 such pages).

One request at most is in flight and the caller uses the API client only through this reader meanwhile (the
client serves one thread at a time). A page asked ahead is used only if the caller then asks for the same
cursor; an error of the worker's request is raised to the caller when it asks for that page, never before.
`close()` waits for a request still in flight (bounded by the client's timeouts and run deadline)."""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable


class PageReader:
    """Pages of one feed: `fetch(cursor)` returns the page after `cursor` (None = the beginning)."""

    def __init__(self, fetch: Callable[[str | None], dict]):
        self._fetch = fetch
        self._pool: ThreadPoolExecutor | None = None
        self._ahead: tuple[str | None, Future] | None = None

    def ask_ahead(self, cursor: str | None) -> None:
        """Start fetching the page after `cursor` on the worker thread (one page ahead at most: a page
        already asked for is awaited first)."""
        self._settle()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="feed-ahead")
        self._ahead = (cursor, self._pool.submit(self._fetch, cursor))

    def page(self, cursor: str | None) -> dict:
        """The page after `cursor`: the one asked ahead for this cursor (waiting for it; its error is raised
        here), else fetched now on the caller's thread."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            if ahead[0] == cursor:
                return ahead[1].result()
            _wait(ahead[1])
        return self._fetch(cursor)

    def close(self) -> None:
        """Wait for a request still in flight (its answer or error is dropped) and stop the worker."""
        self._settle()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def __enter__(self) -> "PageReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _settle(self) -> None:
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            _wait(ahead[1])


def _wait(future: Future) -> None:
    """Wait for `future`, dropping its result or error (a page nobody asks for any more)."""
    try:
        future.result()
    except BaseException:  # noqa: BLE001 - the page is not used; its error belongs to no caller
        pass
