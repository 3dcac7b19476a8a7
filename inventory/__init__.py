"""Pure inventory-policy maths with no I/O (issue 4)."""
