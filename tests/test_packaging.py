"""Cheap checks on the packaging inputs (the full .deb build and install run in CI through
packaging/build_deb.sh and packaging/ci_smoke.sh, not here)."""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib import metadata, resources
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGING = REPO / "packaging"
ICONS = REPO / "resources" / "icons"
DESKTOP = REPO / "resources" / "opendeck.desktop"
HICOLOR_SIZES = {16, 32, 48, 64, 128, 256}


def _render_icons():
    spec = importlib.util.spec_from_file_location("render_icons", PACKAGING / "render_icons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # importing it does not touch Qt
    return module


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(DESKTOP.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


# --- .desktop ------------------------------------------------------------------------------

def test_desktop_file_has_the_required_keys():
    entry = _desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "OpenDeck"
    assert entry["Exec"] == "opendeck"
    assert entry["Terminal"] == "false"
    assert entry["Categories"] == "Finance;Network;Development;"
    assert entry.get("Comment")


def test_desktop_icon_name_matches_the_icon_files():
    icon = _desktop_entry()["Icon"]
    assert icon == "opendeck"  # a theme name, not a path: the .deb installs it into hicolor
    assert (ICONS / f"{icon}.svg").is_file()
    for size in HICOLOR_SIZES:
        assert (ICONS / f"{icon}-{size}.png").is_file()


# On a developer machine without desktop-file-utils this is skipped; CI installs it, and there
# a missing validator is a failure, not a skip.
@pytest.mark.skipif(not shutil.which("desktop-file-validate") and not os.environ.get("CI"),
                    reason="desktop-file-utils not installed (CI installs it)")
def test_desktop_file_validates():
    assert shutil.which("desktop-file-validate"), "apt-get install desktop-file-utils"
    result = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    errors = [line for line in result.stdout.splitlines() if ": hint:" not in line]
    assert result.returncode == 0 and not errors, result.stdout + result.stderr


# --- icons ---------------------------------------------------------------------------------

def test_icon_png_sizes_are_what_their_names_say():
    pngs = sorted(ICONS.glob("opendeck-*.png"))
    found = set()
    for path in pngs:
        size = int(re.fullmatch(r"opendeck-(\d+)\.png", path.name).group(1))
        assert _png_size(path) == (size, size), path.name
        found.add(size)
    assert found == HICOLOR_SIZES


def test_svg_icon_is_square_and_parses():
    root = ET.parse(ICONS / "opendeck.svg").getroot()
    assert root.tag.endswith("svg")
    x, y, w, h = (float(v) for v in root.get("viewBox").split())
    assert (x, y) == (0, 0) and w == h


def test_icons_ship_as_package_data():
    icons = resources.files("opendeck.resources") / "icons"
    assert (icons / "opendeck.svg").is_file()
    assert (icons / "opendeck-48.png").is_file()


def test_ico_and_icns_containers_are_well_formed():
    render = _render_icons()
    fake = {s: b"\x89PNG\r\n\x1a\n" + bytes(s) for s in (16, 32, 256)}
    ico = render.build_ico(sorted(fake.items()))
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind, count) == (0, 1, 3)
    for i, (size, png) in enumerate(sorted(fake.items())):
        w, h, _, _, planes, bpp, length, offset = struct.unpack("<BBBBHHII", ico[6 + 16 * i:22 + 16 * i])
        assert (w, h) == ((0, 0) if size == 256 else (size, size)) and (planes, bpp) == (1, 32)
        assert ico[offset:offset + length] == png
    icns = render.build_icns([(b"ic07", fake[16]), (b"ic08", fake[32])])
    assert icns[:4] == b"icns" and struct.unpack(">I", icns[4:8])[0] == len(icns)
    assert icns[8:12] == b"ic07" and struct.unpack(">I", icns[12:16])[0] == 8 + len(fake[16])


# --- build recipes -------------------------------------------------------------------------

def test_spec_reads_the_version_from_package_metadata_and_collects_everything():
    spec = (PACKAGING / "opendeck.spec").read_text(encoding="utf-8")
    assert 'metadata.version("opendeck")' in spec
    assert 'copy_metadata("opendeck")' in spec  # so the frozen app knows its version
    assert 'collect_submodules("opendeck.core")' in spec  # importlib-loaded *_pb2 modules
    assert "opendeck_entry.py" in spec and (PACKAGING / "opendeck_entry.py").is_file()
    assert "console=False" in spec and "BUNDLE(" in spec
    assert '"tkinter"' in spec


def test_entry_script_calls_the_cli():
    text = (PACKAGING / "opendeck_entry.py").read_text(encoding="utf-8")
    assert "from opendeck.gui.launcher import main" in text


def test_build_deb_reads_the_version_from_metadata():
    script = (PACKAGING / "build_deb.sh").read_text(encoding="utf-8")
    assert 'version("opendeck")' in script
    assert "dpkg --print-architecture" in script
    assert "--root-owner-group" in script
    assert "opendeck.spec" in script


def test_windows_and_macos_recipes_exist():
    iss = (PACKAGING / "windows" / "opendeck.iss").read_text(encoding="utf-8")
    assert "AppId={{" in iss and "{#AppVersion}" in iss and "opendeck.exe" in iss
    assert (PACKAGING / "macos" / "build_app.sh").is_file()
    assert (REPO / ".github" / "workflows" / "desktop.yml").is_file()


@pytest.mark.parametrize("script", ["build_deb.sh", "ci_smoke.sh", "macos/build_app.sh"])
def test_shell_scripts_parse(script):
    result = subprocess.run(["bash", "-n", str(PACKAGING / script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- the version the app reports -----------------------------------------------------------

def test_opendeck_version_prints_the_metadata_version():
    script = shutil.which("opendeck", path=os.path.dirname(sys.executable))
    cmd = [script] if script else [sys.executable, "-m", "opendeck.core.cli"]
    result = subprocess.run([*cmd, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"opendeck {metadata.version('opendeck')}"
