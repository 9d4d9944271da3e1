"""A read-only hex dump view: ``offset | hex | ascii``, capped so a huge body never stalls."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit, QWidget

HEX_CAP = 64 * 1024  # bytes shown at most; the rest is summarised in one line

# printable ASCII stays, everything else becomes "."
_ASCII = bytes(b if 0x20 <= b < 0x7F else 0x2E for b in range(256))


def hexdump(data: bytes, limit: int = HEX_CAP, width: int = 16) -> str:
    """``00000000  0a 1b 2c ... 7f  |ascii...|`` lines; at most ``limit`` bytes are shown."""
    shown = data[:limit] if limit >= 0 else data
    half = width // 2
    hex_width = width * 3 + 1  # "xx " per byte plus the gap in the middle
    lines = []
    for off in range(0, len(shown), width):
        chunk = shown[off:off + width]
        left = chunk[:half].hex(" ")
        right = chunk[half:].hex(" ")
        hx = f"{left}  {right}" if right else left
        lines.append(f"{off:08x}  {hx:<{hex_width}} |{chunk.translate(_ASCII).decode('ascii')}|")
    if len(data) > len(shown):
        lines.append(f"... {len(data) - len(shown):,} more bytes not shown "
                     f"({len(data):,} in total; export the push for all of them)")
    if not data:
        lines.append("(empty body)")
    return "\n".join(lines)


class HexView(QPlainTextEdit):
    """A fixed-width, read-only, non-wrapping hex dump of one body."""

    def __init__(self, parent: QWidget | None = None, limit: int = HEX_CAP) -> None:
        super().__init__(parent)
        self.limit = limit
        self.setObjectName("pushHexView")
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setUndoRedoEnabled(False)

    def set_bytes(self, data: bytes) -> None:
        self.setPlainText(hexdump(data, self.limit))
