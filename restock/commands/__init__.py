"""The `restock` command implementations, one module per concern; `restock.cli` mounts them.

Nothing here registers itself on import: `restock.cli` adds the top-level commands to its app
in one place, so their order in `restock --help` is decided there.
"""
