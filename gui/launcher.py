"""The ``opendeck`` command as installed: the core's CLI, with the window plugged in.

The core never imports the GUI. This launcher lives in gui/ and hands the core a function
that opens the window; every headless command (``probe``, ``gateway``, ``record``,
``monitor``) runs without Qt ever being imported.
"""

from __future__ import annotations

import sys


def _open_window(args) -> int:
    try:
        from opendeck.gui import app
    except ImportError as exc:  # a broken or partial install
        print(f"opendeck: the window needs PySide6 and qasync ({exc}); "
              "`pip install opendeck` brings them, or use `opendeck probe` headless",
              file=sys.stderr)
        return 3
    return app.main(args)


def main(argv: list[str] | None = None) -> int:
    from opendeck.core import cli
    return cli.main(argv, open_window=_open_window)


if __name__ == "__main__":
    sys.exit(main())
