"""The REST API ``/api/v1``: its routers, its token authentication and rate limit, and its errors — every
one a JSON ``{"detail": …}`` in the caller's language, with a status a client can act on (docs/api.md)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from pac.web.api import crm, figures, plans, scenarios, versions
from pac.web.api.auth import TokenAuth, TooManyCalls
from pac.web.plans.versioning import PlanConflict

DESCRIPTION = """PAC's REST API: plans, objectives, actions, accounts, contacts, opportunities, activities, KPIs,
forecast and alerts of your teams. Call it with `Authorization: Bearer TOKEN` (a personal token, read or read
and write, made on the « API tokens » page or with `pac token create`). Lists take `limit` (at most 500) and
`offset`. Errors are JSON: `{"detail": "…"}`. See docs/api.md."""

api = NinjaAPI(
    title="PAC API",
    version="1",
    description=DESCRIPTION,
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
)
api.add_router("", plans.router)
api.add_router("", crm.router)
api.add_router("", figures.router)
api.add_router("", versions.router)
api.add_router("", scenarios.router)


def _problem(
    request: HttpRequest, status: int, detail: str, errors: list[dict[str, Any]] | None = None
) -> HttpResponse:
    body: dict[str, Any] = {"detail": detail}
    if errors is not None:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _problem(request, 404, _("Not found, or not yours to see."))


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _problem(request, 403, str(exc) or _("You may not do this."))


@api.exception_handler(PlanConflict)
def _conflict(request: HttpRequest, exc: PlanConflict) -> HttpResponse:
    return _problem(request, 409, str(exc))


@api.exception_handler(DjangoValidationError)
def _refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    """A service's refusal, located by field when it says which."""
    if hasattr(exc, "error_dict"):
        errors = [
            {"loc": ["body", "payload", field], "msg": msg} for field, msgs in exc.message_dict.items() for msg in msgs
        ]
    else:
        errors = [{"loc": ["body", "payload"], "msg": msg} for msg in exc.messages]
    return _problem(request, 422, " ".join(e["msg"] for e in errors), errors)


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    """What pydantic found wrong, each problem with its place (``["query", "limit"]``)."""
    errors = [
        {"loc": [str(part) for part in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in exc.errors
    ]
    places = ", ".join(".".join(e["loc"][1:] or e["loc"]) for e in errors[:10])
    return _problem(request, 422, _("Invalid request: check %(places)s.") % {"places": places or _("the body")}, errors)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _problem(request, 413, _("The request body is too large."))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:  # ninja's « Cannot parse request body »
        return _problem(request, 400, _("The request body is not a JSON document."))
    response = _problem(request, exc.status_code, str(exc))
    if isinstance(exc, TooManyCalls):
        response["Retry-After"] = str(exc.wait)
    return response
