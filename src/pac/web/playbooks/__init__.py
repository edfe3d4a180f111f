"""Playbooks in the web app (issue 13): a new plan started from a playbook (built-in or the team's own), its
parameters filled in a form, optionally with the funnel rates learnt from the team's CRM history, previewed
with its diagnostics and created in one transaction; a plan saved as a team playbook; a playbook file
imported after it is checked. Above ``plans`` and ``crm`` (it reads both), below the sequences."""
