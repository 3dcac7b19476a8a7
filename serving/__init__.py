"""FastAPI app: forecasts with explanations, the PO approval queue, roles and audit (issue 5)."""
