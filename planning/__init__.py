"""Replenishment planning: forecasts, lead times and stock in, suggested purchase orders out.

The impure side of issue 4: it loads data and champion models, calls the pure maths in
`inventory/`, and writes the plan to the PO queue (`orders/`).
"""
