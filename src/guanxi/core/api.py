"""What every API router shares: authentication, keyset pagination, one error shape, API tokens.

Authentication: an `Authorization: Bearer gx_…` token (integrators, scripts) or the browser's
Django session (the web UI's own htmx calls, the /api/docs page). The token is tried first so
that a script which also carries a stale session cookie acts as the token's user.

Errors: every refusal of input is HTTP 422 with `{"detail": [{"field": …, "msg": …}]}`, whether
Ninja's schema validation refused it or a domain service raised Django's ValidationError, so a
client parses one shape. PermissionDenied is 403, Http404 404, no credentials 401.
"""

from decimal import Decimal
from typing import Literal

import django_filters
from axes.exceptions import AxesBackendPermissionDenied
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, ModelSchema, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import CursorPagination
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer, SessionAuth
from pydantic import create_model

from guanxi.core.audit import Channel, set_request_actor
from guanxi.core.limits import RateLimited
from guanxi.core.models import ApiToken, TokenScope
from guanxi.core.signin import policy_for

# --- authentication ---------------------------------------------------------------------------


class TokenUserAuth(HttpBearer):
    """A per-user token (ApiToken.objects.authenticate: the hash, expiry, inactive users). Its user
    becomes request.user; no audit actor is named, which is right only for reads: the lean path
    (core.lean_api) serves GET requests alone and uses this, every other request ApiTokenAuth."""

    def authenticate(self, request, token):
        found = ApiToken.objects.authenticate(token)
        if found is None:
            return None
        request.user = found.user
        return found.user


class ApiTokenAuth(TokenUserAuth):
    """A per-user token. Its user becomes request.user and the audit actor, channel "api"; a
    read-only token is refused (403) anything but reading."""

    def authenticate(self, request, token):
        found = ApiToken.objects.authenticate(token)
        if found is None:
            return None
        if found.scope != TokenScope.WRITE and request.method not in SAFE_METHODS:
            raise PermissionDenied("This token may only read: issue one with the write scope to change data.")
        request.user = found.user
        set_request_actor(found.user, Channel.API)
        return found.user


class SessionCookieAuth(SessionAuth):
    """Ninja's django_auth (CSRF checked as Ninja does), consulted only when a session cookie is sent.

    Without this guard a request with a wrong or revoked token and no cookie would fall through to
    the CSRF check and get "403 CSRF check Failed" instead of the 401 it deserves.
    """

    def _get_key(self, request):
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
AUTH = [ApiTokenAuth(), SessionCookieAuth()]


class ReadableJSONRenderer(JSONRenderer):
    """JSON with Chinese as Chinese ("张伟", not "\\u5f20\\u4f1f"): UTF-8 is the answer's charset."""

    json_dumps_params = {"ensure_ascii": False}


# --- pagination -------------------------------------------------------------------------------


class KeysetPagination(CursorPagination):
    """Ninja's cursor pagination: `?cursor=…&page_size=…`, answer `{next, previous, results}`.

    Chosen over limit/offset because a list of 3 million customers must never be counted (no
    COUNT query at all) and page 10,000 must cost what page 1 costs: the cursor holds the last
    position (the id, or the ordering key) and the next page is an indexed `WHERE key <= position`.
    A cursor that was tampered with is bad input like any other: 422 naming `cursor`.
    """

    def __init__(self, *, ordering=("-id",), page_size=50, max_page_size=200, **kwargs):
        super().__init__(ordering=ordering, page_size=page_size, max_page_size=max_page_size, **kwargs)

    def paginate_queryset(self, queryset, pagination, request, **params):
        try:
            return super().paginate_queryset(queryset, pagination, request, **params)
        except (ValueError, DjangoValidationError, NinjaValidationError) as exc:
            raise NinjaValidationError([{"loc": ("query", "cursor"), "msg": "invalid cursor"}]) from exc


# --- filters ----------------------------------------------------------------------------------


def filter_params(filterset_class) -> type[Schema]:
    """The query parameters of a django-filter FilterSet as a schema.

    The list pages and the API share one filter definition (customers/filtersets.py); this only
    declares its fields to Ninja, so they are type-checked (an unknown tier is a 422 naming
    `tier`) and listed on the OpenAPI page.
    """
    fields = {}
    for name, definition in filterset_class.base_filters.items():
        if isinstance(definition, django_filters.ModelChoiceFilter):
            kind = int
        elif isinstance(definition, django_filters.NumberFilter):
            kind = Decimal
        elif isinstance(definition, django_filters.ChoiceFilter):
            kind = Literal[tuple(value for value, _label in definition.extra["choices"])]
        else:
            kind = str
        fields[name] = (kind | None, None)
    return create_model(f"{filterset_class.__name__}Params", __base__=Schema, **fields)


def filtered(filterset_class, queryset, request, params: Schema):
    """`queryset` narrowed by the FilterSet; what the FilterSet refuses is a 422 naming the field."""
    return valid_filterset(filterset_class, queryset, request, params).qs


def valid_filterset(filterset_class, queryset, request, params: Schema):
    """The FilterSet of the request's parameters over `queryset`; what it refuses is a 422 naming
    the field."""
    filterset = filterset_class(params.model_dump(exclude_none=True), queryset=queryset, request=request)
    if not filterset.is_valid():
        raise DjangoValidationError({field: " ".join(messages) for field, messages in filterset.errors.items()})
    return filterset


# --- errors -----------------------------------------------------------------------------------

# Where Ninja says an input came from; the field name is what follows (and, for a body, the name
# of the view's payload argument, which the client never sees).
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def _field_name(loc) -> str:
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        if source == "body" and len(parts) > 1:
            parts.pop(0)
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def _schema_errors(errors) -> list[dict]:
    """Ninja/pydantic errors ({"loc": [...], "msg": ...}) in the shape of the service errors."""
    return [{"field": _field_name(error.get("loc", ())), "msg": error.get("msg", "invalid")} for error in errors]


def _service_errors(exc: DjangoValidationError) -> list[dict]:
    if hasattr(exc, "error_dict"):
        return [{"field": field, "msg": " ".join(messages)} for field, messages in exc.message_dict.items()]
    return [{"field": "__all__", "msg": " ".join(exc.messages)}]


def install_error_handlers(api) -> None:
    """One error shape for the whole API (see the module docstring)."""

    @api.exception_handler(NinjaValidationError)
    def schema_invalid(request, exc):
        return api.create_response(request, {"detail": _schema_errors(exc.errors)}, status=422)

    @api.exception_handler(DjangoValidationError)
    def service_invalid(request, exc):
        return api.create_response(request, {"detail": _service_errors(exc)}, status=422)

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return api.create_response(request, {"detail": str(exc) or "Forbidden"}, status=403)

    @api.exception_handler(RateLimited)
    def too_many(request, exc):
        return api.create_response(request, {"detail": str(exc)}, status=RateLimited.status_code)


# --- API tokens -------------------------------------------------------------------------------

router = Router(tags=["tokens"])


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    valid_days: int = Field(365, ge=1, le=730, description="The token stops working after this many days.")
    scope: TokenScope = Field(TokenScope.READ, description="read: GET only; write: may also change data.")


class TokenOut(ModelSchema):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "scope", "created_at", "expires_at"]


class IssuedTokenOut(TokenOut):
    token: str = Field(description="The clear token. Shown this once: only its hash is stored.")


@router.post("/tokens", response={201: IssuedTokenOut}, auth=SessionCookieAuth())
def create_token(request, payload: TokenIn):
    """Issue a token for the signed-in user; the answer is the only time the clear token is seen.

    Only a person signed in with a password issues tokens: a leaked token cannot mint others that
    would outlive its revocation. Every token expires (one year unless asked otherwise) and reads
    only unless asked for the write scope; changing the password stops every token of the user.
    """
    token, raw = ApiToken.issue(request.user, payload.name, valid_days=payload.valid_days, scope=payload.scope)
    token.token = raw
    return Status(201, token)


class PasswordTokenIn(TokenIn):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=4096)


@router.post("/tokens/with-password", response={201: IssuedTokenOut}, auth=None)
def create_token_with_password(request, payload: PasswordTokenIn):
    """Issue a token for a user name and password, for scripts that have no browser session (no
    CSRF token needed). The same sign-in pause as the login page applies (429 after repeated
    failures); a wrong user name or password is 401. Refused (403) for a user whose role asks for a
    second factor: they issue tokens on the API tokens page after signing in with their code."""
    try:
        user = authenticate(request, username=payload.username, password=payload.password)
    except AxesBackendPermissionDenied as paused:
        raise RateLimited(_("Too many failed sign-ins: try again later.")) from paused
    if getattr(request, "axes_locked_out", False):
        raise RateLimited(_("Too many failed sign-ins: try again later."))
    if user is None:
        raise AuthenticationError(401, _("Wrong user name or password."))
    if policy_for(user)[1]:
        raise PermissionDenied(_("Your role asks for a second factor: issue tokens on the API tokens page."))
    token, raw = ApiToken.issue(user, payload.name, valid_days=payload.valid_days, scope=payload.scope)
    token.token = raw
    return Status(201, token)


@router.get("/tokens", response=list[TokenOut])
def list_tokens(request):
    """The caller's own tokens (name and prefix only: nobody can read a token back)."""
    return ApiToken.objects.filter(user=request.user).order_by("-id")


@router.delete("/tokens/{token_id}", response={204: None})
def revoke_token(request, token_id: int):
    """Revoke one of the caller's tokens; another user's token id is a 404, as if it did not exist."""
    deleted, _ = ApiToken.objects.filter(user=request.user, pk=token_id).delete()
    if not deleted:
        raise Http404("No such token")
    return Status(204, None)
