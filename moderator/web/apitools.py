"""A small registry that validates JSON bodies with pydantic and builds the OpenAPI 3 document from the same
models, so the schema clients read is the schema the server enforces."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Callable

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, ValidationError

from ..domain.errors import DomainError

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
