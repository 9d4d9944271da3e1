"""Render the OpenDeck app icon from resources/icons/opendeck.svg.

    python packaging/render_icons.py                 # resources/icons/opendeck-<N>.png (committed)
    python packaging/render_icons.py --ico X.ico     # also a multi-size Windows icon
    python packaging/render_icons.py --icns X.icns   # also a macOS icon
    python packaging/render_icons.py --check         # exit 1 if a committed PNG is missing/wrong size

Only PySide6 (QtSvg + QImage) is used, no new dependency. The .ico and .icns containers are
written by hand with PNG-compressed entries (Windows Vista+ and macOS 10.7+ read those), so
the Windows and macOS builds can make them on their runners; they are build outputs, not
committed. The committed PNGs are the hicolor sizes the .deb installs and the window uses.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ICON_DIR = REPO / "resources" / "icons"
SVG = ICON_DIR / "opendeck.svg"
NAME = "opendeck"
# hicolor sizes installed by the .deb (and loaded by the window); committed as PNGs.
HICOLOR_SIZES = (16, 32, 48, 64, 128, 256)
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)
# icns entry type -> pixel size (all PNG-compressed; retina types are the @2x ones).
ICNS_TYPES = (
    (b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256),
    (b"ic09", 512), (b"ic10", 1024), (b"ic11", 32), (b"ic12", 64), (b"ic13", 256),
    (b"ic14", 512),
)


def png_path(size: int) -> Path:
    return ICON_DIR / f"{NAME}-{size}.png"


class Renderer:
    def __init__(self, svg: Path = SVG) -> None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtGui import QGuiApplication
        from PySide6.QtSvg import QSvgRenderer

        self._app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
        self._svg = QSvgRenderer(str(svg))
        if not self._svg.isValid():
            raise SystemExit(f"render_icons: cannot parse {svg}")

    def image(self, size: int):
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QImage, QPainter

        img = QImage(size, size, QImage.Format.Format_ARGB32)
        img.fill(Qt.GlobalColor.transparent)
        painter = QPainter(img)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        self._svg.render(painter)
        painter.end()
        return img

    def png_bytes(self, size: int) -> bytes:
        from PySide6.QtCore import QBuffer, QByteArray, QIODevice

        data = QByteArray()
        buf = QBuffer(data)
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        if not self.image(size).save(buf, "PNG"):
            raise SystemExit(f"render_icons: PNG encode failed at {size}px")
        buf.close()
        return bytes(data.data())


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return struct.unpack(">II", data[16:24])


def build_ico(images: list[tuple[int, bytes]]) -> bytes:
    head = struct.pack("<HHH", 0, 1, len(images))
    offset = len(head) + 16 * len(images)
    entries, blobs = [], []
    for size, png in images:
        dim = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries.append(struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset))
        blobs.append(png)
        offset += len(png)
    return head + b"".join(entries) + b"".join(blobs)


def build_icns(images: list[tuple[bytes, bytes]]) -> bytes:
    body = b"".join(kind + struct.pack(">I", 8 + len(png)) + png for kind, png in images)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def check() -> int:
    bad = []
    for size in HICOLOR_SIZES:
        path = png_path(size)
        if not path.is_file():
            bad.append(f"{path}: missing")
        elif png_size(path.read_bytes()) != (size, size):
            bad.append(f"{path}: is {png_size(path.read_bytes())}, expected {size}x{size}")
    for line in bad:
        print(f"render_icons: {line}", file=sys.stderr)
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ico", metavar="PATH", help="also write a multi-size Windows .ico here")
    ap.add_argument("--icns", metavar="PATH", help="also write a macOS .icns here")
    ap.add_argument("--no-png", action="store_true", help="do not (re)write the committed PNGs")
    ap.add_argument("--check", action="store_true", help="only check the committed PNGs")
    args = ap.parse_args(argv)
    if args.check:
        return check()

    r = Renderer()
    cache: dict[int, bytes] = {}

    def png(size: int) -> bytes:
        if size not in cache:
            cache[size] = r.png_bytes(size)
        return cache[size]

    if not args.no_png:
        for size in HICOLOR_SIZES:
            path = png_path(size)
            path.write_bytes(png(size))
            print(f"wrote {path.relative_to(REPO)} ({path.stat().st_size} B)")
    if args.ico:
        out = Path(args.ico)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(build_ico([(s, png(s)) for s in ICO_SIZES]))
        print(f"wrote {out} ({out.stat().st_size} B)")
    if args.icns:
        out = Path(args.icns)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(build_icns([(kind, png(s)) for kind, s in ICNS_TYPES]))
        print(f"wrote {out} ({out.stat().st_size} B)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
