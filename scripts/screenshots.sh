#!/usr/bin/env bash
# Save a PNG of each screen of the real app (on a fresh demo ledger) into docs/screenshots/ under Xvfb.
# Usage: bash scripts/screenshots.sh [OUT_DIR]   (needs xvfb-run; see STACK.md §1 for the xcb libraries)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$here/docs/screenshots}"
py="$here/.venv/bin/python"
[ -x "$py" ] || py=python3
if command -v xvfb-run >/dev/null 2>&1; then
  exec timeout 300 xvfb-run -a -s "-screen 0 1440x900x24" "$py" "$here/scripts/screenshots.py" "$out"
fi
echo "xvfb-run not found: falling back to the offscreen platform" >&2
QT_QPA_PLATFORM=offscreen exec timeout 300 "$py" "$here/scripts/screenshots.py" "$out"
