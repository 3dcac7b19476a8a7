"""restock: turns sales history into purchase orders a human trusts.

The `restock` package holds what every other package shares: the one `Settings` object, the
layout of a restock home folder, and the command line. Nothing here runs on import.
"""

__version__ = "0.1.0"
