"""OpenDeck window (PySide6 on a qasync loop). Observes opendeck.core."""
