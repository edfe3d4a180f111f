"""The REST API ``/api/v1`` (django-ninja) and the personal tokens it is called with (docs/api.md)."""
