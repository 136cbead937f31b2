"""Ticket PDF benchmark: tickets per second of core.pdf.render_tickets_pdf.

Run: `.venv/bin/python bench/pdf_bench.py [--tickets 300] [--singles 50] [--check 5]`. Renders one
document of N tickets (Latin, Greek, Cyrillic and CJK guest names, a long policy, so all three fonts are
embedded), then `--singles` one-ticket documents (the "print this order" case), and prints tickets/s,
ms per ticket and size. `--check` pages of the big document are rasterised at 150 dpi and decoded with
zxing-cpp to show the output is real. Bounded: a few seconds on 2 cores (STACK.md §4 measured ~10 ms/ticket).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import zxingcpp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.codes import check_in_url  # noqa: E402
from core.pdf import TicketView, qr_matrix, rasterize_pdf, register_fonts, render_tickets_pdf  # noqa: E402

EVENT_ID = "ad18d12e-a6a9-4c17-abfa-6ff119479be2"
NAMES = ["Łucja Ørsted-Núñez", "Σοφία Παπαδοπούλου", "Жанна Иванова", "李小龍", "김민수", "Mira Castell"]
POLICY = "No refunds. Doors open 30 minutes before the show; bags are checked at the entrance. " * 8


def views(n: int) -> list[TicketView]:
    out = []
    for i in range(n):
        order = f"K7QP-{i // 4:04d}-4R"
        ticket = f"{order}{21 + i % 4:03d}"
        out.append(TicketView("Frühlingskonzert 2026 — 春の音楽祭", "Sat, Mar 7, 2026 · 8:00 PM CET",
                              "Europe/Berlin", "Early Bird Standing", NAMES[i % len(NAMES)], "€12.50",
                              order, ticket, POLICY, check_in_url(ticket, EVENT_ID)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", type=int, default=300)
    ap.add_argument("--singles", type=int, default=50)
    ap.add_argument("--check", type=int, default=5)
    args = ap.parse_args()
    t0 = time.perf_counter()
    register_fonts()
    print(f"font registration (once per process): {(time.perf_counter() - t0) * 1000:.0f} ms")

    batch = views(args.tickets)
    qr_matrix.cache_clear()  # measure cold: every QR built from scratch
    t0 = time.perf_counter()
    pdf = render_tickets_pdf(batch)
    dt = time.perf_counter() - t0
    print(f"one document, {args.tickets} tickets: {dt:.2f} s -> {args.tickets / dt:.0f} tickets/s, "
          f"{dt / args.tickets * 1000:.1f} ms/ticket, {len(pdf) / 1024:.0f} KiB "
          f"({len(pdf) / args.tickets / 1024:.1f} KiB/ticket)")

    times, sizes = [], []
    qr_matrix.cache_clear()
    for v in batch[: args.singles]:
        t0 = time.perf_counter()
        one = render_tickets_pdf([v])
        times.append(time.perf_counter() - t0)
        sizes.append(len(one))
    if times:
        med = statistics.median(times)
        print(f"{len(times)} one-ticket documents: median {med * 1000:.1f} ms -> {1 / med:.0f} tickets/s, "
              f"median size {statistics.median(sizes) / 1024:.0f} KiB (each embeds its own font subsets)")

    if args.check:
        pages = rasterize_pdf(render_tickets_pdf(batch[: args.check]), dpi=150)
        ok = 0
        for page, v in zip(pages, batch):
            grey = np.asarray(page.convert("L"))
            found = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCode)
            ok += [b.text for b in found] == [v.qr_payload]
        print(f"check: {ok}/{len(pages)} pages decode to their checkInUrl at 150 dpi")


if __name__ == "__main__":
    main()
