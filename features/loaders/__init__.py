"""Loaders: each turns one source into `RawTables` for the canonical contracts."""
