"""PyInstaller entry point for the frozen OpenDeck app (packaging/opendeck.spec).

It is the same as the `opendeck` console script: `opendeck.gui.launcher:main`.
"""

import sys

from opendeck.gui.launcher import main

if __name__ == "__main__":
    sys.exit(main())
