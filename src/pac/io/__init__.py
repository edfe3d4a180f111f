"""Framework-free input and output: exports of the plan (iCalendar, Excel) and, later, the CRM import.

Nothing here imports Django: the web app, the CLI and tasks call these functions with engine objects.
"""
