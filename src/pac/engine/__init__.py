"""The framework-free planning engine.

Nothing here imports Django or reads the clock: callers pass `today` and plain objects, so the
same code serves the CLI (no database), the web app and the tests.
"""
