"""The CRM's side of the API: the team's opportunities and activities as imported (canonical tables), read
through the CRM selectors — a rep gets the rows they own, as the cockpit shows them."""

from typing import TypeVar

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router
from ninja.pagination import paginate

from pac.web.accounts.abilities import Ability, declares
from pac.web.api.pages import Pages
from pac.web.api.schemas import CALL, READ_ONE, ActivityOut, CrmFilters, Id, OpportunityOut
from pac.web.crm.models import Activity, Opportunity
from pac.web.crm.selectors import crm_rows_visible_to
from pac.web.requests import current_user

router = Router(tags=["crm"])

Row = TypeVar("Row", Opportunity, Activity)


def _filtered(rows: QuerySet[Row], filters: CrmFilters) -> QuerySet[Row]:
    if filters.team is not None:
        rows = rows.filter(team_id=filters.team)
    if filters.owner is not None:
        rows = rows.filter(owner=filters.owner)
    return rows.order_by("id")


@router.get("/opportunities", response={200: list[OpportunityOut], **CALL}, summary="Your teams' opportunities")
@paginate(Pages)
@declares(get=Ability.USE_API)
def opportunities(request: HttpRequest, filters: Query[CrmFilters]) -> QuerySet[Opportunity]:
    return _filtered(crm_rows_visible_to(current_user(request), Opportunity), filters)


@router.get("/opportunities/{opportunity_id}", response={200: OpportunityOut, **READ_ONE}, summary="One opportunity")
@declares(get=Ability.USE_API)
def opportunity(request: HttpRequest, opportunity_id: Id) -> Opportunity:
    return get_object_or_404(crm_rows_visible_to(current_user(request), Opportunity), pk=opportunity_id)


@router.get("/activities", response={200: list[ActivityOut], **CALL}, summary="Your teams' activities")
@paginate(Pages)
@declares(get=Ability.USE_API)
def activities(request: HttpRequest, filters: Query[CrmFilters]) -> QuerySet[Activity]:
    return _filtered(crm_rows_visible_to(current_user(request), Activity), filters)


@router.get("/activities/{activity_id}", response={200: ActivityOut, **READ_ONE}, summary="One activity")
@declares(get=Ability.USE_API)
def activity(request: HttpRequest, activity_id: Id) -> Activity:
    return get_object_or_404(crm_rows_visible_to(current_user(request), Activity), pk=activity_id)
