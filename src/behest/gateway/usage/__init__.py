"""Usage and cost: one record per request, a batched sink, reports from daily aggregates.

Modules: ``record`` (UsageRecord, TokenCounts), ``meter`` (tokens and cost of a call),
``sink`` (batched writer), ``report`` (grouping, CSV/JSON), ``service`` (the facade the
gateway wires). Nothing is re-exported here: the store imports ``record``.
"""
