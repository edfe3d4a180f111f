"""The Django web app: thin views over services (writes) and selectors (scoped reads)."""
