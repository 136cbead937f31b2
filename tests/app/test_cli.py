"""The `tessera` command line end to end: main([...]) on a real ledger file with --json, parsed output,
every command group, and user errors (stderr, non-zero exit, never a traceback)."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import qrcode

from app.cli.main import COMMANDS, main


@pytest.fixture
def cli(tmp_path, capsys):
    """run(*args, json=True) -> (exit code, parsed JSON or text, stderr) against tmp_path/ledger.db."""
    db = str(tmp_path / "ledger.db")

    def run(*args, as_json=True):
        argv = [*args, "--db", db] + (["--json"] if as_json else [])
        code = main(argv)
        out, err = capsys.readouterr()
        assert "Traceback" not in err
        if as_json and code == 0 and out.strip():
            if args[0] == "scan":  # JSON lines, one per code
                return code, [json.loads(line) for line in out.strip().splitlines()], err
            return code, json.loads(out), err
        return code, out, err

    return run


@pytest.fixture
def shop(cli):
    """An event with two definitions and one paid and one unpaid box-office order, made through the CLI."""
    code, ev, _ = cli("events", "create", "--title", "Spring Concert", "--time-zone", "Europe/Zurich",
                      "--currency", "CHF", "--start", "2030-05-01 19:30", "--end", "2030-05-01 23:00")
    assert code == 0
    code, adult, _ = cli("definitions", "create", "--name", "Adult", "--price", "30.00", "--quantity", "100")
    assert code == 0
    code, kid, _ = cli("definitions", "create", "--name", "Kid", "--price", "12.50")
    assert code == 0
    code, paid, _ = cli("sell", "--ticket", "Adult=2", "--ticket", "kid=1", "--first-name", "Łucja",
                        "--last-name", "Ørsted", "--payment", "cash", "--tendered", "100")
    assert code == 0
    code, unpaid, _ = cli("sell", "--ticket", "Adult=1", "--first-name", "Анна", "--last-name", "Иванова",
                          "--payment", "unpaid")
    assert code == 0
    return {"event": ev["event"], "adult": adult["definition"], "kid": kid["definition"],
            "paid": paid, "unpaid": unpaid}


def test_every_command_group_is_registered(cli):
    code, out, _ = cli("--help", as_json=False)
    assert code == 0
    for name in ["events", "definitions", "orders", "sell", "tickets", "scan", "pdf", "demo"]:
        assert name in COMMANDS and name in out


def test_events_create_list_get_use_contract_fields(cli, shop):
    ev = shop["event"]
    assert ev["timeZone"] == "Europe/Zurich" and ev["currency"] == "CHF"
    assert ev["start"] == "2030-05-01T17:30:00.000Z"  # 19:30 CEST, stored UTC (BC-11)
    code, listed, _ = cli("events", "list")
    assert code == 0 and [e["id"] for e in listed["events"]] == [ev["id"]]
    code, got, _ = cli("events", "get", ev["id"])
    assert code == 0 and got["event"]["title"] == "Spring Concert"


def test_definitions_list_get_update_delete_and_currency_lock(cli, shop):
    code, listed, _ = cli("definitions", "list")
    assert code == 0 and listed["metaData"]["total"] == 2
    by_name = {d["name"]: d for d in listed["definitions"]}
    assert by_name["Adult"]["price"] == {"value": "30.00", "amount": "30.00", "currency": "CHF"}
    assert by_name["Adult"]["dashboard"]["ticketsSold"] == 3  # 2 paid + 1 unpaid
    code, upd, _ = cli("definitions", "update", shop["kid"]["id"], "--price", "14.00", "--quantity", "50")
    assert code == 0 and upd["definition"]["price"]["value"] == "14.00"
    code, got, _ = cli("definitions", "get", shop["kid"]["id"])
    assert got["definition"]["dashboard"]["quantity"] == 50
    code, upd, _ = cli("definitions", "update", shop["kid"]["id"], "--event", shop["event"]["id"], "--quantity", "60")
    assert code == 0 and upd["definition"]["dashboard"]["quantity"] == 60  # --event accepted as on every command (fresh-user trial)
    code, _, err = cli("definitions", "update", shop["kid"]["id"], "--event", "another", "--quantity", "60")
    assert code != 0 and "belongs to event" in err
    code, _, err = cli("definitions", "change-currency", "EUR")
    assert code == 2 and "CURRENCY_LOCKED" in err  # an order exists (API.md §4.2)
    code, _, err = cli("definitions", "delete", shop["kid"]["id"])
    assert code == 1 and "--yes" in err and "1 ticket(s) of them were sold" in err  # no terminal to ask on
    code, _, _ = cli("definitions", "delete", shop["kid"]["id"], "--yes")
    assert code == 0
    code, listed, _ = cli("definitions", "list")
    assert [d["name"] for d in listed["definitions"]] == ["Adult"]


def test_events_update_and_the_guards(cli, shop):
    """Issue 10: `events update` calls core.events.update_event; the currency is locked once an order exists;
    a quantity below what is sold is refused."""
    ev = shop["event"]
    code, upd, _ = cli("events", "update", ev["id"], "--title", "Spring Gala", "--start", "2030-05-01 20:00")
    assert code == 0 and upd["event"]["title"] == "Spring Gala" and upd["event"]["start"] == "2030-05-01T18:00:00.000Z"
    code, _, err = cli("events", "update", ev["id"], "--currency", "EUR")
    assert code == 2 and "CURRENCY_LOCKED" in err
    code, text, _ = cli("events", "get", ev["id"], as_json=False)
    assert code == 0 and "orders exist" in text
    code, _, err = cli("definitions", "update", shop["adult"]["id"], "--quantity", "2")
    assert code == 2 and "QUANTITY_BELOW_SOLD" in err  # 3 sold
    code, _, err = cli("definitions", "update", shop["adult"]["id"], "--quantity", "3")
    assert code == 0


def test_events_update_changes_the_currency_before_the_first_order(cli):
    code, ev, _ = cli("events", "create", "--title", "Draft", "--time-zone", "UTC", "--currency", "EUR")
    code, upd, _ = cli("events", "update", ev["event"]["id"], "--currency", "chf", "--time-zone", "Europe/Zurich")
    assert code == 0 and (upd["event"]["currency"], upd["event"]["timeZone"]) == ("CHF", "Europe/Zurich")


def test_sell_orders_update_and_complete_with_cash(cli, shop):
    paid, unpaid = shop["paid"], shop["unpaid"]
    assert paid["order"]["status"] == "PAID" and paid["total"]["value"] == "72.50"
    assert paid["change"]["value"] == "27.50"
    number = unpaid["order"]["orderNumber"]
    assert unpaid["order"]["status"] == "OFFLINE_PENDING"
    code, listed, _ = cli("orders", "list", "--status", "OFFLINE_PENDING")
    assert code == 0 and [o["orderNumber"] for o in listed["orders"]] == [number]
    code, upd, _ = cli("orders", "update", number, "--email", "anna@example.org")
    assert code == 0 and upd["order"]["email"] == "anna@example.org"
    code, _, err = cli("orders", "complete", number, "--payment", "cash", "--tendered", "20")
    assert code == 2 and "INVALID_ARGUMENT" in err  # 20.00 < 30.00: nothing taken
    code, done, _ = cli("orders", "complete", number, "--payment", "cash", "--tendered", "50")
    assert code == 0 and done["orders"][0]["status"] == "PAID" and done["change"]["value"] == "20.00"
    code, got, _ = cli("orders", "get", number)
    assert got["order"]["status"] == "PAID" and got["order"]["fullName"] == "Анна Иванова"


def test_tickets_list_check_in_and_undo(cli, shop):
    number = shop["paid"]["order"]["orderNumber"]
    code, listed, _ = cli("tickets", "list", "--order", number)
    assert code == 0 and listed["total"] == 3
    t = listed["tickets"][0]
    for key in ("ticketNumber", "orderNumber", "orderStatus", "checkInUrl", "price"):
        assert key in t
    assert "checkIn" not in t or not t["checkIn"]
    code, done, _ = cli("tickets", "check-in", t["ticketNumber"], "--station", "Door 1")
    assert code == 0 and done["tickets"][0]["checkIn"]["created"]
    code, got, _ = cli("tickets", "get", t["ticketNumber"])
    assert got["ticket"]["checkIn"]["created"] == done["tickets"][0]["checkIn"]["created"]
    typed = '"' + t["ticketNumber"].lower().replace("-", " ") + '"'  # typed as `scan --code` takes it (trial)
    code, undone, _ = cli("tickets", "undo-check-in", typed)
    assert code == 0 and not undone["tickets"][0].get("checkIn")
    assert undone["tickets"][0]["ticketNumber"] == t["ticketNumber"]
    code, listed, _ = cli("tickets", "list", "--state", "CHECKED_IN")
    assert listed["total"] == 0


def test_scan_codes_prints_one_json_line_per_code(cli, shop):
    paid = shop["paid"]["order"]["tickets"][0]
    unpaid = shop["unpaid"]["order"]["tickets"][0]
    code, lines, _ = cli("scan", "--code", paid["checkInUrl"], paid["checkInUrl"], unpaid["ticketNumber"].lower(),
                         "not a ticket", "--station", "Door 2")
    assert code == 0
    assert [x["verdict"] for x in lines] == ["OK", "ALREADY_CHECKED_IN", "UNPAID", "INVALID"]
    assert lines[0]["ticketNumber"] == paid["ticketNumber"] and lines[0]["station"] == "Door 2"
    assert lines[0]["checkedInAt"] and set(lines[0]) >= {"payload", "ticketNumber", "verdict", "checkedInAt", "station"}


def test_scan_group_admits_the_rest_of_the_order(cli, shop):
    """Issue 9 item 10: `scan --group` admits the scanned ticket's whole order, each ticket its own check-in."""
    first, second, third = shop["paid"]["order"]["tickets"]
    code, lines, _ = cli("scan", "--code", second["ticketNumber"], "--station", "Door 2")
    assert code == 0 and lines[0]["verdict"] == "OK"
    code, lines, _ = cli("scan", "--code", first["checkInUrl"], "--group", "--station", "Door 2")
    assert code == 0
    assert [(x["ticketNumber"], x["verdict"], x["source"]) for x in lines] == [
        (first["ticketNumber"], "OK", "code"), (third["ticketNumber"], "OK", "group")]
    code, lines, _ = cli("scan", "--code", shop["unpaid"]["order"]["tickets"][0]["ticketNumber"], "--group")
    assert code == 0 and [x["verdict"] for x in lines] == ["UNPAID"]  # nothing else tried for a refused ticket


def test_scan_image_and_pdf(cli, shop, tmp_path):
    from core.pdf import rasterize_pdf

    number = shop["paid"]["order"]["orderNumber"]
    pdf = tmp_path / "out" / "order.pdf"
    code, info, _ = cli("pdf", number, "--out", str(pdf))
    assert code == 0 and info["pages"] == 3 and pdf.read_bytes().startswith(b"%PDF")
    png = tmp_path / "t1.png"
    rasterize_pdf(pdf.read_bytes(), dpi=150)[0].save(png)
    code, lines, _ = cli("scan", "--image", str(png), str(png))
    assert code == 0 and [x["verdict"] for x in lines] == ["OK", "ALREADY_CHECKED_IN"]
    code, text, _ = cli("scan", "--image", str(png), as_json=False)
    assert code == 0 and "ALREADY_CHECKED_IN" in text


def _write_video(path, payload: str, pattern: list[bool]) -> None:
    """An MJPG .avi: one 640×480 frame per pattern entry, with the payload's QR when True."""
    qr = np.array(qrcode.make(payload, box_size=6, border=4).convert("L"))
    qr = cv2.cvtColor(qr, cv2.COLOR_GRAY2BGR)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (640, 480))
    assert writer.isOpened()
    for show in pattern:
        frame = np.full((480, 640, 3), 200, np.uint8)
        if show:
            frame[40:40 + qr.shape[0], 60:60 + qr.shape[1]] = qr
        writer.write(frame)
    writer.release()


def test_scan_video_counts_a_code_in_consecutive_frames_once(cli, shop, tmp_path):
    """BC-23: a code held in front of the camera for many frames is one check-in; shown again after a
    gap longer than the debounce window it is scanned again (→ ALREADY_CHECKED_IN)."""
    paid = shop["paid"]["order"]["tickets"][1]
    video = tmp_path / "door.avi"
    _write_video(video, paid["checkInUrl"], [True] * 12 + [False] * 12 + [True] * 6)
    code, lines, _ = cli("scan", "--video", str(video), "--debounce", "30")
    assert code == 0 and [x["verdict"] for x in lines] == ["OK"]
    code, lines, _ = cli("scan", "--video", str(video), "--debounce", "5")
    assert code == 0 and [x["verdict"] for x in lines] == ["ALREADY_CHECKED_IN", "ALREADY_CHECKED_IN"]


@pytest.mark.parametrize("args, code, message", [
    (["events", "get", "no-such-event"], 2, "NOT_FOUND"),
    (["events", "create", "--title", "X", "--time-zone", "UTC", "--currency", "EUR", "--start", "tomorrow"],
     2, "not a date-time"),
    (["events", "create", "--title", "X", "--time-zone", "Mars/Base", "--currency", "EUR"], 2, "time zone"),
    (["pdf", "NOPE-NOPE-NO", "--out", "x.pdf"], 2, "not found"),
    (["scan", "--image", "/no/such/file.png"], 1, "not found"),
    (["scan", "--video", "/no/such/file.avi"], 1, "not found"),
    (["sell", "--ticket", "Gold=1", "--first-name", "A", "--last-name", "B"], 1, "unknown ticket definition"),
    (["orders", "get", "NOPE-NOPE-NO"], 2, "not found"),
    (["tickets", "check-in", "NOPE-NOPE-NO021"], 2, "not found"),
    (["events", "list", "--bogus"], 2, "unrecognized arguments"),
])
def test_user_errors_go_to_stderr_with_nonzero_exit(cli, shop, args, code, message):
    got, out, err = cli(*args)
    assert got == code
    assert message.lower() in err.lower()
    assert out == ""  # nothing half-printed on stdout


def test_scan_without_camera_is_a_clear_error(cli, shop):
    code, _, err = cli("scan", "--camera", "9", "--max-frames", "1")
    assert code == 1 and "cannot open camera" in err


def test_several_events_need_event_option(cli, shop):
    cli("events", "create", "--title", "Second", "--time-zone", "UTC", "--currency", "CHF")
    code, _, err = cli("sell", "--ticket", "Adult=1", "--first-name", "A", "--last-name", "B")
    assert code == 1 and "--event" in err
    code, out, _ = cli("sell", "--event", shop["event"]["id"], "--ticket", "Adult=1", "--first-name", "A",
                       "--last-name", "B", "--payment", "card")
    assert code == 0 and out["order"]["status"] == "PAID"


def test_unwritable_ledger_is_a_clear_error(cli, tmp_path, capsys):
    code = main(["events", "list", "--db", str(tmp_path)])  # a directory, not a file
    err = capsys.readouterr().err
    assert code == 1 and "ledger" in err and "Traceback" not in err


def test_wr13b_scan_provisional_admits_an_unknown_ticket(tmp_path, capsys):
    """`scan --code … --provisional`: a well-formed code missing from the local list is admitted provisionally
    (stored, checked at the next sync); without the flag it stays UNKNOWN and nothing is stored."""
    import json

    from app.cli.main import main
    db = str(tmp_path / "p.db")
    assert main(["events", "create", "--db", db, "--title", "Gala", "--time-zone", "UTC", "--currency", "EUR"]) == 0
    capsys.readouterr()
    assert main(["scan", "--db", db, "--json", "--code", "WEB1-8QQT-ZZ021"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "UNKNOWN"
    assert main(["scan", "--db", db, "--json", "--code", "WEB1-8QQT-ZZ021", "--provisional"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["verdict"] == "OK" and "provisionally" in line["message"]
    assert main(["scan", "--db", db, "--json", "--code", "WEB1-8QQT-ZZ021", "--provisional"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "ALREADY_CHECKED_IN"


@pytest.mark.parametrize("answer, deleted", [("y", True), ("", False)])
def test_definitions_delete_asks_on_a_terminal(cli, shop, monkeypatch, answer, deleted):
    import sys

    asked = []
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or answer)
    code, _, err = cli("definitions", "delete", shop["kid"]["id"], as_json=False)
    assert asked and "1 ticket(s) of them were sold" in asked[0]
    assert (code == 0) is deleted and (deleted or "not deleted" in err)


def test_orders_cancel_voids_a_sale_and_queues_it(cli, shop):
    number = shop["paid"]["order"]["orderNumber"]
    code, out, _ = cli("orders", "cancel", number)
    assert code == 0 and out["order"]["status"] == "CANCELED"
    code, again, _ = cli("orders", "cancel", number)
    assert code == 0 and again["order"]["status"] == "CANCELED"
    code, _, err = cli("orders", "cancel", "NO-SUCH-ORDER")
    assert code != 0 and err


def test_wr04_per_order_limit_is_its_own_refusal_with_the_limit(cli, shop):
    """Fresh-user trial: 5 of a definition limited to 4 per order said TICKET_CAPACITY_EXCEEDED (as if sold out).
    Now the code names the per-order limit and the message gives it; sold out keeps TICKET_CAPACITY_EXCEEDED."""
    code, _, _ = cli("definitions", "create", "--name", "VIP", "--price", "80.00", "--quantity", "2",
                     "--limit-per-checkout", "4")
    assert code == 0
    code, out, err = cli("sell", "--ticket", "VIP=5", "--first-name", "A", "--last-name", "B", "--payment", "card",
                         as_json=False)
    assert code == 2 and out == ""
    assert err.startswith("TICKET_LIMIT_PER_ORDER_EXCEEDED: 'VIP': over the per-order limit of 4 (5 requested)")
    assert "only 2 left" in err  # the quantity refusal is said too
    code, out, err = cli("sell", "--ticket", "VIP=3", "--first-name", "A", "--last-name", "B", "--payment", "card",
                         as_json=False)
    assert code == 2 and err.startswith("TICKET_CAPACITY_EXCEEDED: 'VIP': only 2 left") and "per-order" not in err
    code, sale, _ = cli("sell", "--ticket", "VIP=2", "--first-name", "A", "--last-name", "B", "--payment", "card")
    assert code == 0
