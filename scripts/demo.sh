#!/usr/bin/env bash
# Tessera demo: set-up, then `tessera demo` (event, ticket PDFs, PNGs, real scans with printed verdicts) into
# demo-out/, then the GUI on the demo ledger when a display exists.
# Usage: bash scripts/demo.sh        (run from anywhere)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

OUT=demo-out
DB="$OUT/ledger.db"
# A fresh demo-out/ each run (only our own output lives there), so the GUI shows one demo event.
rm -rf "$OUT"

.venv/bin/tessera demo --out "$OUT" --db "$DB"

if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  echo "Opening the Tessera window on $DB …"
  exec .venv/bin/tessera gui --db "$DB"
else
  echo "No display (DISPLAY/WAYLAND_DISPLAY unset): skipping the GUI. Open it later with:"
  echo "  .venv/bin/tessera gui --db $DB"
fi
