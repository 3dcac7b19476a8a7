"""HTTP routes: thin, one module per resource; the work happens in services."""
