"""core.codes_layout: wedge-scanner reads typed through a German or French keyboard layout (WR-07)."""
import pytest

from core.codes_layout import _LAYOUTS, _US, layout_candidates

EV = "5b0c7e2a-1111-4c2d-9e0f-0a1b2c3d4e5f"
URL = f"https://www.wixevents.com/check-in/TQ4M-88RA-KD021,{EV}"


def typed_on(layout: str, text: str) -> str:
    """What a US-configured wedge scanner's keys type for `text` on `layout`."""
    return text.translate(str.maketrans(_US, _LAYOUTS[layout]))


def test_tables_are_key_for_key_bijections():
    for typed in _LAYOUTS.values():
        assert len(typed) == len(_US) and len(set(typed)) == len(typed)


@pytest.mark.parametrize("layout", list(_LAYOUTS))
@pytest.mark.parametrize("code", [URL, "TQ4M-88RA-KD021", "2Z4T-98RG-RNZ021"])
def test_wr07_layout_reads_map_back_exactly(layout, code):
    """WR-07: QWERTZ `ß` for `-`, `Ö` for `:`, y/z swapped; AZERTY `&é"'(` for 12345, a/q and z/w swapped."""
    assert (layout, code) in layout_candidates(typed_on(layout, code))


def test_examples_of_each_layout():
    assert typed_on("German (QWERTZ)", "2Z4T-98RG") == "2Y4Tß98RG"
    assert typed_on("French (AZERTY)", "12345") == "&é\"'("


@pytest.mark.parametrize("text", [URL, "TQ4M-88RA-KD021", "045398", "wikipedi!", ""])
def test_plain_ascii_is_never_remapped(text):
    """A US-layout read carries no tell-tale character: it is parsed as it came, never guessed at."""
    assert layout_candidates(text) == []
