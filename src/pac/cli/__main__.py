"""``python -m pac.cli``: what ``pac serve`` starts its worker with."""

from pac.cli import app

app()
