#!/usr/bin/env bash
# Build dist/Tessera-<version>-<arch>.dmg on macOS 12+ (not built on the Linux development machine).
# Needs: Python 3.11+ (python.org or Homebrew), uv, and zbar (`brew install zbar`: the spec bundles its dylib).
# Steps: .venv from uv.lock (incl. PyInstaller) -> icons (.icns) -> Tessera.app from packaging/tessera.spec
# (BUNDLE: bundle id org.tessera.station, camera usage text) -> a compressed disk image with an
# Applications link. Unsigned: sign and notarise with your Developer ID before handing it out (README).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[ "$(uname -s)" = Darwin ] || { echo "build-dmg.sh runs on macOS only" >&2; exit 1; }
uv sync --locked
version=$(uv run python -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
uv run python packaging/make_icons.py build/icons
rm -rf build/pyinstaller
uv run pyinstaller --noconfirm --clean --distpath build/pyinstaller/dist --workpath build/pyinstaller/work \
  packaging/tessera.spec
got=$(build/pyinstaller/dist/Tessera.app/Contents/MacOS/tessera --version)
[ "$got" = "tessera $version" ] || { echo "bundle says '$got', pyproject says $version" >&2; exit 1; }
stage=build/dmg
rm -rf "$stage" && mkdir -p "$stage" dist
cp -R build/pyinstaller/dist/Tessera.app "$stage/"
ln -s /Applications "$stage/Applications"
out="dist/Tessera-${version}-$(uname -m).dmg"
hdiutil create -volname "Tessera $version" -srcfolder "$stage" -ov -format UDZO "$out"
echo "$out"
