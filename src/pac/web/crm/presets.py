"""A team's named presets: the column and value mappings of its own CRM's export, saved once (from the
import page or ``pac import --save-preset``) and picked again next week like a built-in one.

Each team has its own file in the data folder, so a name saved by one team never changes another's
imports; a saved preset cannot take a built-in one's name."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from pac.io.crm import BUILTIN_PRESETS, KINDS, Preset, customise, get_preset, load_presets, save_presets
from pac.web.accounts.models import Team

_NAME = re.compile(r"[\w][\w .-]{0,59}")


def presets_file(team: Team) -> Path:
    return Path(settings.DATA_DIR) / "presets" / f"team-{team.pk}.yaml"


def saved_presets(team: Team) -> dict[str, Preset]:
    path = presets_file(team)
    return load_presets(path) if path.exists() else {}


def preset_save(
    *,
    team: Team,
    name: str,
    kind: str,
    base: str | None,
    mapping: Mapping[str, str],
    values: Mapping[str, Mapping[str, str]],
) -> Preset:
    """Keep ``base`` with ``mapping`` and ``values`` on top under ``name`` for the team (replacing a
    preset of that name). ``ValueError`` for a name that is not allowed, ``KeyError`` for an unknown base."""
    if kind not in KINDS:  # a plan's target accounts are read like CRM data but have no CRM presets
        raise ValueError(f"unknown kind {kind!r}; expected one of: {', '.join(KINDS)}")
    name = name.strip()
    if not _NAME.fullmatch(name):
        raise ValueError(_("A preset name has 1 to 60 letters, digits, spaces, dots, dashes or underscores."))
    if name in BUILTIN_PRESETS:
        raise ValueError(_("%(name)s is a built-in preset: choose another name.") % {"name": name})
    known = saved_presets(team)
    preset = customise(get_preset(base, known) if base else None, kind, mapping=mapping, values=values, name=name)
    known[name] = preset
    path = presets_file(team)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_presets(path, known.values())
    return preset
