"""`tessera till` (app/cli/till_cmd.py, issue 10 item 3): open with floats, status, void, close with the cash
counted, close-out report as CSV / JSON / PDF; clear refusals."""
import csv
import io

import pytest

from app.cli.till_cmd import parse_amount
from app.cli.output import CliError
from core.money import Money
from tests.app.test_cli import cli  # noqa: F401  (fixture)

ST = ("--station", "till-1")


def test_till_day_through_the_cli(cli, tmp_path):  # noqa: F811
    assert cli("events", "create", "--title", "Fair", "--time-zone", "Europe/Zurich", "--currency", "CHF")[0] == 0
    assert cli("definitions", "create", "--name", "Adult", "--price", "30.00")[0] == 0
    code, opened, _ = cli("till", "open", "--float", "200", *ST, "--operator", "Ana")
    assert code == 0 and opened["operator"] == "Ana"
    code, _, err = cli("till", "open", *ST)
    assert code == 2 and "TILL_ALREADY_OPEN" in err
    sells = [cli("sell", "--ticket", "Adult=1", "--first-name", "A", "--last-name", "B", "--payment", "cash",
                 "--tendered", "50", *ST)[1]["order"]["orderNumber"] for _ in range(3)]
    code, status, _ = cli("till", "status", *ST)
    assert status["totals"][0]["expectedCash"]["value"] == "290.00"
    code, voided, _ = cli("till", "void", sells[0], *ST)
    assert code == 0 and [(v["method"], v["amount"]["value"]) for v in voided["handedBack"]] == [("cash", "30.00")]
    code, _, err = cli("till", "close", *ST)
    assert code == 2 and "count the cash in CHF" in err
    code, out, _ = cli("till", "close", "--counted", "259.50", "--format", "csv", *ST, as_json=False)
    assert code == 0
    [row] = list(csv.DictReader(io.StringIO(out)))
    assert (row["expected_cash"], row["counted_cash"], row["difference"]) == ("260.00", "259.50", "-0.50")
    pdf = tmp_path / "out" / "close.pdf"
    code, _, err = cli("till", "report", "--format", "pdf", "--out", str(pdf), *ST, as_json=False)
    assert code == 0 and pdf.read_bytes().startswith(b"%PDF")
    code, _, err = cli("till", "void", sells[1], *ST)
    assert code == 2 and "TILL_NOT_OPEN" in err


@pytest.mark.parametrize("text, money", [("100", Money.of("100", "EUR")), ("12,50", Money.of("12.50", "EUR")),
                                         ("20 USD", Money.of("20", "USD")), ("usd 20", Money.of("20", "USD"))])
def test_parse_amount(text, money):
    assert parse_amount(text, "EUR") == money


@pytest.mark.parametrize("text", ["", "ten", "-5", "USD 5 EUR", "5.5.5"])
def test_parse_amount_refuses(text):
    with pytest.raises(CliError, match="not an amount"):
        parse_amount(text, "EUR")
