"""The OpenAPI document of the station API. Every ``/api/v1`` route must appear here
(a test compares it with the URL map)."""

from __future__ import annotations

from typing import Any

_ERROR = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
    "required": ["error"],
}
_UNAUTHORIZED = {
    "description": "No valid station token (or login)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def openapi_document(version: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Gatekeeper station API",
            "version": version,
            "description": "JSON API for gate stations. Authenticate with "
            "`Authorization: Bearer <station token>`.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"stationToken": []}],
        "components": {
            "securitySchemes": {"stationToken": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": _ERROR,
                "Station": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "name": {"type": "string"},
                        "lanes": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "code": {"type": "string"},
                                    "direction": {"enum": ["in", "out", "both"]},
                                    "kind": {
                                        "enum": [
                                            "general",
                                            "hazmat",
                                            "waste",
                                            "pedestrian",
                                            "emergency",
                                        ]
                                    },
                                    "roi": {
                                        "type": ["array", "null"],
                                        "items": {"type": "number"},
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
        "paths": {
            "/": {
                "get": {
                    "summary": "API root: version and links",
                    "responses": {"200": {"description": "Links"}, "401": _UNAUTHORIZED},
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "responses": {"200": {"description": "OpenAPI 3.1"}, "401": _UNAUTHORIZED},
                }
            },
            "/station": {
                "get": {
                    "summary": "The calling station and the lanes it serves",
                    "responses": {
                        "200": {
                            "description": "Station",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Station"}
                                }
                            },
                        },
                        "401": _UNAUTHORIZED,
                    },
                }
            },
        },
    }
