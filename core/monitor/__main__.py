"""``python -m opendeck.core.monitor``: the same as ``opendeck monitor``."""

import sys

from .cli import main

sys.exit(main())
