"""The demo OpenD gateway."""
