"""The debouncer: the same code read twice within the window counts once."""
from app.debounce import Debouncer


def test_same_code_within_window_counts_once():
    now = [0.0]
    d = Debouncer(2.0, clock=lambda: now[0])
    assert d.accept("A")
    now[0] = 1.0
    assert not d.accept("A")
    assert d.accept("B")
    now[0] = 2.5  # seen at 1.0: still inside the window
    assert not d.accept("A")
    now[0] = 5.0
    assert d.accept("A")


def test_forget_and_bounded_memory():
    now = [0.0]
    d = Debouncer(10.0, clock=lambda: now[0], max_codes=3)
    for code in "ABCD":
        now[0] += 1
        assert d.accept(code)
    d.forget("D")
    assert d.accept("D")
    assert d.accept("A"), "the stalest code was forgotten"
    d.forget()
    assert d.accept("B")
