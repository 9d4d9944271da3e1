"""OpenDeck core: everything that is not a screen. Never imports Qt."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("opendeck")
except _metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
