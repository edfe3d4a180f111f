"""The team's data stamp: a token that changes with every write of the team's CRM data, in the writing
transaction (a rolled-back import leaves it as it was). Figures computed from the data are cached under it:
reading one short row tells whether they still hold, where comparing the data itself would read it all."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import Signal

from pac.web.accounts.models import Team, new_data_stamp
from pac.web.crm.models import KINDS, RECORDED

#: Sent when an import job has written a team's data (``team_id``, ``language``: the uploader's), once the
#: job is done: the apps that cache figures computed from it may compute them again before anyone asks.
data_imported = Signal()


def data_changed(team_id: int) -> None:
    """The team's CRM data has changed (an import merged, a record saved): a new stamp."""
    Team.objects.filter(pk=team_id).update(data_stamp=new_data_stamp())


def data_stamp(team_id: int) -> str:
    """The stamp of the team's CRM data as it stands now."""
    return Team.objects.filter(pk=team_id).values_list("data_stamp", flat=True).get()


def _saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    data_changed(instance.team_id)


def watch_saves() -> None:
    """A canonical row saved one by one through the ORM (an admin edit, a test's fixture) changes the stamp
    too; imports merge in set-based SQL and call ``data_changed`` themselves."""
    for model in (*KINDS.values(), *RECORDED.values()):
        post_save.connect(_saved, sender=model, dispatch_uid=f"pac-data-stamp-{model._meta.label}")
