#!/usr/bin/env bash
# Install Tessera for the current user on Debian/Ubuntu: set-up (system libraries, .venv from the lock file),
# then a launcher on PATH and a desktop entry with its icon. Run from a clone: bash packaging/install-linux.sh
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bash "$here/scripts/setup.sh"
bin="${XDG_BIN_HOME:-$HOME/.local/bin}"
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/scalable/apps"
mkdir -p "$bin" "$apps" "$icons"
ln -sf "$here/.venv/bin/tessera" "$bin/tessera"
cp "$here/resources/icons/tessera.svg" "$icons/tessera.svg"
sed "s|^Exec=tessera|Exec=$bin/tessera|" "$here/packaging/tessera.desktop" > "$apps/tessera.desktop"
echo "Installed: $bin/tessera and $apps/tessera.desktop"
