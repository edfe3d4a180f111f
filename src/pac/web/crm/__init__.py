"""CRM data in: the canonical tables a team's CRM exports are imported into, for the KPIs."""
