"""Plan files shared by the test modules."""

from __future__ import annotations

import datetime as dt

#: The v1 part of the plan file example of DESIGN.md (12/20/67/134/335/1 340, 59 days).
DESIGN_PLAN = """\
plan: {name: "PAC T1 2027", start: 2027-01-01, end: 2027-03-31, currency: EUR, country: FR}
objectives:            # SMART: metric + target + deadline (+ scope)
  - {id: nb, metric: revenue, target: 1000000, deadline: 2027-03-31, segment: saas-midmarket}
  - {id: demos, metric: demos, target: 30, per: week}          # an activity objective
funnel:
  average_deal: 83334
  stages:              # top → bottom; rate = conversion to the next stage; days = median days to it
    - {stage: lead, rate: 0.25, days: 7}
    - {stage: mql, rate: 0.4, days: 7}
    - {stage: sql, rate: 0.5, days: 10}
    - {stage: demo, rate: 0.3, days: 14}
    - {stage: proposal, rate: 0.6, days: 21}
    - {stage: won}
team:   [{role: SDR, headcount: 3, hours_per_week: 35}, {role: AE, headcount: 4, hours_per_week: 35}]
effort: [{stage: lead, role: SDR, hours: 0.25}, {stage: demo, role: AE, hours: 1.5},
         {stage: proposal, role: AE, hours: 4}]
"""


def plan_under_way(start: dt.date, end: dt.date) -> str:
    """A plan from ``start`` to ``end``: 100 000 € of revenue, SQL → won at 50 % in 30 days, two AEs."""
    return f"""version: 1
plan: {{name: "Trimestre", start: {start}, end: {end}, currency: EUR, country: FR}}
objectives:
  - {{id: ca, metric: revenue, target: 100000, deadline: {end}}}
funnel:
  average_deal: 10000
  stages:
    - {{stage: sql, rate: 0.5, days: 30}}
    - {{stage: won}}
team:
  - {{role: AE, headcount: 2, hours_per_week: 35}}
effort:
  - {{stage: sql, role: AE, hours: 2}}
"""
