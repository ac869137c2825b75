"""What every API resource shares: field specs, body and query parsing, pagination, the
version check, serialising, and the registry the OpenAPI document is built from.

A resource module (each domain's ``api.py``) describes its fields once as a :class:`Resource`
and registers its views with :func:`api_route`. The same field specs type-check request bodies
and query strings here and become the schemas in ``/api/v1/openapi.json``, so the document
cannot drift from what the code accepts. Business validation stays in the domain services.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import wraps
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from flask import current_app, request
from flask_login import current_user
from sqlalchemy import Select, func, select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import NotFound

from ..core.errors import Conflict, NotAllowed, ServiceError, ValidationFailed
from ..core.permissions import ALL_ROLES, get_visible_or_404
from ..core.validation import MAX_ID  # ids past it cannot exist (and would overflow SQLite)
from ..core.validation import text_problem
from ..extensions import db
from . import bp

DEFAULT_PER_PAGE = 50
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INT_RE = re.compile(r"^[0-9]{1,18}$")


# --- errors -----------------------------------------------------------------------------

class BadRequest(ServiceError):
    """Malformed request: not JSON, not an object, a query parameter that is not a number."""

    status = 400
    code = "bad_request"


class RecordNotFound(ServiceError):
    status = 404
    code = "not_found"


# --- field specs ------------------------------------------------------------------------

@dataclass(frozen=True)
class Field:
    """One field of a resource (or one query parameter), in JSON terms.

    ``type`` is integer | number | string | boolean | date | datetime | array. ``writable`` fields
    are accepted in POST and PATCH bodies; ``required`` ones must be there on POST (documented;
    the service gives the message). ``enum`` lists the allowed values (documented and checked for
    query parameters; bodies leave that to the service so the messages match the pages).
    """

    type: str
    description: str = ""
    nullable: bool = False
    enum: Optional[Sequence[Any]] = None
    max_length: Optional[int] = None
    writable: bool = False
    required: bool = False
    minimum: Optional[int] = None
    maximum: Optional[int] = None
    items: Optional[str] = None
    #: accepted in bodies (so also ``writable``) but never in answers: an instruction, not data
    write_only: bool = False
    #: a writable field that only a POST (``on_update=False``) or only a PATCH (``on_create=False``) accepts:
    #: the OpenAPI document lists it only in that body's schema
    on_create: bool = True
    on_update: bool = True
    #: False for a field that only some roles' answers carry (the OpenAPI document does not require it)
    in_every_answer: bool = True

    def schema(self, *, for_write: bool = False) -> dict[str, Any]:
        """This field as a JSON Schema (OpenAPI 3.1) fragment."""
        base: dict[str, Any]
        if self.type == "date":
            base = {"type": "string", "format": "date"}
        elif self.type == "datetime":
            base = {"type": "string", "format": "date-time"}
        elif self.type == "array":
            base = {"type": "array", "items": {"type": self.items or "string"}}
        else:
            base = {"type": self.type}
        if self.type == "integer":
            base["format"] = "int32" if self.maximum is None or self.maximum <= MAX_ID else "int64"
        if self.max_length is not None:
            base["maxLength"] = self.max_length
        if self.type == "string" and self.required and self.enum is None:
            base["minLength"] = 1  # a required text is never empty (blank text is refused too: 422)
        if self.minimum is not None:
            base["minimum"] = self.minimum
        if self.maximum is not None:
            base["maximum"] = self.maximum
        if self.enum is not None:
            base["enum"] = list(self.enum) + ([None] if self.nullable else [])
        if self.nullable:
            base["type"] = [base["type"], "null"]
        if self.description:
            base["description"] = self.description
        if not self.writable and not for_write:
            base["readOnly"] = True
        if self.write_only:
            base["writeOnly"] = True
        return base


def Id(description: str = "", **kw: Any) -> Field:
    return Field("integer", description, minimum=1, maximum=MAX_ID, **kw)


@dataclass
class Resource:
    """A collection under ``/api/v1/<name>``: its fields, filters and the extra answer fields."""

    name: str
    title: str  # singular, capitalised, used for schema names: "Employer"
    label: str  # the users' word, for messages: "employer"
    model: type
    fields: dict[str, Field]
    filters: dict[str, Field] = field(default_factory=dict)
    description: str = ""
    #: the writable fields a POST / a PATCH accepts, where the API names them as a list (otherwise each
    #: field's ``on_create`` / ``on_update``)
    create_fields: Optional[Sequence[str]] = None
    update_fields: Optional[Sequence[str]] = None

    @property
    def writable(self) -> dict[str, Field]:
        return {k: f for k, f in self.fields.items() if f.writable}

    @property
    def creatable(self) -> dict[str, Field]:
        """The fields a POST body may carry (for the OpenAPI document)."""
        if self.create_fields is not None:
            return {k: self.fields[k] for k in self.create_fields}
        return {k: f for k, f in self.writable.items() if f.on_create}

    @property
    def updatable(self) -> dict[str, Field]:
        """The fields a PATCH body may carry besides ``version`` (for the OpenAPI document)."""
        if self.update_fields is not None:
            return {k: self.fields[k] for k in self.update_fields}
        return {k: f for k, f in self.writable.items() if f.on_update}

    @property
    def answered(self) -> dict[str, Field]:
        """The fields an item carries (all but the write-only ones)."""
        return {k: f for k, f in self.fields.items() if not f.write_only}

    def item(self, obj: Any) -> dict[str, Any]:
        return serialize(obj, self.answered)


#: name -> Resource, for the OpenAPI document
RESOURCES: dict[str, Resource] = {}


def resource(res: Resource) -> Resource:
    if res.name in RESOURCES and RESOURCES[res.name] is not res:
        raise ValueError(f"API resource {res.name} registered twice")
    RESOURCES[res.name] = res
    return res


# --- the route registry -----------------------------------------------------------------

@dataclass
class Operation:
    """What the OpenAPI document says about one endpoint (one rule, one method)."""

    endpoint: str
    method: str
    summary: str
    resource: Optional[Resource] = None
    #: list | get | create | update | other
    action: str = "other"
    roles: Sequence[str] = ALL_ROLES
    public: bool = False
    description: str = ""
    #: extra response fields on success (e.g. the generated password of a new user)
    extra_response: dict[str, Field] = field(default_factory=dict)
    #: other status codes this operation can answer with (beyond the usual ones)
    responses: dict[int, str] = field(default_factory=dict)
    #: for action="other": the JSON schema of the answer
    response_schema: Optional[dict[str, Any]] = None
    #: for action="other": (components schema name, JSON schema) of an optional request body
    request_schema: Optional[tuple[str, dict[str, Any]]] = None


#: endpoint -> method -> Operation
OPERATIONS: dict[str, dict[str, Operation]] = {}


def api_route(
    rule: str,
    method: str,
    *,
    summary: str,
    resource: Optional[Resource] = None,
    action: str = "other",
    roles: Sequence[str] = ALL_ROLES,
    public: bool = False,
    description: str = "",
    extra_response: Optional[dict[str, Field]] = None,
    responses: Optional[dict[int, str]] = None,
    response_schema: Optional[dict[str, Any]] = None,
    request_schema: Optional[tuple[str, dict[str, Any]]] = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view on the API blueprint and describe it for the OpenAPI document.

    ``roles`` are checked before the view runs (403 otherwise); ``public`` views need no token.
    The endpoint is the view function's name, so it must be unique across the API.
    """
    unknown = set(roles) - set(ALL_ROLES)
    if unknown:
        raise ValueError(f"unknown roles {unknown}")

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        endpoint = view.__name__

        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not public:
                require_role(*roles)
            return view(*args, **kwargs)

        if public:
            wrapped.is_public = True  # type: ignore[attr-defined]
        wrapped.allowed_roles = tuple(roles)  # type: ignore[attr-defined]
        if endpoint in OPERATIONS and method in OPERATIONS[endpoint]:
            raise ValueError(f"API endpoint {endpoint} {method} registered twice")
        OPERATIONS.setdefault(endpoint, {})[method] = Operation(
            endpoint=f"{bp.name}.{endpoint}", method=method, summary=summary, resource=resource,
            action=action, roles=tuple(roles), public=public, description=description,
            extra_response=dict(extra_response or {}), responses=dict(responses or {}),
            response_schema=response_schema, request_schema=request_schema,
        )
        bp.add_url_rule(rule, endpoint=endpoint, view_func=wrapped, methods=[method])
        return wrapped

    return decorator


def operation_for(endpoint: str, method: str) -> Optional[Operation]:
    name = endpoint.split(".", 1)[1] if endpoint.startswith(bp.name + ".") else endpoint
    return OPERATIONS.get(name, {}).get(method)


def require_role(*roles: str, message: Optional[str] = None) -> None:
    if current_user.role not in roles:
        labels = " or ".join(r.replace("_", " ") + "s" for r in roles) if len(roles) < len(ALL_ROLES) else "users"
        raise NotAllowed(message or f"Only {labels} can do this.")


# --- values -----------------------------------------------------------------------------

def plain(value: Any) -> Any:
    """A value as JSON: dates as YYYY-MM-DD, datetimes ISO 8601 with offset, Decimals as numbers."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    return value


def serialize(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The item for ``obj``: each named attribute, made plain."""
    return {name: plain(getattr(obj, name)) for name in fields}


def parse_date(value: Any) -> date:
    """A strict YYYY-MM-DD date; ValueError otherwise."""
    if not isinstance(value, str) or not DATE_RE.match(value):
        raise ValueError("not YYYY-MM-DD")
    return date.fromisoformat(value)


def parse_int(value: Any, *, minimum: Optional[int] = None, maximum: Optional[int] = None) -> int:
    """A whole number from a query string (digits, optional minus) or JSON; ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError("boolean")
    if isinstance(value, str):
        text = value.strip()
        negative = text.startswith("-")
        if not INT_RE.match(text[1:] if negative else text):
            raise ValueError("not a whole number")
        number = -int(text[1:]) if negative else int(text)
    elif isinstance(value, int):
        number = value
    else:
        raise ValueError("not a whole number")
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ValueError("out of range")
    return number


def _range_text(spec: Field) -> str:
    if spec.minimum is not None and spec.maximum is not None:
        if spec.minimum == 1 and spec.maximum == MAX_ID:
            return "a whole number, 1 or more"
        return f"a whole number from {spec.minimum} to {spec.maximum}"
    if spec.minimum is not None:
        return f"a whole number, {spec.minimum} or more"
    return "a whole number"


def check_value(spec: Field, value: Any) -> tuple[Any, Optional[str]]:
    """Type-check one JSON body value against its spec: (converted value, problem or None)."""
    if value is None:
        return None, (None if spec.nullable else "Must not be null")
    t = spec.type
    if t == "integer":
        lo = spec.minimum if spec.minimum is not None else -MAX_ID - 1
        hi = spec.maximum if spec.maximum is not None else MAX_ID
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            return value, f"Must be {_range_text(Field('integer', minimum=lo, maximum=hi))}"
        return value, None
    if t == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return value, "Must be a number"
        return value, None
    if t == "boolean":
        return (value, None) if isinstance(value, bool) else (value, "Must be true or false")
    if t in ("string", "date", "datetime"):
        if not isinstance(value, str):
            return value, "Must be text" if t == "string" else "Must be a date as YYYY-MM-DD"
        problem = text_problem(value)
        if problem:
            return value, problem
        if t == "date":
            try:
                return parse_date(value), None
            except ValueError:
                return value, "Must be a real date as YYYY-MM-DD"
        if t == "datetime":
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                return value, "Must be a date and time in ISO 8601 with an offset"
            if parsed.tzinfo is None:
                return value, "Must be a date and time in ISO 8601 with an offset"
            return parsed, None
        return value, None
    if t == "array":
        if not isinstance(value, list):
            return value, "Must be a list"
        problem = text_problem(value, multiline=False)
        if problem:
            return value, problem
        return value, None
    raise AssertionError(f"unknown field type {t}")


# --- request bodies ---------------------------------------------------------------------

def json_object() -> dict[str, Any]:
    """The request body as a JSON object, or 400 with a clear message."""
    if not request.is_json:
        raise BadRequest("Send a JSON object with the header Content-Type: application/json.")
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise BadRequest("The request body is empty: send a JSON object.")

    def no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not valid JSON")

    try:
        body = json.loads(raw, parse_constant=no_constants)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise BadRequest(f"The request body is not valid JSON: {exc}"[:300]) from None
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object, like {\"name\": \"...\"}.")
    if any(text_problem(key, multiline=False) for key in body):
        raise BadRequest("A field name in the body holds a control character or a broken one: "
                         "send the API's field names as they are written.")
    return body


def parse_body(res: Resource, *, allowed: Optional[Iterable[str]] = None, path_id: Optional[int] = None,
               versioned: bool = False) -> tuple[dict[str, Any], Optional[int]]:
    """Check a POST or PATCH body: (fields with their values, version or None).

    Unknown or read-only fields and wrong JSON types answer 422 listing every problem. A PATCH
    (``versioned``) must carry the ``version`` it read; ``id`` is allowed only if it is the
    record's own id, so a client can send back what it read.
    """
    body = json_object()
    writable = res.writable if allowed is None else {k: res.fields[k] for k in allowed}
    errors: dict[str, list[str]] = {}
    version: Optional[int] = None
    if versioned:
        raw_version = body.pop("version", None)
        if raw_version is None:
            errors["version"] = ["version is required: send the version you read, to protect others' changes"]
        elif isinstance(raw_version, bool) or not isinstance(raw_version, int) or not 1 <= raw_version <= MAX_ID:
            errors["version"] = ["version must be the whole number you read"]
        else:
            version = raw_version
    if "id" in body and path_id is not None and body["id"] == path_id and not isinstance(body["id"], bool):
        body.pop("id")
    data: dict[str, Any] = {}
    for name, value in body.items():
        spec = writable.get(name)
        if spec is None:
            if name in res.fields:
                errors[name] = ["This field is read-only" if not res.fields[name].writable
                                else "You cannot change this field"]
            else:
                errors[name] = ["Unknown field"]
            continue
        converted, problem = check_value(spec, value)
        if problem:
            errors[name] = [problem]
        else:
            data[name] = converted
    if errors:
        unknown = sorted(k for k, v in errors.items() if v == ["Unknown field"])
        message = f"Unknown fields: {', '.join(unknown)}" if unknown else "Check the fields you sent"
        raise ValidationFailed(message, errors)
    return data, version


# --- loading and versions ---------------------------------------------------------------

def get_or_404(res: Resource, ident: Any) -> Any:
    """The record the current user may see, or 404 (missing and out of scope look the same)."""
    message = f"There is no {res.label} with id {ident} that you can see."
    if not isinstance(ident, int) or not 1 <= ident <= MAX_ID:
        raise RecordNotFound(message[:200])
    try:
        return get_visible_or_404(db.session, res.model, ident, current_user)
    except NotFound:
        raise RecordNotFound(message) from None


def change(update: Callable[..., Any], obj: Any, data: Mapping[str, Any], version: Optional[int], **kw: Any) -> Any:
    """Call a service's update with the version the client read; a stale one answers 409.

    The services compare the version before changing anything; the mapper's version counter
    also catches a concurrent writer at flush time, which answers 409 the same way.
    """
    if version is None:  # parse_body(versioned=True) already refused this; never update blind
        raise ValidationFailed("version is required", {"version": ["version is required"]})
    try:
        return update(obj, data, version=version, **kw)
    except StaleDataError:
        db.session.rollback()
        raise Conflict(f"This {getattr(obj, '__label__', 'record')} was changed by someone else. "
                       "Reload it and try again.") from None


# --- lists ------------------------------------------------------------------------------

PAGE_PARAMS = {
    "page": Field("integer", "Page number, from 1.", minimum=1, maximum=None),
    "per_page": Field("integer", "Items per page (default 50, at most 500).", minimum=1, maximum=500),
}


def max_per_page() -> int:
    return int(current_app.config.get("API_MAX_PER_PAGE") or 500)


def pagination() -> tuple[int, int]:
    """``page`` and ``per_page`` from the query string; 400 for anything that is not sensible."""
    errors: dict[str, list[str]] = {}
    page, per_page = 1, DEFAULT_PER_PAGE
    limit = max_per_page()
    raw_page = request.args.get("page")
    if raw_page is not None:
        try:
            page = parse_int(raw_page, minimum=1)
        except ValueError:
            errors["page"] = ["page must be a whole number, 1 or more"]
    raw_per_page = request.args.get("per_page")
    if raw_per_page is not None:
        try:
            per_page = parse_int(raw_per_page, minimum=1, maximum=limit)
        except ValueError:
            errors["per_page"] = [f"per_page must be a whole number from 1 to {limit}"]
    if errors:
        raise BadRequest(" ".join(m for ms in errors.values() for m in ms), errors)
    return page, per_page


def query_filters(filters: Mapping[str, Field]) -> dict[str, Any]:
    """Parse the filters a list accepts; unknown or repeated parameters and bad values answer 400."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name in request.args:
        if name not in filters and name not in PAGE_PARAMS:
            known = ", ".join(sorted(set(filters) | set(PAGE_PARAMS)))
            errors[name] = [f"Unknown query parameter; this list accepts {known}"]
        elif len(request.args.getlist(name)) > 1:
            errors[name] = ["Give this parameter once"]
    for name, spec in filters.items():
        raw = request.args.get(name)
        if raw is None or raw == "" or name in errors:
            continue
        problem = text_problem(raw, multiline=False)
        if problem:
            errors[name] = [problem]
            continue
        if spec.type == "integer":
            try:
                values[name] = parse_int(raw, minimum=spec.minimum, maximum=spec.maximum if spec.maximum is not None else MAX_ID)
            except ValueError:
                errors[name] = [f"{name} must be {_range_text(spec)}"]
        elif spec.type == "date":
            try:
                values[name] = parse_date(raw)
            except ValueError:
                errors[name] = [f"{name} must be a real date as YYYY-MM-DD"]
        elif spec.type == "boolean":
            if raw.lower() not in ("true", "false"):
                errors[name] = [f"{name} must be true or false"]
            else:
                values[name] = raw.lower() == "true"
        else:
            if spec.enum is not None and raw not in spec.enum:
                errors[name] = [f"{name} must be one of: {', '.join(map(str, spec.enum))}"]
            elif spec.max_length is not None and len(raw) > spec.max_length:
                errors[name] = [f"{name} must be {spec.max_length} characters or fewer"]
            else:
                values[name] = raw
    if errors:
        raise BadRequest("Check the query parameters: " + ", ".join(sorted(errors)), errors)
    return values


def envelope(stmt: Select, to_item: Callable[[Any], dict[str, Any]], page: int, per_page: int, *,
             prefetch: Optional[Callable[[list[Any]], None]] = None) -> dict[str, Any]:
    """``{"items", "page", "per_page", "total"}`` for a SELECT of one entity (already scoped).

    ``prefetch`` is given the page's objects before ``to_item`` maps them, so that what an item
    computes from other rows is loaded once per page, not once per item."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    offset = (page - 1) * per_page
    items: list[Any] = []
    if offset < total:
        entity = stmt.column_descriptions[0]["entity"]
        ordered = stmt.order_by(entity.id) if hasattr(entity, "id") else stmt  # a stable order across pages
        items = list(db.session.scalars(ordered.limit(per_page).offset(offset)))
    if prefetch is not None:
        prefetch(items)
    return {"items": [to_item(obj) for obj in items], "page": page, "per_page": per_page, "total": total}


def list_response(res: Resource, stmt_for: Callable[[dict[str, Any]], Select]) -> dict[str, Any]:
    """Parse pagination and ``res``'s filters, build the statement, answer the envelope."""
    filters = query_filters(res.filters)
    page, per_page = pagination()
    return envelope(stmt_for(filters), res.item, page, per_page)
