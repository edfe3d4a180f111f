"""PAC — plan d'action commercial."""

__version__ = "0.1.0"
