#!/usr/bin/env bash
# Build the OpenDeck .deb: PyInstaller one-folder bundle -> /opt/opendeck, plus launcher,
# desktop entry and hicolor icons, packed with dpkg-deb (no other packaging tool needed).
#
#   bash packaging/build_deb.sh [PYTHON]        # PYTHON: the venv python with opendeck installed
#
# Output: dist/opendeck_<version>_<arch>.deb (the path is the last line printed).
# Work files: packaging/build/ (not committed). Needs: dpkg-deb, binutils (readelf/objdump/strip
# are used by PyInstaller too), and PyInstaller in PYTHON's environment (`pip install -e .[package]`).
#
# Environment knobs:
#   OPENDECK_DEB_COMPRESS   dpkg-deb compression flags (default "-Zxz -z1": ~9 s; see README)
#   OPENDECK_REUSE_BUNDLE=1 skip PyInstaller and repackage packaging/build/dist/opendeck
#   OPENDECK_DEB_MAX_MB     fail if the .deb is bigger than this (default 70)
set -euo pipefail
umask 022

PY=${1:-python3}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
BUILD="$HERE/build"
BUNDLE="$BUILD/dist/opendeck"
DEBROOT="$BUILD/debroot"
OUT_DIR="$REPO/dist"
COMPRESS=${OPENDECK_DEB_COMPRESS:--Zxz -z1}
MAX_MB=${OPENDECK_DEB_MAX_MB:-70}
ICON_SIZES="16 32 48 64 128 256"

die() { echo "build_deb: error: $*" >&2; exit 1; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

command -v dpkg-deb >/dev/null || die "dpkg-deb not found (Debian/Ubuntu only)"
command -v readelf >/dev/null && command -v objdump >/dev/null \
    || die "readelf/objdump not found: apt-get install binutils"
"$PY" -c 'import PyInstaller' 2>/dev/null \
    || die "PyInstaller is not installed for $PY: $PY -m pip install -e '.[package]'"

# --- version (package metadata, the same source the spec and `opendeck --version` use) ------
PY_VERSION=$("$PY" -c 'from importlib.metadata import version; print(version("opendeck"))') \
    || die "opendeck is not installed for $PY: $PY -m pip install -e ."
# PEP 440 -> Debian ordering: 1.0rc1 / 1.0.dev3 sort before 1.0 with '~'.
DEB_VERSION=$(printf '%s' "$PY_VERSION" | sed -E 's/\.?(a|b|rc|dev)([0-9]+)/~\1\2/g')
ARCH=$(dpkg --print-architecture)
DEB="$OUT_DIR/opendeck_${DEB_VERSION}_${ARCH}.deb"
echo "build_deb: opendeck $PY_VERSION (deb $DEB_VERSION, $ARCH)"

# --- 1. PyInstaller bundle ------------------------------------------------------------------
if [ "${OPENDECK_REUSE_BUNDLE:-0}" = 1 ] && [ -x "$BUNDLE/opendeck" ]; then
    echo "build_deb: reusing $BUNDLE"
    T_PYI=0
else
    rm -rf "$BUILD/dist" "$BUILD/work"
    t0=$(now)
    (cd "$REPO" && "$PY" -m PyInstaller --noconfirm --log-level WARN \
        --distpath "$BUILD/dist" --workpath "$BUILD/work" "$HERE/opendeck.spec")
    T_PYI=$(secs "$t0" "$(now)")
fi
[ -x "$BUNDLE/opendeck" ] || die "PyInstaller produced no $BUNDLE/opendeck"
got=$("$BUNDLE/opendeck" --version 2>&1) || die "the bundle does not run: $got"
[ "$got" = "opendeck $PY_VERSION" ] || die "bundle --version printed '$got', expected 'opendeck $PY_VERSION'"
BUNDLE_SIZE=$(du -sh "$BUNDLE" | cut -f1)
echo "build_deb: bundle OK ($BUNDLE_SIZE, PyInstaller ${T_PYI}s): $got"

# --- 2. what the bundle leaves to the host -> Depends ---------------------------------------
# Direct DT_NEEDED of every ELF in the bundle, minus what the bundle carries itself.
ELF_LIST="$BUILD/elf-files.txt"
find "$BUNDLE" -type f -print0 | while IFS= read -r -d '' f; do
    [ "$(head -c4 "$f" | od -An -c | tr -d ' ')" = "177ELF" ] && printf '%s\n' "$f"
done > "$ELF_LIST"
NEEDED=$(while IFS= read -r f; do
    readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
done < "$ELF_LIST" | sort -u)
CARRIED=$(find "$BUNDLE" \( -type f -o -type l \) -printf '%f\n' | sort -u)
HOST_LIBS=$(comm -23 <(printf '%s\n' "$NEEDED") <(printf '%s\n' "$CARRIED"))

# Debian package of a soname when the build host does not have the library installed.
fallback_pkg() {
    case "$1" in
        libc.so.*|libm.so.*|libdl.so.*|libpthread.so.*|librt.so.*|libresolv.so.*|ld-linux*) echo libc6 ;;
        libGL.so.1) echo libgl1 ;; libEGL.so.1) echo libegl1 ;; libGLX.so.0) echo libglx0 ;;
        libOpenGL.so.0) echo libopengl0 ;; libxcb.so.1) echo libxcb1 ;; libdrm.so.2) echo libdrm2 ;;
        libwayland-client.so.0) echo libwayland-client0 ;; libwayland-cursor.so.0) echo libwayland-cursor0 ;;
        libwayland-egl.so.1) echo libwayland-egl1 ;; libX11.so.6) echo libx11-6 ;;
        libX11-xcb.so.1) echo libx11-xcb1 ;; libfontconfig.so.1) echo libfontconfig1 ;;
        libfreetype.so.6) echo libfreetype6 ;; libdbus-1.so.3) echo libdbus-1-3 ;;
        libglib-2.0.so.0|libgthread-2.0.so.0) echo libglib2.0-0 ;; libxkbcommon.so.0) echo libxkbcommon0 ;;
        libxkbcommon-x11.so.0) echo libxkbcommon-x11-0 ;; libxcb-cursor.so.0) echo libxcb-cursor0 ;;
        libxcb-icccm.so.4) echo libxcb-icccm4 ;; libxcb-keysyms.so.1) echo libxcb-keysyms1 ;;
        libxcb-image.so.0) echo libxcb-image0 ;; libxcb-randr.so.0) echo libxcb-randr0 ;;
        libxcb-render-util.so.0) echo libxcb-render-util0 ;; libxcb-shape.so.0) echo libxcb-shape0 ;;
        libxcb-xfixes.so.0) echo libxcb-xfixes0 ;; libxcb-*.so.*) echo "${1%%.so*}" | sed 's/$/0/' ;;
        *) return 1 ;;
    esac
}
pkg_of() {  # the installed package that ships soname $1 for this architecture
    local hits
    hits=$(dpkg-query -S "*/$1" 2>/dev/null | grep -E "^[^ ]+:${ARCH}: " | cut -d: -f1 | sort -u | paste -sd'|' | sed 's/|/ | /g') || true
    if [ -z "$hits" ]; then
        hits=$(dpkg-query -S "*/$1" 2>/dev/null | grep -vE '/(lib32|libx32|usr/lib32|i386)' | cut -d: -f1 | sort -u | head -1) || true
    fi
    [ -n "$hits" ] && { echo "$hits"; return 0; }
    fallback_pkg "$1"
}
DEPS=""
UNMAPPED=""
for so in $HOST_LIBS; do
    if p=$(pkg_of "$so"); then DEPS="$DEPS"$'\n'"$p"; else UNMAPPED="$UNMAPPED $so"; fi
done
[ -z "$UNMAPPED" ] || die "no Debian package known for host libraries:$UNMAPPED (add them to fallback_pkg)"
# Not libraries but data the bundled libs read from the host: fontconfig's /etc/fonts and at
# least one font come with libfontconfig1 (fontconfig-config -> fonts-dejavu-core).
DEPS="$DEPS"$'\n'"libfontconfig1"
GLIBC_MIN=$(while IFS= read -r f; do objdump -T "$f" 2>/dev/null | grep -o 'GLIBC_2\.[0-9]*' ; done < "$ELF_LIST" \
    | sed 's/GLIBC_//' | sort -t. -k1,1n -k2,2n -u | tail -1)
DEPENDS=$(printf '%s\n' "$DEPS" | sed '/^$/d' | grep -vx libc6 | sort -u | paste -sd, | sed 's/,/, /g')
DEPENDS="libc6 (>= ${GLIBC_MIN:-2.34}), $DEPENDS"
echo "build_deb: host libraries: $(echo $HOST_LIBS)"
echo "build_deb: Depends: $DEPENDS"

# --- 3. debroot -----------------------------------------------------------------------------
t0=$(now)
rm -rf "$DEBROOT"
mkdir -p "$DEBROOT/DEBIAN" "$DEBROOT/opt" "$DEBROOT/usr/bin" "$DEBROOT/usr/share/applications" \
         "$DEBROOT/usr/share/doc/opendeck"
cp -a "$BUNDLE" "$DEBROOT/opt/opendeck"
ln -s /opt/opendeck/opendeck "$DEBROOT/usr/bin/opendeck"  # the bootloader finds _internal via /proc/self/exe
install -m644 "$REPO/resources/opendeck.desktop" "$DEBROOT/usr/share/applications/opendeck.desktop"
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$DEBROOT/usr/share/applications/opendeck.desktop" | grep -v ': hint:' || true
    desktop-file-validate "$DEBROOT/usr/share/applications/opendeck.desktop" >/dev/null \
        || die "resources/opendeck.desktop does not validate"
fi
for s in $ICON_SIZES; do
    src="$REPO/resources/icons/opendeck-$s.png"
    [ -f "$src" ] || die "missing $src (run: $PY packaging/render_icons.py)"
    install -D -m644 "$src" "$DEBROOT/usr/share/icons/hicolor/${s}x${s}/apps/opendeck.png"
done
install -D -m644 "$REPO/resources/icons/opendeck.svg" "$DEBROOT/usr/share/icons/hicolor/scalable/apps/opendeck.svg"
# opendeck monitor: the systemd unit (installed, not enabled) and the Prometheus / Grafana examples
install -D -m644 "$REPO/packaging/monitoring/opendeck-monitor.service" \
    "$DEBROOT/lib/systemd/system/opendeck-monitor.service"
install -D -m644 -t "$DEBROOT/usr/share/doc/opendeck/monitoring" \
    "$REPO"/packaging/monitoring/{prometheus.yml,alerts.yml,alerts_test.yml,grafana-dashboard.json} \
    "$REPO/docs/monitoring.md"

# copyright: the app's licence plus the Python distributions the bundle carries (from metadata).
"$PY" - "$BUNDLE/_internal" "$BUILD/work/opendeck/PYZ-00.toc" > "$DEBROOT/usr/share/doc/opendeck/copyright" <<'PYEOF'
import ast, sys
from importlib import metadata
from pathlib import Path
internal, pyz_toc = Path(sys.argv[1]), Path(sys.argv[2])
top = {p.name for p in internal.iterdir()}  # packages with files on disk
if pyz_toc.is_file():  # pure-Python modules live in the PYZ archive
    top |= {name.split(".")[0] for name, *_ in ast.literal_eval(pyz_toc.read_text())[1]}
dists = sorted({d for name, ds in metadata.packages_distributions().items() if name in top for d in ds}
               - {"opendeck"}, key=str.lower)
print("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/")
print("Upstream-Name: opendeck\n")
print("Files: *\nCopyright: OpenDeck maintainers\nLicense: MIT\n")
print("Comment: /opt/opendeck is a PyInstaller bundle. Besides the CPython runtime (PSF-2.0) and")
print(" the Qt 6 libraries (LGPL-3.0, shipped as unmodified shared libraries), it carries:")
for d in dists:
    md = metadata.metadata(d)
    lic = md.get("License-Expression") or md.get("License") or ""
    if not lic or len(lic) > 60:
        lic = "; ".join(c.split(" :: ")[-1] for c in md.get_all("Classifier") or [] if c.startswith("License ::")) or "see upstream"
    print(f" {d} {metadata.version(d)}: {lic}")
PYEOF

cat > "$DEBROOT/DEBIAN/postinst" <<'EOF'
#!/bin/sh
# Refresh menus and icon caches when the tools exist (Debian's triggers usually do it too).
set -e
if [ "$1" = configure ]; then
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q /usr/share/applications || true
    fi
    if [ -f /usr/share/icons/hicolor/index.theme ] && command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q /usr/share/icons/hicolor || true
    fi
fi
exit 0
EOF
cat > "$DEBROOT/DEBIAN/postrm" <<'EOF'
#!/bin/sh
set -e
case "$1" in
    remove|purge)
        if command -v update-desktop-database >/dev/null 2>&1; then
            update-desktop-database -q /usr/share/applications || true
        fi
        if [ -f /usr/share/icons/hicolor/index.theme ] && command -v gtk-update-icon-cache >/dev/null 2>&1; then
            gtk-update-icon-cache -q /usr/share/icons/hicolor || true
        fi
        ;;
esac
exit 0
EOF
chmod 755 "$DEBROOT/DEBIAN/postinst" "$DEBROOT/DEBIAN/postrm"
find "$DEBROOT" -type d -exec chmod 755 {} +
chmod -R go-w "$DEBROOT"
(cd "$DEBROOT" && find opt usr lib -type f -print0 | sort -z | xargs -0 md5sum > DEBIAN/md5sums)
chmod 644 "$DEBROOT/DEBIAN/md5sums"

INSTALLED_KB=$(du -sk --exclude=DEBIAN "$DEBROOT" | cut -f1)
cat > "$DEBROOT/DEBIAN/control" <<EOF
Package: opendeck
Version: $DEB_VERSION
Section: net
Priority: optional
Architecture: $ARCH
Maintainer: OpenDeck maintainers <opendeck@users.noreply.invalid>
Installed-Size: $INSTALLED_KB
Depends: $DEPENDS
Recommends: fonts-wqy-microhei | fonts-noto-cjk
Description: connection manager and live push monitor for Futu / moomoo OpenD
 OpenDeck keeps a list of OpenD gateway endpoints, opens quote and trade
 connections to them, and shows the InitConnect handshake, KeepAlive round
 trips and every push live. A built-in demo gateway speaks the OpenD protocol,
 so it works offline. This package is a self-contained PyInstaller bundle in
 /opt/opendeck (Python and Qt included).
EOF

# --- 4. pack --------------------------------------------------------------------------------
mkdir -p "$OUT_DIR"
rm -f "$DEB"
t1=$(now)
# shellcheck disable=SC2086  # COMPRESS is a list of flags
dpkg-deb --root-owner-group $COMPRESS --build "$DEBROOT" "$DEB" >/dev/null
T_DEB=$(secs "$t1" "$(now)")
T_LAYOUT=$(secs "$t0" "$t1")
DEB_BYTES=$(stat -c %s "$DEB")
DEB_MB=$(awk -v b="$DEB_BYTES" 'BEGIN { printf "%.1f", b / 1048576 }')
dpkg-deb --info "$DEB" >/dev/null || die "dpkg-deb cannot read back $DEB"

cat > "$BUILD/build-info.txt" <<EOF
version=$PY_VERSION
deb=$DEB
pyinstaller_seconds=$T_PYI
bundle_size=$BUNDLE_SIZE
installed_size_kb=$INSTALLED_KB
layout_seconds=$T_LAYOUT
dpkg_deb_seconds=$T_DEB
dpkg_deb_flags=$COMPRESS
deb_mb=$DEB_MB
depends=$DEPENDS
EOF
echo "build_deb: PyInstaller ${T_PYI}s, layout ${T_LAYOUT}s, dpkg-deb ($COMPRESS) ${T_DEB}s;" \
     "bundle $BUNDLE_SIZE, installed ${INSTALLED_KB} KiB, .deb ${DEB_MB} MB"
awk -v m="$DEB_MB" -v max="$MAX_MB" 'BEGIN { exit !(m < max) }' \
    || die ".deb is ${DEB_MB} MB, over the ${MAX_MB} MB budget"
echo "$DEB"
