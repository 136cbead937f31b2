#!/usr/bin/env bash
# Build the Linux package: dist/tessera_<version>-<revision>_<arch>.deb (Debian 12 / Ubuntu 22.04+).
#   1. set-up (scripts/setup.sh: system libraries, .venv from uv.lock incl. the dev group's PyInstaller),
#   2. PyInstaller bundle from packaging/tessera.spec -> build/pyinstaller/dist/tessera/ (skipped with
#      TESSERA_REUSE_BUNDLE=1 when that bundle exists: used by test-deb.sh for its "newer build"),
#   3. the package tree: /opt/tessera (the bundle), /usr/bin/tessera, the desktop entry and icon,
#   4. dpkg-deb. The version is pyproject.toml's [project] version; the Debian revision is $TESSERA_DEB_REVISION
#      (default 1). Depends: the system libraries of scripts/setup.sh (libzbar0, the Qt/X libraries).
# Usage: bash packaging/build.sh        (from anywhere in a clone; the .deb path is printed last)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf '[build] %s\n' "$*" >&2; }

bash scripts/setup.sh
command -v dpkg-deb >/dev/null || { say "dpkg-deb is missing (Debian/Ubuntu only)"; exit 1; }
version=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
revision="${TESSERA_DEB_REVISION:-1}"
arch=$(dpkg --print-architecture)
bundle=build/pyinstaller/dist/tessera

if [ "${TESSERA_REUSE_BUNDLE:-0}" = 1 ] && [ -x "$bundle/tessera" ]; then
  say "reusing the bundle in $bundle"
else
  say "PyInstaller bundle (a few minutes)"
  rm -rf build/pyinstaller
  .venv/bin/pyinstaller --noconfirm --clean --log-level WARN \
    --distpath build/pyinstaller/dist --workpath build/pyinstaller/work packaging/tessera.spec
fi
got=$("$bundle/tessera" --version)
[ "$got" = "tessera $version" ] || { say "bundle says '$got', pyproject says $version"; exit 1; }

# The Debian package depends on the system libraries the bundle loads from the system (scripts/setup.sh).
depends="libzbar0, libgl1, libegl1, libglib2.0-0, libxkbcommon0, libfontconfig1, libdbus-1-3, libxcb-cursor0,
 libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-render-util0, libxcb-shape0, libxkbcommon-x11-0"
stage="build/deb/tessera_${version}-${revision}_${arch}"
rm -rf "$stage"
mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications" \
  "$stage/usr/share/icons/hicolor/scalable/apps" "$stage/usr/share/doc/tessera"
cp -a "$bundle" "$stage/opt/tessera"
ln -s /opt/tessera/tessera "$stage/usr/bin/tessera"
install -m 0644 packaging/tessera.desktop "$stage/usr/share/applications/tessera.desktop"
install -m 0644 resources/icons/tessera.svg "$stage/usr/share/icons/hicolor/scalable/apps/tessera.svg"
cat resources/fonts/LICENSE-*.txt > "$stage/usr/share/doc/tessera/copyright"
# No caches, no tests, no source-tree leftovers in the package.
find "$stage" \( -name __pycache__ -o -name '*.pyc' -o -name .pytest_cache \) -prune -exec rm -rf {} +
leftovers=$(find "$stage" \( -path '*/tests/*' -o -name '*.db' -o -name 'demo-out' \) -print | head -5)
[ -z "$leftovers" ] || { say "test data or ledgers in the package: $leftovers"; exit 1; }

size_kb=$(du -sk "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: tessera
Version: ${version}-${revision}
Architecture: ${arch}
Maintainer: Tessera maintainers <tessera@localhost>
Installed-Size: ${size_kb}
Depends: ${depends}
Section: misc
Priority: optional
Homepage: https://localhost/tessera
Description: offline-first door check-in and box office for ticketed events
 Every station keeps a full local copy of its events and decides at the door in milliseconds, network or
 not; a sync engine reconciles it with a central ticketing API or Tessera's own hub. The user's ledger, keys
 and settings live in the user's data directory and survive upgrades; the ledger is migrated on first open.
CONTROL
mkdir -p dist
out="dist/tessera_${version}-${revision}_${arch}.deb"
say "dpkg-deb -> $out"
dpkg-deb --root-owner-group -Zzstd --build "$stage" "$out" >/dev/null
say "$(du -h "$out" | cut -f1) package, $((size_kb / 1024)) MiB installed"
echo "$out"
