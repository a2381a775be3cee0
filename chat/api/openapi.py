"""/openapi.json: an OpenAPI 3 document built from the declared operations (operations.py) and
resource shapes (schemas.py), so it always describes the routes that actually run."""

import re

from flask import jsonify, request

from .operations import OPERATIONS, Operation
from .paging import MAX_PAGE_SIZE
from .schemas import RESOURCES, json_schema

ERROR_STATUSES = ("400", "401", "403", "404", "405", "409", "413", "429")
TYPES = {"string": "string", "boolean": "boolean", "integer": "integer", "date": "string", "array": "array"}


def init_app(app) -> None:
    app.add_url_rule("/openapi.json", "openapi", document)


def document():
    """Served without credentials: it describes the API, it holds no data."""
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        for version in op.versions:
            paths.setdefault(f"/{version}{op.path}", {})[op.method.lower()] = _operation(op, version)
    return jsonify(
        {
            "openapi": "3.0.3",
            "info": {
                "title": "Chat REST API",
                "version": "2",
                "description": "Twilio Programmable Chat's REST API (v2, and v1 paths), self-hosted. See docs/api.md.",
            },
            "servers": [{"url": request.host_url.rstrip("/")}],
            "security": [{"basic": []}],
            "paths": paths,
            "components": {
                "securitySchemes": {"basic": {"type": "http", "scheme": "basic"}},
                "schemas": {
                    **{name: json_schema(name) for name in RESOURCES},
                    "error": {
                        "type": "object",
                        "properties": {
                            "code": {"type": "integer"},
                            "message": {"type": "string"},
                            "more_info": {"type": "string"},
                            "status": {"type": "integer"},
                        },
                        "required": ["code", "message", "more_info", "status"],
                    },
                    "meta": _meta_schema(),
                },
            },
        }
    )


def _operation(op: Operation, version: str) -> dict:
    spec = {
        "operationId": f"{version}_{op.name}",
        "summary": op.summary,
        "parameters": [_slot(name) for name in re.findall(r"\{(\w+)\}", op.path)],
        "responses": {
            str(op.status) if op.returns else "204": _response(op),
            **{
                status: {"description": "Error", "content": _json({"$ref": "#/components/schemas/error"})}
                for status in ERROR_STATUSES
            },
        },
    }
    if op.method == "POST":
        spec["requestBody"] = {
            "required": any(p.required for p in op.params),
            "content": {"application/x-www-form-urlencoded": {"schema": _form_schema(op)}},
        }
    else:
        spec["parameters"] += [_query(p) for p in op.params]
        if op.listing:
            spec["parameters"] += [
                {
                    "name": "PageSize",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                },
                {"name": "Page", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                {"name": "PageToken", "in": "query", "schema": {"type": "string"}},
            ]
    return spec


def _response(op: Operation) -> dict:
    if op.returns is None:
        return {"description": "Deleted"}
    item = {"$ref": f"#/components/schemas/{op.returns}"}
    if not op.listing:
        return {"description": op.summary, "content": _json(item)}
    schema = {
        "type": "object",
        "properties": {op.listing: {"type": "array", "items": item}, "meta": {"$ref": "#/components/schemas/meta"}},
        "required": [op.listing, "meta"],
    }
    return {"description": op.summary, "content": _json(schema)}


def _slot(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "pattern": r"^[^/]+$"}}


def _query(param) -> dict:
    spec = {"name": param.name, "in": "query", "required": param.required, "schema": _param_schema(param)}
    if param.type == "array":
        spec.update(style="form", explode=True)
    return spec


def _form_schema(op: Operation) -> dict:
    schema = {"type": "object", "properties": {p.name: _param_schema(p) for p in op.params}}
    required = [p.name for p in op.params if p.required]
    if required:
        schema["required"] = required
    return schema


def _param_schema(param) -> dict:
    schema: dict = {"type": TYPES[param.type]}
    if param.type == "date":
        schema["format"] = "date-time"
    if param.type == "array":
        schema["items"] = {"type": "string", **({"enum": list(param.enum)} if param.enum else {})}
    elif param.enum:
        schema["enum"] = list(param.enum)
    if param.description:
        schema["description"] = param.description
    return schema


def _meta_schema() -> dict:
    keys = ("page", "page_size", "first_page_url", "previous_page_url", "url", "next_page_url", "key")
    properties = {key: {"type": "string", "nullable": True} for key in keys}
    properties["page"] = properties["page_size"] = {"type": "integer"}
    return {"type": "object", "properties": properties, "required": list(keys)}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}
