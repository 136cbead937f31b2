"""core.textsearch_page (issue 11): the first matches of index-driven selects, distinct and capped, and the
Python sort that equals SQLite's ORDER BY value [DESC], key."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine, select, table, column
from sqlalchemy.orm import Session

from core.textsearch_page import first_matches, ordered


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (k TEXT PRIMARY KEY, v)")
        conn.exec_driver_sql("INSERT INTO t VALUES ('a', 3), ('b', 1), ('c', 2), ('d', NULL), ('e', 1)")
    with Session(engine) as s:
        yield s


T = table("t", column("k"), column("v"))


def test_distinct_keys_across_drivers(session):
    found = first_matches(session, [select(T.c.k, T.c.v).where(T.c.v == 1), select(T.c.k, T.c.v)], cap=10)
    assert not found.capped and [k for k, _ in found.rows] == ["b", "e", "a", "c", "d"]


def test_capped_stops_after_cap_plus_one_and_skips_later_drivers(session):
    found = first_matches(session, [select(T.c.k, T.c.v), select(T.c.k, T.c.v).where(T.c.k == "zzz")], cap=2)
    assert found.capped and len(found.rows) == 3
    assert not first_matches(session, [select(T.c.k, T.c.v)], cap=5).capped


@pytest.mark.parametrize("descending", [False, True])
def test_ordered_equals_sqlite_order_by(descending):
    rows = [("k1", "b"), ("k2", None), ("k3", "a"), ("k0", "b"), ("k4", "É"), ("k5", "e"), ("k6", None),
            ("k7", "Z")]
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE r (k, v)")
    con.executemany("INSERT INTO r VALUES (?, ?)", rows)
    sql = f"SELECT k FROM r ORDER BY v {'DESC' if descending else 'ASC'}, k ASC"
    assert ordered(rows, descending) == [k for (k,) in con.execute(sql)]
    numbers = [("x2", 20), ("x1", 100), ("x3", 20)]
    assert ordered(numbers) == ["x2", "x3", "x1"] and ordered(numbers, True) == ["x1", "x2", "x3"]
