"""Drift, live accuracy, alerts and the retrain / rollback decision (issue 7)."""
