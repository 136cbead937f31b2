#!/usr/bin/env bash
# Make docs/arrivals.png (the README's arrivals chart) from the demo ledger: see scripts/report_chart.py.
# Usage: bash scripts/report_chart.sh [OUT.png]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
py="$here/.venv/bin/python"
[ -x "$py" ] || py=python3
exec timeout 300 "$py" "$here/scripts/report_chart.py" "${1:-$here/docs/arrivals.png}"
