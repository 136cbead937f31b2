"""Receipts on ESC/POS thermal printers through python-escpos (issue 10 item 4); Qt-free, used by the GUI
and `tessera receipt`.

Printer specs (the `receipt_printer` setting, or `--printer`):
  network:HOST[:PORT]   a LAN printer on raw TCP (port 9100 by default)
  usb:VID:PID           a USB printer by vendor/product id (hex, e.g. usb:04b8:0202)
  file:PATH             a device or plain file (e.g. file:/dev/usb/lp0); a plain file is overwritten
  dummy                 nothing is sent; the bytes are kept (tests, previews)
The printed lines are core.receipt.receipt_lines — the same rows as the receipt PDF (core.pdf_roll).
Characters the printer's code pages cannot show are sent as '?' by python-escpos' encoder (never dropped
silently from the layout: columns stay aligned).
"""
from __future__ import annotations

from dataclasses import dataclass

from core.errors import InvalidArgument
from core.receipt import Receipt, receipt_lines

DEFAULT_PORT = 9100
CONNECT_TIMEOUT_S = 5.0


class PrinterError(OSError):
    """The receipt printer could not be reached or refused the job (message says which printer and why)."""


@dataclass(frozen=True)
class PrinterSpec:
    """A parsed printer spec: `kind` network | usb | file | dummy and its `target` (host, (vid, pid), path)."""

    kind: str
    target: object = None

    def __str__(self) -> str:
        if self.kind == "usb":
            return "usb:%04x:%04x" % self.target
        if self.kind == "network":
            return "network:%s:%d" % self.target
        return self.kind if self.target is None else f"{self.kind}:{self.target}"


def parse_spec(text: str) -> PrinterSpec:
    """A PrinterSpec from 'network:HOST[:PORT]', 'usb:VID:PID' (hex), 'file:PATH' or 'dummy'.

    Raises InvalidArgument (field "printer") with the accepted forms for anything else."""
    kind, _, rest = (text or "").strip().partition(":")
    kind = kind.lower()
    try:
        if kind == "dummy" and not rest:
            return PrinterSpec("dummy")
        if kind == "file" and rest:
            return PrinterSpec("file", rest)
        if kind == "network" and rest:
            host, _, port = rest.rpartition(":") if rest.count(":") == 1 else (rest, "", "")
            return PrinterSpec("network", (host or rest, int(port) if port else DEFAULT_PORT))
        if kind == "usb":
            vid, pid = rest.split(":")
            return PrinterSpec("usb", (int(vid, 16), int(pid, 16)))
    except ValueError:
        pass
    raise InvalidArgument(f"printer {text!r} not understood: use network:HOST[:PORT], usb:VID:PID (hex), "
                          "file:PATH or dummy", field="printer")


def open_printer(spec: PrinterSpec):
    """A python-escpos printer for `spec` (connection opened). Raises PrinterError when it cannot be opened."""
    from escpos import printer as escpos_printer  # imported on use: the CLI's start-up stays light

    try:
        if spec.kind == "dummy":
            return escpos_printer.Dummy()
        if spec.kind == "file":
            p = escpos_printer.File(spec.target)
        elif spec.kind == "network":
            host, port = spec.target
            p = escpos_printer.Network(host, port=port, timeout=CONNECT_TIMEOUT_S)
        else:
            vid, pid = spec.target
            p = escpos_printer.Usb(vid, pid)
        p.open()  # python-escpos would open lazily on the first byte; an unreachable printer fails here, clearly
        return p
    except Exception as exc:  # escpos raises its own DeviceNotFoundError, OSError, socket errors, usb errors
        raise PrinterError(f"receipt printer {spec} is not reachable: {exc}") from exc


def write_receipt(p, receipt: Receipt, *, width: int = 48, locale: str = "en_US", cut: bool = True) -> None:
    """Send `receipt` to the open python-escpos printer `p`: the title large and centred, the rest in Font A
    at `width` columns, then a feed and a cut. Raises PrinterError when the printer fails mid-job."""
    lines = receipt_lines(receipt, width=width, locale=locale)
    try:
        p.set(align="center", bold=True, double_height=True, double_width=True)
        p.text(lines[0] + "\n")
        p.set(align="left", bold=False, normal_textsize=True)
        for line in lines[1:]:
            p.text(line + "\n")
        if cut:
            p.cut()
    except Exception as exc:
        raise PrinterError(f"the receipt printer failed while printing: {exc}") from exc


def print_receipt(spec_text: str, receipt: Receipt, *, width: int = 48, locale: str = "en_US") -> bytes:
    """Print `receipt` on the printer `spec_text` (parse_spec); returns the bytes sent when the printer keeps
    them (dummy), else b"". Raises InvalidArgument (bad spec) or PrinterError (unreachable, failed)."""
    p = open_printer(parse_spec(spec_text))
    try:
        write_receipt(p, receipt, width=width, locale=locale)
        return bytes(p.output) if hasattr(p, "output") else b""
    finally:
        try:
            p.close()
        except Exception:  # closing a half-dead connection must not hide the job's own error
            pass
