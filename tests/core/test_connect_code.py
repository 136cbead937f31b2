"""core/connect_code.py: the hub URL + station key + name in one QR text (issue 12), round trip and refusals."""
import pytest

from core.connect_code import ConnectCode, make_connect_code, parse_connect_code
from core.errors import InvalidArgument


@pytest.mark.parametrize("url, key, station", [
    ("http://192.168.1.10:8787", "k3y-With/Slash+Plus=&", "Door 1"),
    ("https://hub.example.org", "abc", ""),
    ("http://[::1]:8787", "x" * 43, "Kasse Süd"),
])
def test_round_trip(url, key, station):
    code = make_connect_code(url, key, station)
    assert code.startswith("tessera-connect:1?")
    assert parse_connect_code(f"  {code}\n") == ConnectCode(url, key, station)


@pytest.mark.parametrize("text", ["", "https://hub.example.org", "tessera-connect:1?url=ftp%3A%2F%2Fx&key=k",
                                  "tessera-connect:1?url=http%3A%2F%2Fhub&key=", "tessera-connect:2?url=x&key=y",
                                  "https://www.wix.com/events/check-in?ticket=ABC"])
def test_anything_else_is_refused_clearly(text):
    with pytest.raises(InvalidArgument) as err:
        parse_connect_code(text)
    assert err.value.field == "connect_code"


def test_make_refuses_bad_parts():
    with pytest.raises(InvalidArgument):
        make_connect_code("192.168.1.10:8787", "k")
    with pytest.raises(InvalidArgument):
        make_connect_code("http://hub", " ")
