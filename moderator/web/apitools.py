"""A small registry that validates JSON bodies with pydantic and builds the OpenAPI 3 document from the same
models, so the schema clients read is the schema the server enforces."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Callable
from urllib.parse import unquote_to_bytes

from flask import Blueprint, jsonify, request
from flask.json.provider import DefaultJSONProvider
from pydantic import BaseModel, ValidationError
from werkzeug.routing import IntegerConverter

from ..domain.errors import DomainError
from ..domain.labels import N_

api = Blueprint("api", __name__, url_prefix="/api/v1")


@dataclass
class Operation:
    path: str
    method: str
    endpoint: str
    summary: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    tags: list[str]
    roles: str
    responses: dict = field(default_factory=dict)
    binary: str | None = None


OPERATIONS: list[Operation] = []


class BadJSON(DomainError):
    status = 400


class BadEncoding(DomainError):
    status = 400


# Row ids are 32-bit integers on PostgreSQL (which raises beyond them) and SQLite's driver overflows past 64 bits:
# a larger id in a path cannot name a row, so it does not match the route (a 404) and never reaches the database.
MAX_ROW_ID = 2**31 - 1


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every route: a non-negative integer no larger than a row id can be."""

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ROW_ID,
                 signed: bool = False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class BoundedJSONProvider(DefaultJSONProvider):
    """Python's json recurses once per nesting level: 20,000 `[` raise RecursionError, which is not the
    ValueError Flask turns into "not JSON". Make it one, so a deeply nested body is a 400 like any bad JSON."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError as e:
            raise ValueError("JSON nested too deeply") from e


class UTF8Guard:
    """WSGI middleware: a path or query string whose bytes are not UTF-8 would make werkzeug raise while it
    decodes the query (a 500, even while the error page picks its language). Mark the request, keep a readable
    copy (invalid bytes as U+FFFD) so routing and the language still work; `refuse_bad_encoding` answers 400."""

    MARK = "moderator.bad_encoding"

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        for key in ("PATH_INFO", "QUERY_STRING"):
            value = environ.get(key) or ""
            if value.isascii() and (key == "PATH_INFO" or "%" not in value):
                continue
            try:
                raw = value.encode("latin-1")    # WSGI strings carry the request's bytes as latin-1
            except UnicodeEncodeError:
                continue
            try:
                (unquote_to_bytes(raw) if key == "QUERY_STRING" else raw).decode("utf-8")
            except UnicodeDecodeError:
                environ[self.MARK] = key
                environ[key] = raw.decode("utf-8", "replace").encode("utf-8").decode("latin-1")
        return self.wsgi_app(environ, start_response)


def refuse_bad_encoding() -> None:
    """Before every request: bytes that are not UTF-8 in the path, the query string or a form body are a 400."""
    bad = request.environ.get(UTF8Guard.MARK)
    if bad is None and request.mimetype == "application/x-www-form-urlencoded":
        try:
            unquote_to_bytes(request.get_data(cache=True).replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            bad = "form"
    if bad is not None:
        raise BadEncoding("bad_encoding", N_("Dữ liệu gửi lên không phải văn bản UTF-8 hợp lệ."))


def _parse(model: type[BaseModel] | None, source: str):
    if model is None:
        return None
    if source == "query":
        return model.model_validate({k: v for k, v in request.args.items()})
    if not request.data and not request.is_json:
        raw: Any = {}
    else:
        raw = request.get_json(silent=True)
        if raw is None:
            raise BadJSON("bad_json", "Dữ liệu gửi lên không phải JSON hợp lệ.")
    if not isinstance(raw, dict):
        raise BadJSON("bad_json", "Dữ liệu gửi lên phải là một đối tượng JSON.")
    return model.model_validate(raw)


def operation(rule: str, method: str, *, summary: str, roles: str, body: type[BaseModel] | None = None,
              query: type[BaseModel] | None = None, tags: list[str] | None = None, binary: str | None = None,
              status: int = 200, blueprint: Blueprint | None = None):
    """Register an API operation. The view receives `body=` / `query=` (validated models) if declared.

    Feature modules imported after the core `api` blueprint is registered pass their own `blueprint`
    (with url_prefix="/api/v1"); the operation is still listed in the OpenAPI document."""

    def deco(fn: Callable):
        @wraps(fn)
        def view(**kwargs):
            if body is not None:
                kwargs["body"] = _parse(body, "body")
            if query is not None:
                kwargs["query"] = _parse(query, "query")
            result = fn(**kwargs)
            if isinstance(result, (dict, list)):
                resp = jsonify(result)
                resp.status_code = status
                return resp
            return result

        (blueprint or api).add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=[method])
        OPERATIONS.append(Operation(rule, method, fn.__name__, summary, body, query, tags or [], roles,
                                    binary=binary))
        return view

    return deco


_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _openapi_path(rule: str) -> tuple[str, list[dict]]:
    params = []

    def sub(m):
        conv, name = m.group(1), m.group(2)
        schema = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1} if conv == "int" else \
            {"type": "string", "minLength": 1, "maxLength": 40}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"

    return "/api/v1" + _PARAM.sub(sub, rule), params


ERROR_SCHEMA = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                   "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}}}


def openapi_document() -> dict:
    paths: dict[str, dict] = {}
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for op in OPERATIONS:
        path, params = _openapi_path(op.path)
        entry: dict[str, Any] = {"operationId": op.endpoint, "summary": op.summary, "tags": op.tags,
                                 "description": f"Roles: {op.roles}", "parameters": list(params)}
        if op.query is not None:
            schema = op.query.model_json_schema()
            for name, prop in schema.get("properties", {}).items():
                entry["parameters"].append({"name": name, "in": "query",
                                            "required": name in schema.get("required", []),
                                            "schema": _inline(prop, schema.get("$defs", {}))})
        if op.body is not None:
            schema = op.body.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, d in schema.pop("$defs", {}).items():
                components[name] = d
            components[op.body.__name__] = schema
            entry["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{op.body.__name__}"}}}}
        ok = {"description": "OK"}
        if op.binary:
            ok["content"] = {op.binary: {"schema": {"type": "string", "format": "binary"}}}
        else:
            ok["content"] = {"application/json": {"schema": {"type": "object"}}}
        err = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        entry["responses"] = {"200": ok, "201": ok, "400": {"description": "Bad input", **err},
                              "403": {"description": "Forbidden", **err},
                              "404": {"description": "Not found", **err},
                              "409": {"description": "Conflict", **err},
                              "413": {"description": "Too large", **err},
                              "422": {"description": "Invalid fields", **err},
                              "429": {"description": "Too many requests", **err}}
        paths.setdefault(path, {})[op.method.lower()] = entry
    return {"openapi": "3.0.3",
            "info": {"title": "Moderator API", "version": "1",
                     "description": "Hội nghị tiếp xúc, đối thoại trực tiếp — live meeting API."},
            "paths": paths, "components": {"schemas": components,
                                           "securitySchemes": {"roleKey": {"type": "apiKey", "in": "header",
                                                                           "name": "X-Role-Key"}}}}


def _inline(prop: dict, defs: dict) -> dict:
    if "$ref" in prop:
        return defs.get(prop["$ref"].rsplit("/", 1)[-1], {})
    return prop


def validation_fields(exc: ValidationError, translate) -> dict[str, str]:
    """Turn pydantic's errors into one message per field, in the user's language."""
    out: dict[str, str] = {}
    for e in exc.errors():
        name = ".".join(str(p) for p in e.get("loc", ())) or "body"
        if name in out:
            continue
        out[name] = translate(e)
    return out
