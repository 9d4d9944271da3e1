"""``python -m opendeck.core.gateway [options]``: the demo gateway without the main CLI."""

import sys

from .cli import main

sys.exit(main())
