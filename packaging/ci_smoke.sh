#!/usr/bin/env bash
# Install the built .deb, run the INSTALLED app, remove it, and check nothing is left behind.
#
#   bash packaging/ci_smoke.sh [dist/opendeck_<ver>_<arch>.deb]   (default: the last one built)
#
# Run as root (or with sudo available) on a Debian/Ubuntu machine; CI calls it from .ci/run
# after the tests and packaging/build_deb.sh. Steps:
#   1. dpkg -i the.deb (apt-get -f install pulls missing Depends from the archive)
#   2. /usr/bin/opendeck --version must print the packaged version
#   3. `opendeck gateway --port 0` must print "listening on ..."
#   4. QT_QPA_PLATFORM=offscreen opendeck gui --self-test (window, demo gateway, handshake,
#      push rows); reports "window shown after N ms" (target < 1.5 s), saves a screenshot;
#      then the same on xcb under Xvfb when xvfb-run is installed
#   5. dpkg --purge; every file the package listed must be gone, `dpkg -L` must fail
#
# Environment: OPENDECK_SMOKE_OUT (screenshots/logs; default packaging/build/smoke),
#   OPENDECK_SMOKE_MAX_SHOW_MS (make the window-shown time a hard limit; default: report only),
#   OPENDECK_SMOKE_TIMEOUT (seconds per self-test; default 60),
#   OPENDECK_SMOKE_SKIP_GUI=1 (skip step 4; for debugging the packaging only, never in CI).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# Default: the .deb that packaging/build_deb.sh built last (it records the path).
DEB=${1:-$(sed -n 's/^deb=//p' "$HERE/build/build-info.txt" 2>/dev/null || true)}
[ -n "$DEB" ] || { echo "usage: ci_smoke.sh [path/to/opendeck_<ver>_<arch>.deb] (none built yet)" >&2; exit 2; }
OUT=${OPENDECK_SMOKE_OUT:-$HERE/build/smoke}
TIMEOUT=${OPENDECK_SMOKE_TIMEOUT:-60}
TARGET_MS=1500
SYS_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

FAILED=1
INSTALLED=0
fail() { echo "ci_smoke: FAIL: $*" >&2; exit 1; }
note() { echo "ci_smoke: $*"; }
ms_now() { date +%s%3N; }

SUDO=""
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || fail "run as root (apt-get install / dpkg --purge)"
    SUDO="sudo"
fi
[ -f "$DEB" ] || fail "no such file: $DEB"
DEB=$(cd "$(dirname "$DEB")" && pwd)/$(basename "$DEB")
PKG=$(dpkg-deb -f "$DEB" Package)
DEB_VERSION=$(dpkg-deb -f "$DEB" Version)
# Debian '~' back to PEP 440 (build_deb.sh maps 1.0rc1 -> 1.0~rc1, 1.0.dev3 -> 1.0~dev3).
APP_VERSION=$(printf '%s' "$DEB_VERSION" | sed -E 's/~dev/.dev/g; s/~//g')
mkdir -p "$OUT"
WORK=$(mktemp -d)
note "package $PKG $DEB_VERSION from $DEB ($(du -h "$DEB" | cut -f1))"

cleanup() {
    local rc=$?
    if [ "$FAILED" = 1 ] && [ "$INSTALLED" = 1 ]; then
        note "purging $PKG after the failure"
        $SUDO dpkg --purge "$PKG" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT

# The app under test, with a clean environment: the installed launcher, a throwaway HOME (its
# config/journal are user data, not package files), no venv on PATH.
app() {
    env -i PATH="$SYS_PATH" HOME="$WORK/home" XDG_RUNTIME_DIR="$WORK/run" LANG=C.UTF-8 \
        ${DISPLAY:+DISPLAY="$DISPLAY"} ${QPA:+QT_QPA_PLATFORM="$QPA"} "$@"
}
mkdir -p "$WORK/home" "$WORK/run"
chmod 700 "$WORK/run"

# --- 1. install -----------------------------------------------------------------------------
# Paths the package will create: the ones that do not exist yet must be gone after the purge.
dpkg-deb --fsys-tarfile "$DEB" | tar -t | sed -e 's#^\./#/#' -e 's#/$##' | sed '/^$/d' > "$WORK/deb-paths.txt"
while IFS= read -r path; do
    if [ ! -e "$path" ] && [ ! -L "$path" ]; then printf '%s\n' "$path"; fi
done < "$WORK/deb-paths.txt" > "$WORK/new-paths.txt"
if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'ok installed'; then
    note "$PKG is already installed; purging it first"
    $SUDO dpkg --purge "$PKG" >/dev/null
fi
t0=$(ms_now)
INSTALLED=1
# dpkg -i, as a user with the .deb in hand would; when Depends are missing dpkg leaves the
# package unconfigured and apt-get -f pulls them from the archive and finishes the install.
if ! $SUDO env DEBIAN_FRONTEND=noninteractive dpkg -i "$DEB" > "$WORK/install.log" 2>&1; then
    note "dpkg -i left Depends missing; apt-get -f install fetches them"
    if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -f -y -qq >> "$WORK/install.log" 2>&1; then
        cat "$WORK/install.log" >&2
        fail "installing $DEB failed (missing Depends in the archive? run apt-get update)"
    fi
fi
T_INSTALL=$(( $(ms_now) - t0 ))
note "installed in ${T_INSTALL} ms"
dpkg-query -L "$PKG" > "$WORK/files.txt"
[ -s "$WORK/files.txt" ] || fail "dpkg -L $PKG is empty after install"
for f in /opt/opendeck/opendeck /usr/bin/opendeck /usr/share/applications/opendeck.desktop \
         /usr/share/icons/hicolor/scalable/apps/opendeck.svg; do
    [ -e "$f" ] || fail "$f is missing after install"
done
for s in 16 32 48 64 128 256; do
    [ -f "/usr/share/icons/hicolor/${s}x${s}/apps/opendeck.png" ] || fail "${s}x${s} icon missing"
done
[ "$(PATH=$SYS_PATH command -v opendeck)" = /usr/bin/opendeck ] || fail "opendeck on PATH is not /usr/bin/opendeck"

# --- 2. --version -----------------------------------------------------------------------------
got=$(cd / && app opendeck --version 2>&1) || fail "installed opendeck --version failed: $got"
[ "$got" = "opendeck $APP_VERSION" ] || fail "installed opendeck --version printed '$got', expected 'opendeck $APP_VERSION'"
note "installed opendeck --version: $got"

# --- 3. headless: the demo gateway ------------------------------------------------------------
(cd / && exec env -i PATH="$SYS_PATH" HOME="$WORK/home" LANG=C.UTF-8 opendeck gateway --port 0) \
    > "$WORK/gateway.log" 2>&1 &
GW=$!
for _ in $(seq 100); do
    grep -q "listening on" "$WORK/gateway.log" && break
    kill -0 "$GW" 2>/dev/null || break
    sleep 0.1
done
if grep -q "listening on" "$WORK/gateway.log"; then
    note "gateway: $(grep -m1 'listening on' "$WORK/gateway.log")"
    kill "$GW" 2>/dev/null || true
    wait "$GW" 2>/dev/null || true
else
    kill "$GW" 2>/dev/null || true
    wait "$GW" 2>/dev/null || true
    cat "$WORK/gateway.log" >&2
    fail "opendeck gateway --port 0 did not print 'listening on' within 10 s"
fi

# --- 4. the window: self-test -----------------------------------------------------------------
SHOWN_MS=""
GUI_RESULT="self-test skipped"
self_test() {  # $1 label, then the command prefix (e.g. xvfb-run -a)
    local label=$1; shift
    local log="$OUT/self-test-$label.log" shot="$OUT/self-test-$label.png" t0 wall rc ms
    rm -f "$shot"
    t0=$(ms_now)
    set +e
    # DISPLAY/XAUTHORITY are read inside, after xvfb-run (if any) has set them.
    (cd / && SMOKE_PATH="$SYS_PATH" SMOKE_HOME="$WORK/home" SMOKE_RUN="$WORK/run" \
        SMOKE_QPA="$QPA_FOR_TEST" SMOKE_SHOT="$shot" "$@" timeout "$TIMEOUT" sh -c '
        exec env -i PATH="$SMOKE_PATH" HOME="$SMOKE_HOME" XDG_RUNTIME_DIR="$SMOKE_RUN" \
            LANG=C.UTF-8 DISPLAY="${DISPLAY:-}" XAUTHORITY="${XAUTHORITY:-}" \
            QT_QPA_PLATFORM="$SMOKE_QPA" opendeck gui --self-test --screenshot "$SMOKE_SHOT"'
    ) > "$log" 2>&1
    rc=$?
    set -e
    wall=$(( $(ms_now) - t0 ))
    if [ $rc != 0 ]; then
        cat "$log" >&2
        fail "installed 'opendeck gui --self-test' ($label) exited $rc after ${wall} ms"
    fi
    ms=$(sed -n 's/.*window shown after \([0-9][0-9.]*\) *ms.*/\1/p' "$log" | head -1)
    if [ -n "$ms" ]; then
        note "self-test $label: OK, window shown after ${ms} ms (whole self-test ${wall} ms)"
    else
        ms=$wall
        note "self-test $label: OK in ${wall} ms wall (the app printed no 'window shown after N ms')"
    fi
    [ -s "$shot" ] && note "  screenshot: $shot ($(du -h "$shot" | cut -f1))"
    SHOWN_MS=${SHOWN_MS:-$ms}
    GUI_RESULT="self-test (window shown after ${SHOWN_MS} ms)"
}
if [ "${OPENDECK_SMOKE_SKIP_GUI:-0}" = 1 ]; then
    note "OPENDECK_SMOKE_SKIP_GUI=1: window check skipped (debugging only)"
elif app opendeck gui --help 2>/dev/null | grep -q -- '--self-test'; then
    QPA_FOR_TEST=offscreen self_test offscreen
    if command -v xvfb-run >/dev/null; then
        QPA_FOR_TEST=xcb self_test xcb xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp"
    else
        note "xvfb-run not installed: skipping the xcb self-test"
    fi
    if awk -v m="$SHOWN_MS" -v t="$TARGET_MS" 'BEGIN { exit !(m + 0 > t) }'; then
        if [ -n "${OPENDECK_SMOKE_MAX_SHOW_MS:-}" ] \
           && awk -v m="$SHOWN_MS" -v t="$OPENDECK_SMOKE_MAX_SHOW_MS" 'BEGIN { exit !(m + 0 > t) }'; then
            fail "window shown after ${SHOWN_MS} ms, over OPENDECK_SMOKE_MAX_SHOW_MS=$OPENDECK_SMOKE_MAX_SHOW_MS"
        fi
        note "WARNING: window shown after ${SHOWN_MS} ms, over the ${TARGET_MS} ms target"
    fi
else
    note "this build has no 'gui --self-test' yet: window check skipped"
fi

# --- 5. purge and look for leftovers ----------------------------------------------------------
t0=$(ms_now)
$SUDO dpkg --purge "$PKG" > "$WORK/purge.log" 2>&1 || { cat "$WORK/purge.log" >&2; fail "dpkg --purge $PKG failed"; }
INSTALLED=0
T_PURGE=$(( $(ms_now) - t0 ))
if dpkg-query -L "$PKG" >/dev/null 2>&1 && [ -n "$(dpkg-query -L "$PKG" 2>/dev/null)" ]; then
    fail "dpkg -L $PKG still lists files after purge"
fi
LEFT=""
while IFS= read -r path; do  # everything in the .deb that did not exist before the install
    if [ -e "$path" ] || [ -L "$path" ]; then LEFT="$LEFT $path"; fi
done < "$WORK/new-paths.txt"
for f in /opt/opendeck /usr/bin/opendeck /usr/share/applications/opendeck.desktop /usr/share/doc/opendeck; do
    [ -e "$f" ] || [ -L "$f" ] && LEFT="$LEFT $f"
done
ICONS=$( (find /usr/share/icons /usr/share/pixmaps -name 'opendeck.*' 2>/dev/null || true) | head -5)
[ -z "$ICONS" ] || LEFT="$LEFT $ICONS"
LEFT=$(printf '%s\n' $LEFT | sort -u | paste -sd' ')
[ -z "$LEFT" ] || fail "left behind after dpkg --purge: $LEFT"
note "purged in ${T_PURGE} ms; nothing left behind ($(wc -l < "$WORK/new-paths.txt") new paths checked)"

FAILED=0
note "OK: install ${T_INSTALL} ms, --version, gateway, $GUI_RESULT, purge ${T_PURGE} ms"
