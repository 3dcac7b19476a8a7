"""Pure inventory-policy maths with no I/O (issue 4).

Modules, one concept each: `service_targets` (targets per ABC-XYZ segment and customer tier),
`lead_time_demand` (Monte Carlo demand over lead time + review, normal approximation),
`service_level` (CSL / fill rate -> z, normal loss, sample-based order-up-to), `policy`
((R, s, S) levels, order decision, stockout risk), `ordering` (EOQ, pack / MOQ rounding, budget
cap), `allocation` (scarce DC stock by tier and fair share), `kpis` (turns, weeks of supply,
fill rate, GMROI, carrying cost), `simulation` and `classic_policies` (policy backtests).
"""
