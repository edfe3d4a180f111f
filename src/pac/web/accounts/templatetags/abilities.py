"""``{% if user|may:"manage_users" %}``: a template asks the abilities table, not a role's name."""

from __future__ import annotations

from typing import Any

from django import template

from pac.web.accounts.abilities import Ability, abilities_of

register = template.Library()


@register.filter
def may(user: Any, ability: str) -> bool:
    """Whether the user's role has ``ability`` (its code, as in docs/roles.md)."""
    return Ability(ability) in abilities_of(user)
