"""app/receipt_printer.py: receipts through python-escpos to a dummy, a file and a real TCP (network) printer on
127.0.0.1; the bytes sent decode back to the sale's lines and total (issue 10 item 4). Also `tessera receipt`."""
import socket
import threading
import time

import pytest

from app.cli.main import main
from app.receipt_printer import PrinterError, PrinterSpec, parse_spec, print_receipt
from core.errors import InvalidArgument
from core.receipt import build_receipt, receipt_lines
from core.sales import sell
from tests.app.escpos_decode import decode_escpos
from tests.core.test_sales import BUYER, NOW, eur, make_def, make_event


@pytest.fixture
def sale_receipt(ledger):
    with ledger.uow() as uow:
        ev = make_event(uow.session)
        adult = make_def(uow.session, ev, "12.50", name="Adult")
        child = make_def(uow.session, ev, "5.00", name="Child")
        buyer = dict(BUYER, firstName="Ærøskøbing")
        sale = sell(uow.session, ev.id, {adult.id: 2, child.id: 1}, buyer, payment="cash", tendered=eur("40.00"),
                    station="till-1", now=NOW)
        number = sale.order.order_number
        uow.commit()
    with ledger.uow() as uow:
        return build_receipt(uow.session, number)


@pytest.mark.parametrize("text, spec", [
    ("dummy", PrinterSpec("dummy")),
    ("file:/dev/usb/lp0", PrinterSpec("file", "/dev/usb/lp0")),
    ("network:10.0.0.7", PrinterSpec("network", ("10.0.0.7", 9100))),
    ("network:printer.local:9101", PrinterSpec("network", ("printer.local", 9101))),
    ("usb:04b8:0202", PrinterSpec("usb", (0x04B8, 0x0202))),
])
def test_parse_spec(text, spec):
    assert parse_spec(text) == spec
    assert parse_spec(str(spec)) == spec


@pytest.mark.parametrize("text", ["", "lpt1", "usb:zz:01", "network:", "network:host:port", "file:"])
def test_bad_spec_says_the_accepted_forms(text):
    with pytest.raises(InvalidArgument, match="network:HOST"):
        parse_spec(text)


def test_dummy_bytes_decode_to_the_receipt_lines(sale_receipt):
    sent = print_receipt("dummy", sale_receipt)
    printed = decode_escpos(sent)
    assert printed == receipt_lines(sale_receipt)
    assert any(line.startswith("2 x Adult") and line.endswith("€25.00") for line in printed)
    assert any(line.startswith("TOTAL") and line.endswith("€30.00") for line in printed)
    assert any(line.startswith("Change") and line.endswith("€10.00") for line in printed)
    assert any("Ærøskøbing" in line for line in printed)  # Latin-1 letters through the printer's code pages
    assert sent.endswith(b"\x1dV\x00")  # cut


def test_network_printer_on_loopback_receives_the_receipt(sale_receipt):
    server = socket.create_server(("127.0.0.1", 0))
    received = bytearray()

    def accept():
        conn, _ = server.accept()
        with conn:
            while chunk := conn.recv(65536):
                received.extend(chunk)

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    print_receipt(f"network:127.0.0.1:{server.getsockname()[1]}", sale_receipt, width=42)
    t.join(10)
    server.close()
    assert decode_escpos(bytes(received)) == receipt_lines(sale_receipt, width=42)


def test_file_printer(sale_receipt, tmp_path):
    out = tmp_path / "lp0"
    print_receipt(f"file:{out}", sale_receipt, width=32)
    assert decode_escpos(out.read_bytes()) == receipt_lines(sale_receipt, width=32)


def test_unreachable_printer_is_a_clear_error_fast(sale_receipt):
    port = socket.create_server(("127.0.0.1", 0))
    free = port.getsockname()[1]
    port.close()  # nothing listens there now
    started = time.monotonic()
    with pytest.raises(PrinterError, match="not reachable"):
        print_receipt(f"network:127.0.0.1:{free}", sale_receipt)
    assert time.monotonic() - started < 5


def test_cli_receipt_preview_printer_and_pdf(ledger, sale_receipt, tmp_path, capsys):
    db = str(tmp_path / "ledger.db")  # the `ledger` fixture's file
    number = sale_receipt.order_number
    assert main(["receipt", number, "--db", db]) == 0
    assert capsys.readouterr().out.splitlines()[:1] == ["RECEIPT"]
    out = tmp_path / "lp0"
    assert main(["receipt", number, "--db", db, "--printer", f"file:{out}"]) == 0
    assert decode_escpos(out.read_bytes()) == receipt_lines(sale_receipt)
    pdf = tmp_path / "r" / "receipt.pdf"
    assert main(["receipt", number, "--db", db, "--pdf", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert main(["receipt", number, "--db", db, "--printer", "lpt1"]) == 2
    assert "network:HOST" in capsys.readouterr().err
    assert main(["receipt", "NOPE-0000", "--db", db]) == 2


def test_cli_pdf_roll_layout(ledger, sale_receipt, tmp_path):
    import pypdfium2 as pdfium

    db = str(tmp_path / "ledger.db")
    out = tmp_path / "roll.pdf"
    assert main(["pdf", sale_receipt.order_number, "--db", db, "--out", str(out), "--layout", "roll80"]) == 0
    doc = pdfium.PdfDocument(str(out))
    try:
        assert len(doc) == 3 and round(doc[0].get_size()[0] / 72 * 25.4) == 80
    finally:
        doc.close()
