"""Users, their role and their team(s): what decides who sees which plan."""
