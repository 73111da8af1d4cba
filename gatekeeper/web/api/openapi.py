"""The OpenAPI document of the station API. Every ``/api/v1`` route must appear here
(a test compares it with the URL map)."""

from __future__ import annotations

from typing import Any

from camera_adapters.wire import EVENT_ID

_ERROR = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
    "required": ["error"],
}
_LANE_PARAMETER = {
    "name": "lane_code",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
}
_EVENT_ID = {"type": "string", "pattern": EVENT_ID.pattern}
_UNAUTHORIZED = {
    "description": "No valid station token (or login)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _capture_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Capture"}}},
    }


def _carrier_paths() -> tuple[dict[str, Any], dict[str, Any]]:
    """The carrier fleet API, its request schema generated from the same pydantic model
    that validates the requests (services.fleet.VehicleInput)."""
    from gatekeeper.services.fleet import VehicleInput

    schema = VehicleInput.model_json_schema(ref_template="#/components/schemas/{model}")
    components: dict[str, Any] = dict(schema.pop("$defs", {}))
    components["VehicleInput"] = schema
    components["Vehicle"] = {
        "allOf": [
            {"$ref": "#/components/schemas/VehicleInput"},
            {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "review": {
                        "type": "object",
                        "properties": {
                            "status": {"enum": ["pending", "approved", "rejected"]},
                            "comment": {"type": ["string", "null"]},
                        },
                    },
                    "standing": {"type": "string"},
                },
            },
        ]
    }
    components["FieldErrors"] = {
        "type": "object",
        "properties": {
            "error": {"type": "string"},
            "message": {"type": "string"},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }
    vehicle = {"application/json": {"schema": {"$ref": "#/components/schemas/Vehicle"}}}
    body = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/VehicleInput"}}},
    }
    invalid = {
        "description": "Invalid fields, each with its message; nothing saved",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FieldErrors"}}},
    }
    vehicle_id = {
        "name": "vehicle_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer"},
    }
    security: list[dict[str, list[str]]] = [{"userToken": []}]
    paths = {
        "/carrier/vehicles": {
            "get": {
                "summary": "The calling carrier's vehicles and trailers",
                "security": security,
                "responses": {
                    "200": {"description": "Vehicles", "content": {"application/json": {}}},
                    "401": _UNAUTHORIZED,
                    "403": _error_response("Not a carrier user"),
                },
            },
            "post": {
                "summary": "Register a vehicle or trailer (then reviewed by the park)",
                "security": security,
                "requestBody": body,
                "responses": {
                    "201": {"description": "Registered, pending review", "content": vehicle},
                    "400": invalid,
                    "401": _UNAUTHORIZED,
                    "403": _error_response("Not a carrier user"),
                },
            },
        },
        "/carrier/vehicles/{vehicle_id}": {
            "get": {
                "summary": "One of the carrier's vehicles",
                "security": security,
                "parameters": [vehicle_id],
                "responses": {
                    "200": {"description": "The vehicle", "content": vehicle},
                    "401": _UNAUTHORIZED,
                    "404": _error_response("No such vehicle of this carrier"),
                },
            },
            "patch": {
                "summary": "Change fields of a vehicle (back to the park's review)",
                "security": security,
                "parameters": [vehicle_id],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "responses": {
                    "200": {"description": "The changed vehicle", "content": vehicle},
                    "400": invalid,
                    "401": _UNAUTHORIZED,
                    "404": _error_response("No such vehicle of this carrier"),
                },
            },
        },
    }
    return paths, components


def openapi_document(version: str) -> dict[str, Any]:
    carrier_paths, carrier_schemas = _carrier_paths()
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
            "securitySchemes": {
                "stationToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A gate station's token (gks_...), shown once in the admin area",
                },
                "userToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A user's API token (gku_...): acts as that user, with the "
                    "user's role and scope; created on the account page or with "
                    "'flask user token USERNAME'",
                },
            },
            "schemas": {
                **carrier_schemas,
                "Error": _ERROR,
                "Capture": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "lane": {"type": "string"},
                        "event_id": {"type": "string"},
                        "status": {"enum": ["pending", "done", "failed", "not_needed"]},
                        "error": {"type": ["string", "null"]},
                        "frames": {"type": "integer"},
                        "reads": {
                            "type": ["object", "null"],
                            "description": "plate, confidence, format, candidates, plate_box, "
                            "hazard (hin, un, confidence, box, consistent), timings_ms",
                        },
                        "plate": {"type": ["string", "null"]},
                        "match_quality": {"enum": ["exact", "confusable", "partial", "none", None]},
                        "booking": {"type": ["string", "null"]},
                        "decision": {"enum": ["allow", "deny", "hold", "review", None]},
                        "reasons": {
                            "type": "array",
                            "description": "failed checks, most severe first, then warnings",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "code": {"type": "string"},
                                    "effect": {"enum": ["deny", "review", "hold", None]},
                                    "message": {"type": "string"},
                                    "evidence": {"type": "object"},
                                },
                            },
                        },
                        "barrier_opened": {"type": "boolean"},
                        "status_url": {"type": "string"},
                    },
                },
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
            **carrier_paths,
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
            "/lanes/{lane_code}/captures": {
                "post": {
                    "summary": "Send the frames of one vehicle; they are stored and read in "
                    "the background. The same event_id again returns the first capture.",
                    "parameters": [_LANE_PARAMETER],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["event_id", "image"],
                                    "properties": {
                                        "event_id": _EVENT_ID,
                                        "image": {
                                            "type": "array",
                                            "items": {"type": "string", "format": "binary"},
                                            "maxItems": 8,
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "202": _capture_response("Stored; reading queued"),
                        "200": _capture_response("This event_id was received before"),
                        "400": _error_response("Missing, empty, corrupt or non-image upload"),
                        "401": _UNAUTHORIZED,
                        "403": _error_response("The station does not serve this lane"),
                        "404": _error_response("No such lane"),
                        "413": _error_response("Image too large"),
                    },
                }
            },
            "/lanes/{lane_code}/events": {
                "post": {
                    "summary": "A smart ANPR camera's own reading; decided at once. The same "
                    "event_id again returns the first passage.",
                    "parameters": [_LANE_PARAMETER],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["event_id", "plate", "confidence"],
                                    "properties": {
                                        "event_id": _EVENT_ID,
                                        "plate": {"type": "string"},
                                        "confidence": {
                                            "type": "number",
                                            "minimum": 0,
                                            "maximum": 1,
                                        },
                                        "hazard": {
                                            "type": "object",
                                            "properties": {
                                                "hin": {"type": "string"},
                                                "un": {"type": "string"},
                                                "confidence": {"type": "number"},
                                            },
                                        },
                                        "image": {
                                            "type": "string",
                                            "contentEncoding": "base64",
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": _capture_response("Stored and decided"),
                        "200": _capture_response("This event_id was received before"),
                        "400": _error_response("Malformed event or image"),
                        "401": _UNAUTHORIZED,
                        "403": _error_response("The station does not serve this lane"),
                        "404": _error_response("No such lane"),
                        "413": _error_response("Image too large"),
                    },
                }
            },
            "/captures/{capture_id}": {
                "get": {
                    "summary": "Status, reads and decision of a capture",
                    "parameters": [
                        {
                            "name": "capture_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {
                        "200": _capture_response("The capture"),
                        "401": _UNAUTHORIZED,
                        "404": _error_response("No such capture on this station's lanes"),
                    },
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
