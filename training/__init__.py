"""Demand and lead-time models, baselines, backtests, MLflow tracking and the registry lifecycle
(issue 3).
"""
