#!/usr/bin/env bash
# End-to-end check of the Linux package, run by hand (not in .ci/run: minutes):
#   bash packaging/test-deb.sh            # install into a fresh root directory with `dpkg --root`
#   bash packaging/test-deb.sh --chroot   # install with apt-get into a fresh Debian 12 chroot (debootstrap, network)
#   1. builds dist/tessera_<v>-1_<arch>.deb with packaging/build.sh (TESSERA_REUSE_BUNDLE=1: re-pack the
#      existing PyInstaller folder), checks it holds no tests, caches or ledgers;
#   2. installs it: default mode — its Depends are checked against this system (dpkg --no-act), then it goes into
#      an empty root directory with `dpkg --root` (the system libraries named in Depends are then the host's);
#      --chroot — a minimal Debian 12 made by debootstrap, where `apt-get install ./tessera_….deb` must pull
#      every system library the package needs by itself;
#   3. from the installed files only (a clean environment, HOME and cwd outside any clone): `tessera --version`,
#      the first start of the GUI under Xvfb on an empty ledger (the set-up wizard's window must appear; the time
#      to it is the cold start), `tessera demo`, then the GUI on the demo ledger;
#   4. builds a newer package (revision 2, same bundle), installs it over the first and shows the ledger in the
#      user's data dir survived (same events, tickets and check-ins); removes the package: the ledger stays.
# Prints the package size and the start times (README "Install" quotes them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { printf '[test-deb] %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

mode=root
case "${1:-}" in --chroot) mode=chroot ;; "") ;; *) echo "usage: $0 [--chroot]" >&2; exit 2 ;; esac
work=$(mktemp -d /tmp/tessera-deb-test.XXXXXX)
root="$work/root"
cleanup() {
  if [ "$mode" = chroot ]; then umount -l "$root/dev" "$root/proc" 2>/dev/null || true; fi
  # Never delete through a mount that is still there (the chroot's /dev is the host's /dev).
  if grep -q " $root/" /proc/mounts; then say "left $work: something is still mounted under it"; else rm -rf "$work"; fi
}
trap cleanup EXIT

say "building the package"
deb1=$(bash packaging/build.sh | tail -1)
[ -f "$deb1" ] || fail "no package built"
dpkg-deb --contents "$deb1" | grep -E '/(tests|__pycache__|\.pytest_cache)/|\.db$' && fail "test data or caches in the package"

if [ "$mode" = root ]; then
  dpkg --no-act --install "$deb1" >/dev/null 2>"$work/deps.err" || { cat "$work/deps.err" >&2; fail "Depends are not met by this system"; }
  mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/log" "$work/home"
  touch "$root/var/lib/dpkg/status"
  home_in="$work/home" home_out="$work/home" tessera="$root/opt/tessera/tessera" in_root=()
  install_deb() {  # nothing else is installed in this root, so the system Depends are forced (checked above)
    dpkg --root="$root" --log="$root/var/log/dpkg.log" --force-depends --install "$1" >/dev/null 2>&1 \
      || fail "dpkg --root --install $1"
  }
  installed_version() { dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Version}' tessera; }
  remove_deb() { dpkg --root="$root" --log="$root/var/log/dpkg.log" --remove tessera >/dev/null 2>&1; }
else
  command -v debootstrap >/dev/null || fail "--chroot needs debootstrap (apt-get install debootstrap)"
  say "debootstrap: a minimal Debian 12 (downloads ~100 MB)"
  debootstrap --variant=minbase bookworm "$root" >"$work/debootstrap.log" 2>&1 \
    || { tail -5 "$work/debootstrap.log" >&2; fail "debootstrap"; }
  mount -t proc proc "$root/proc" && mount --bind /dev "$root/dev"
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  mkdir -p "$root/home/t"
  home_in=/home/t home_out="$root/home/t" tessera=/usr/bin/tessera in_root=(chroot "$root")
  apt_in() { chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get -q -y "$@" >>"$work/apt.log" 2>&1; }
  apt_in update || fail "apt-get update in the chroot"
  apt_in install --no-install-recommends xvfb xauth x11-utils || fail "xvfb in the chroot (for the GUI check)"
  install_deb() {
    cp "$1" "$root/tmp/" && apt_in install --no-install-recommends "/tmp/$(basename "$1")" \
      || { tail -20 "$work/apt.log" >&2; fail "apt-get install ./$(basename "$1") in the chroot"; }
  }
  installed_version() { chroot "$root" dpkg-query -W -f='${Version}' tessera; }
  remove_deb() { apt_in remove tessera; }
fi
install_deb "$deb1"
[ "$(readlink "$root/usr/bin/tessera")" = /opt/tessera/tessera ] || fail "/usr/bin/tessera link"
[ -f "$root/usr/share/applications/tessera.desktop" ] && [ -f "$root/usr/share/icons/hicolor/scalable/apps/tessera.svg" ] \
  || fail "desktop entry or icon missing"

# The installed program, nothing else: a clean environment, cwd = the empty home, no clone on the path.
run() {
  "${in_root[@]}" /usr/bin/env -i HOME="$home_in" PATH=/usr/bin:/bin LANG=C.UTF-8 /bin/sh -c 'cd "$HOME" && exec "$@"' sh "$@"
}
ms() { date +%s%3N; }

version=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null && cache="dropped page cache" || cache="page cache not droppable here: first run after install"
t0=$(ms); got=$(run "$tessera" --version); t1=$(ms)
[ "$got" = "tessera $version" ] || fail "--version says '$got'"
version_ms=$((t1 - t0))
t0=$(ms); run "$tessera" --version >/dev/null; t1=$(ms); version_warm_ms=$((t1 - t0))

# Time until a window titled "$2" is mapped, for the GUI started as `tessera $1` under Xvfb; then closed.
window_ms() {
  local args="$1" title="$2"
  run xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    start=$(date +%s%3N); '"$tessera"' '"$args"' >"$HOME/gui.log" 2>&1 & pid=$!
    for _ in $(seq 1 600); do
      if xwininfo -root -tree 2>/dev/null | grep -q "\"'"$title"'"; then echo $(( $(date +%s%3N) - start )); kill $pid; wait $pid 2>/dev/null; exit 0; fi
      kill -0 $pid 2>/dev/null || { cat "$HOME/gui.log" >&2; exit 1; }
      sleep 0.1
    done; kill $pid; exit 1'
}
wizard_ms=$(window_ms gui "Tessera — set up this station") || fail "the first start did not open the set-up wizard"
ledger="$home_out/.local/share/tessera/ledger.db"

say "tessera demo (installed files only)"
run "$tessera" demo --out "$home_in/demo-out" >"$work/demo.out" || { cat "$work/demo.out"; fail "tessera demo"; }
grep -q ALREADY_CHECKED_IN "$work/demo.out" || fail "demo printed no verdicts"
[ -f "$ledger" ] || fail "the demo's ledger is not in the user data dir ($ledger)"
gui_ms=$(window_ms gui "Tessera — Tessera Demo Night") || fail "the GUI did not open on the demo ledger"

count() { run "$tessera" tickets list --json --limit 1 "$@" | python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])'; }
snapshot() { echo "$(run "$tessera" events list --json | python3 -c 'import json, sys; d = json.load(sys.stdin); print(len(d if isinstance(d, list) else d.get("events", [])))') events, $(count) tickets, $(count --state CHECKED_IN) checked in"; }
before=$(snapshot)

say "a newer build over the first"
deb2=$(TESSERA_REUSE_BUNDLE=1 TESSERA_DEB_REVISION=2 bash packaging/build.sh | tail -1)
install_deb "$deb2"
installed=$(installed_version)
[ "$installed" = "$version-2" ] || fail "after the upgrade dpkg says $installed"
after=$(snapshot)
[ "$before" = "$after" ] || fail "the ledger changed over the upgrade: '$before' vs '$after'"
run "$tessera" --version >/dev/null
remove_deb || fail "remove"
[ -f "$ledger" ] && [ ! -e "$root/opt/tessera/tessera" ] || fail "removing the package must keep the user's ledger"

size_deb=$(du -h "$deb1" | cut -f1)
size_inst=$(dpkg-deb -f "$deb1" Installed-Size)
echo "mode: $mode; package: $deb1 — $size_deb download, $((size_inst / 1024)) MiB installed"
echo "cold start ($cache): tessera --version ${version_ms} ms (warm ${version_warm_ms} ms); first GUI start to the set-up wizard ${wizard_ms} ms; GUI on the demo ledger ${gui_ms} ms"
echo "upgrade $version-1 -> $installed kept the ledger: $after"
echo "test-deb: OK"
