"""Package data: icons, .desktop entry, style sheets, default endpoints."""
