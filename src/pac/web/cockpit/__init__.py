"""The cockpit: the pages that read the team's CRM data against its plans — KPIs, plan versus actual,
their charts. It depends on ``plans`` and ``crm``; neither depends on it."""
