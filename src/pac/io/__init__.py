"""Framework-free input and output: exports of the plan (iCalendar, Excel), the CRM import and the accounts import.

Nothing here imports Django: the web app, the CLI and tasks call these functions with engine objects.
"""
