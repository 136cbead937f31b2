#!/usr/bin/env bash
# Tessera set-up, idempotent and fast on a second run:
#   1. system libraries from apt (only the missing ones; /work/shared/STACK.md §1),
#   2. uv in .tools/ (a small venv, only when missing),
#   3. the application's virtual environment at .venv/ from uv.lock (`uv sync --locked`),
#   4. bytecode for the venv and the source (compileall), so no start compiles ~500 modules.
# Usage: bash scripts/setup.sh [--with-postgres]     (run from anywhere; needs root or sudo for apt)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

APT_PACKAGES=(python3 python3-venv libzbar0 libgl1 libegl1 libglib2.0-0 libxkbcommon0 libfontconfig1
  libdbus-1-3 xvfb xauth libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0
  libxcb-shape0 libxkbcommon-x11-0)

for arg in "$@"; do
  case "$arg" in
    --with-postgres) APT_PACKAGES+=(postgresql) ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option: $arg" >&2; exit 2 ;;
  esac
done

say() { printf '[setup] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else say "need root or sudo to run: $*"; exit 1
  fi
}

install_apt_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    say "no dpkg-query: not a Debian/Ubuntu system; install these yourself: ${APT_PACKAGES[*]}"
    return 0
  fi
  local installed missing=() p
  # One dpkg-query call for all packages; unknown packages print to stderr and count as missing.
  installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${APT_PACKAGES[@]}" 2>/dev/null \
    | awk '$NF == "installed" {print $1}' || true)
  for p in "${APT_PACKAGES[@]}"; do
    grep -qxF "$p" <<<"$installed" || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  say "installing missing system packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

check_python() {
  if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    say "python3 3.11 or newer is required (found: $(python3 -V 2>&1 || echo none))"
    exit 1
  fi
}

install_uv() {
  if [ -x .tools/bin/uv ] && .tools/bin/uv --version >/dev/null 2>&1; then return 0; fi
  say "installing uv into .tools/"
  rm -rf .tools
  python3 -m venv .tools
  .tools/bin/python -m pip install -q --disable-pip-version-check 'uv>=0.5'
}

sync_venv() {
  # Managed Pythons come from GitHub; use the system's python3 instead (STACK.md, uv).
  unset UV_PROJECT_ENVIRONMENT VIRTUAL_ENV
  UV_PYTHON_DOWNLOADS=never .tools/bin/uv sync --locked --quiet
}

compile_bytecode() {
  # Issue 11: with no bytecode cached (PYTHONDONTWRITEBYTECODE=1, a read-only install) every start compiled
  # ~400-550 modules. Python checks each .pyc against its source, so a stale one is only ignored.
  # The venv is compiled once per uv.lock (a stamp); our own packages every time (quick: up-to-date files are
  # skipped). Template files that are not Python (PySide6's *.tmpl.py) are left out.
  local stamp=.venv/.tessera-bytecode lock
  lock=$(sha256sum uv.lock | cut -d' ' -f1)
  local dirs=(app core sync)
  [ "$(cat "$stamp" 2>/dev/null)" = "$lock" ] || dirs=(.venv/lib "${dirs[@]}")
  if .venv/bin/python -m compileall -q -j 0 -x '\.tmpl\.py$' "${dirs[@]}" >/dev/null 2>&1; then
    echo "$lock" > "$stamp"
  else
    say "compileall could not compile some files (ignored: they are compiled when imported)"
  fi
}

install_apt_packages
check_python
install_uv
sync_venv
compile_bytecode
