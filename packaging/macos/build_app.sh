#!/usr/bin/env bash
# Build OpenDeck.app and a .dmg on macOS.
#
# NOT RUN HERE: the project's own CI is Linux. This runs on a macos-latest runner in
# .github/workflows/desktop.yml (job "macos"); the first green run there is its test.
#
#   bash packaging/macos/build_app.sh [PYTHON]
#
# Output: dist/OpenDeck-<version>-<arch>.dmg (arch = uname -m: arm64 on macos-latest; build on
# an Intel runner, or a universal2 Python with target_arch, for x86_64). Steps:
#   1. render opendeck.icns from resources/icons/opendeck.svg (packaging/render_icons.py)
#   2. PyInstaller with packaging/opendeck.spec -> packaging/build/dist/OpenDeck.app (BUNDLE)
#   3. smoke: the app's binary prints its version and passes `gui --self-test` offscreen
#   4. .dmg with hdiutil (the .app plus an /Applications link)
#   5. optional signing and notarization, driven by environment variables:
#        OPENDECK_CODESIGN_IDENTITY  "Developer ID Application: Name (TEAMID)"; the spec passes
#                                    it to PyInstaller, which signs every binary with the
#                                    hardened runtime and packaging/macos/entitlements.plist
#        APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD   for `xcrun notarytool` (app-specific
#                                    password), or NOTARY_PROFILE for a stored keychain profile
#      Without them the app is signed ad hoc (PyInstaller's default on arm64): it runs on the
#      build machine, but Gatekeeper on other Macs asks the user to allow it.
set -euo pipefail

PY=${1:-python3}
HERE=$(cd "$(dirname "$0")" && pwd)
PKG_DIR=$(dirname "$HERE")
REPO=$(dirname "$PKG_DIR")
BUILD="$PKG_DIR/build"
APP="$BUILD/dist/OpenDeck.app"
die() { echo "build_app: error: $*" >&2; exit 1; }

[ "$(uname -s)" = Darwin ] || die "this script runs on macOS only"
VERSION=$("$PY" -c 'from importlib.metadata import version; print(version("opendeck"))') \
    || die "opendeck is not installed for $PY: $PY -m pip install -e '.[package]'"
ARCH=$(uname -m)
DMG="$REPO/dist/OpenDeck-$VERSION-$ARCH.dmg"

# 1. icon
QT_QPA_PLATFORM=offscreen "$PY" "$PKG_DIR/render_icons.py" --no-png --icns "$BUILD/icons/opendeck.icns"

# 2. bundle
rm -rf "$BUILD/dist" "$BUILD/work"
start=$(date +%s)
(cd "$REPO" && "$PY" -m PyInstaller --noconfirm --log-level WARN \
    --distpath "$BUILD/dist" --workpath "$BUILD/work" "$PKG_DIR/opendeck.spec")
echo "build_app: PyInstaller $(( $(date +%s) - start )) s, $(du -sh "$APP" | cut -f1)"

# 3. smoke (the binary inside the bundle still writes to the terminal when started from one)
got=$("$APP/Contents/MacOS/opendeck" --version)
[ "$got" = "opendeck $VERSION" ] || die "--version printed '$got', expected 'opendeck $VERSION'"
if "$APP/Contents/MacOS/opendeck" gui --help | grep -q -- --self-test; then
    QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/opendeck" gui --self-test \
        --screenshot "$BUILD/self-test-macos.png" || die "gui --self-test failed"
fi

# 5a. signing check (PyInstaller signed it in step 2 when OPENDECK_CODESIGN_IDENTITY is set)
codesign --verify --deep --strict --verbose=2 "$APP" || die "codesign verification failed"

# 4. dmg
STAGE="$BUILD/dmg"
rm -rf "$STAGE" && mkdir -p "$STAGE" "$REPO/dist"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
rm -f "$DMG"
hdiutil create -volname "OpenDeck $VERSION" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
# Alternative with a laid-out window: pip install dmgbuild; dmgbuild -s settings.py "OpenDeck" "$DMG"

# 5b. sign + notarize the dmg (only with credentials)
if [ -n "${OPENDECK_CODESIGN_IDENTITY:-}" ]; then
    codesign --sign "$OPENDECK_CODESIGN_IDENTITY" --timestamp "$DMG"
    if [ -n "${NOTARY_PROFILE:-}" ]; then
        xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" --wait
    elif [ -n "${APPLE_ID:-}" ] && [ -n "${APPLE_TEAM_ID:-}" ] && [ -n "${APPLE_APP_PASSWORD:-}" ]; then
        xcrun notarytool submit "$DMG" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" \
            --password "$APPLE_APP_PASSWORD" --wait
    else
        echo "build_app: signed but not notarized (no NOTARY_PROFILE / APPLE_ID credentials)"
    fi
    if [ -n "${NOTARY_PROFILE:-}${APPLE_ID:-}" ]; then
        xcrun stapler staple "$DMG"
        spctl --assess --type open --context context:primary-signature --verbose "$DMG"
    fi
fi

echo "build_app: $(du -h "$DMG" | cut -f1) $DMG"
echo "$DMG"
