"""Prefect flows: each task wraps a function from the domain packages; no business logic here."""
