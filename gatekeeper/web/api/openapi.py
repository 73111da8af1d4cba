"""The OpenAPI document of the station API. Every ``/api/v1`` route must appear here
(a test compares it with the URL map)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from camera_adapters.wire import (
    EVENT_ID,
    IMAGE_RULES,
    AnprEventBody,
    BadgeReadBody,
    ScanBody,
    SightingBody,
)

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
    "examples": {
        "lorries": {"value": "G1-IN"},
        "hazmat": {"value": "G1-HAZ"},
        "exit": {"value": "G1-OUT"},
        "pedestrians": {"value": "G1-PED"},
    },
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
    """The carrier fleet API, its request schemas generated from the same pydantic models
    that validate the requests (services.fleet.VehicleInput, services.crew.PersonInput)."""
    from gatekeeper.services.crew import PersonInput
    from gatekeeper.services.fleet import VehicleInput

    components: dict[str, Any] = {
        "FieldErrors": {
            "type": "object",
            "properties": {
                "error": {"type": "string"},
                "message": {"type": "string"},
                "fields": {
                    "type": "object",
                    "description": "field (a nested one by its path, e.g. "
                    "qualifications.0.expires_on) -> message",
                    "additionalProperties": {"type": "string"},
                },
            },
        }
    }
    paths: dict[str, Any] = {}
    standing = {
        "standing": {
            "enum": ["active", "blacklisted", "suspended"],
            "description": "as it holds today: a bar past its last day reads active",
        },
        "standing_until": {
            "type": ["string", "null"],
            "format": "date",
            "description": "the last day of a bar in force (null: until lifted, or none)",
        },
    }
    vehicle_out = {**standing}
    person_out = {
        **standing,
        "id_number_masked": {"type": ["string", "null"], "description": "…1234"},
    }
    components.update(_model_schemas(VehicleInput, PersonInput))
    for model, name, plural, what, extra in (
        (VehicleInput, "Vehicle", "vehicles", "vehicle or trailer", vehicle_out),
        (PersonInput, "Person", "persons", "driver or escort", person_out),
    ):
        components[name] = _output_schema(components[model.__name__], extra)
        paths.update(_resource_paths(name, plural, what))
    return paths, components


def _output_schema(model_schema: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """What the API answers for a registered record: the fields as registered (the input
    model's), its id, the park's review and ``extra``."""
    return {
        "type": "object",
        "properties": {
            **model_schema["properties"],
            "id": {"type": "integer"},
            "review": {
                "type": "object",
                "properties": {
                    "status": {"enum": ["pending", "approved", "rejected"]},
                    "comment": {"type": ["string", "null"]},
                },
            },
            **extra,
        },
    }


def _resource_paths(name: str, plural: str, what: str) -> dict[str, Any]:
    out = {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}
    body = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}Input"}}},
    }
    invalid = {
        "description": "Invalid fields, each with its message; nothing saved",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FieldErrors"}}},
    }
    key = f"{name.lower()}_id"
    ident = {"name": key, "in": "path", "required": True, "schema": {"type": "integer"}}
    security: list[dict[str, list[str]]] = [{"userToken": []}]
    not_found = _error_response(f"No such {name.lower()} of this carrier")
    return {
        f"/carrier/{plural}": {
            "get": {
                "summary": f"The calling carrier's {plural}",
                "security": security,
                "responses": {
                    "200": {"description": plural, "content": {"application/json": {}}},
                    "401": _UNAUTHORIZED,
                    "403": _error_response("Not a carrier user"),
                },
            },
            "post": {
                "summary": f"Register a {what} (then reviewed by the park)",
                "security": security,
                "requestBody": body,
                "responses": {
                    "201": {"description": "Registered, pending review", "content": out},
                    "400": invalid,
                    "401": _UNAUTHORIZED,
                    "403": _error_response("Not a carrier user"),
                },
            },
        },
        f"/carrier/{plural}/{{{key}}}": {
            "get": {
                "summary": f"One of the carrier's {plural}",
                "security": security,
                "parameters": [ident],
                "responses": {
                    "200": {"description": name, "content": out},
                    "401": _UNAUTHORIZED,
                    "404": not_found,
                },
            },
            "patch": {
                "summary": f"Change fields of a {what} (back to the park's review)",
                "security": security,
                "parameters": [ident],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "responses": {
                    "200": {"description": f"The changed {name.lower()}", "content": out},
                    "400": invalid,
                    "401": _UNAUTHORIZED,
                    "404": not_found,
                },
            },
        },
    }


def _booking_paths() -> tuple[dict[str, Any], dict[str, Any]]:
    """Bookings for ERP/TMS and carriers' systems; the request schema is the pydantic model
    that validates it (services.bookings.BookingInput)."""
    from gatekeeper.services.bookings import BookingInput

    components = _model_schemas(BookingInput)
    security: list[dict[str, list[str]]] = [{"userToken": []}]
    body = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BookingInput"}}},
    }
    invalid = {
        "description": "Refused: per field, why (e.g. the driver's certificate does not cover "
        "class 8; the dock is fully booked); nothing saved",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FieldErrors"}}},
    }
    booking = {
        "description": "The booking: values, status, approvals, planned route",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
    reference = {"name": "reference", "in": "path", "required": True, "schema": {"type": "string"}}
    not_found = _error_response("No such booking visible to the caller")
    paths = {
        "/bookings": {
            "get": {
                "summary": "The bookings of a day (default today) the caller may see",
                "security": security,
                "parameters": [
                    {"name": "day", "in": "query", "schema": {"type": "string", "format": "date"}}
                ],
                "responses": {
                    "200": booking,
                    "400": _error_response("day is not a date (YYYY-MM-DD)"),
                    "401": _UNAUTHORIZED,
                },
            },
            "post": {
                "summary": "Book a vehicle (a carrier books for itself); checked as the gate "
                "will check it on the day",
                "security": security,
                "requestBody": body,
                "responses": {"201": booking, "400": invalid, "401": _UNAUTHORIZED},
            },
        },
        "/bookings/{reference}": {
            "get": {
                "summary": "One booking",
                "security": security,
                "parameters": [reference],
                "responses": {"200": booking, "401": _UNAUTHORIZED, "404": not_found},
            },
            "patch": {
                "summary": "Change fields; checked again, back to the first approval step "
                "(carriers: not within the park's freeze period)",
                "security": security,
                "parameters": [reference],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "responses": {"200": booking, "400": invalid, "404": not_found},
            },
        },
        "/bookings/{reference}/cancel": {
            "post": {
                "summary": "Cancel a booking not yet at the gate (JSON: optional reason)",
                "security": security,
                "parameters": [reference],
                "responses": {"200": booking, "400": invalid, "404": not_found},
            }
        },
    }
    return paths, components


def _model_schemas(*models: type[BaseModel]) -> dict[str, Any]:
    """Each model's JSON schema by its name, with the models it nests: generated from the
    same pydantic models that validate the requests (camera_adapters.wire)."""
    schemas: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


def _json_body(model: type[BaseModel]) -> dict[str, Any]:
    return {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}


def _json_answer(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_SIGHTING = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "checkpoint": {"type": "string"},
        "event_id": {"type": "string"},
        "plate": {"type": "string"},
        "plate_colour": {"type": ["string", "null"]},
        "at": {"type": "string", "format": "date-time"},
        "vehicle": {"type": ["string", "null"], "description": "the vehicle inside it names"},
        "on_route": {"type": ["boolean", "null"]},
        "speed_kmh": {"type": ["number", "null"]},
        "alerts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"kind": {"type": "string"}, "severity": {"type": "string"}},
            },
        },
    },
}
_PERSON_PASSAGE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "person": {"type": "string"},
        "kind": {"enum": ["driver", "escort", "employee", "contractor", "visitor"]},
        "lane": {"type": "string"},
        "direction": {"enum": ["in", "out"]},
        "allowed": {"type": "boolean"},
        "reasons": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "card": {"type": ["string", "null"]},
        "at": {"type": "string", "format": "date-time"},
    },
}
_AT = {
    "type": "string",
    "format": "date-time",
    "description": "when it happened, with its UTC offset (default: now; not in the future)",
}


def _inside_paths() -> dict[str, Any]:
    """Checkpoint cameras and pedestrian-lane readers."""
    checkpoint = {
        "name": "code",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "examples": {"road": {"value": "CP1"}},
    }
    return {
        "/checkpoints/{code}/sightings": {
            "post": {
                "summary": "A vehicle seen by a checkpoint camera: moves it to the "
                "checkpoint's zone and checks its route (alerts listed). JSON from a smart "
                "camera, or frames (multipart) read in the background. Idempotent by event_id.",
                "parameters": [checkpoint],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": _json_body(SightingBody),
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["event_id", "image"],
                                "properties": {
                                    "event_id": _EVENT_ID,
                                    "at": _AT,
                                    "image": {
                                        "type": "array",
                                        "items": {"type": "string", "format": "binary"},
                                    },
                                },
                            }
                        },
                    },
                },
                "responses": {
                    "201": _json_answer("Recorded", _SIGHTING),
                    "200": _json_answer("This event_id was received before", _SIGHTING),
                    "202": _json_answer(
                        "Frames stored; read in the background", {"type": "object"}
                    ),
                    "400": _error_response("Malformed sighting or image"),
                    "401": _UNAUTHORIZED,
                    "403": _error_response("The station does not serve this checkpoint"),
                    "404": _error_response("No such checkpoint"),
                    "413": _error_response("Image too large"),
                },
            }
        },
        "/lanes/{lane_code}/badges": {
            "post": {
                "summary": "A badge, staff card, ID or positioning card read at a pedestrian "
                "lane: the person is checked in or out, or refused with the reasons. "
                "Idempotent by event_id.",
                "parameters": [_LANE_PARAMETER],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": _json_body(BadgeReadBody),
                    },
                },
                "responses": {
                    "201": _json_answer("Checked (allowed or refused)", _PERSON_PASSAGE),
                    "200": _json_answer("This event_id was received before", _PERSON_PASSAGE),
                    "400": _error_response("Malformed read, or not a pedestrian lane"),
                    "401": _UNAUTHORIZED,
                    "403": _error_response("The station does not serve this lane"),
                    "404": _error_response("No such lane, or no person with this badge"),
                },
            }
        },
    }


def openapi_document(version: str) -> dict[str, Any]:
    document = _document(version)
    for operations in document["paths"].values():
        for operation in operations.values():
            # Every operation needs a token: without a valid one, 401.
            operation["responses"].setdefault("401", _UNAUTHORIZED)
    return document


def _document(version: str) -> dict[str, Any]:
    carrier_paths, carrier_schemas = _carrier_paths()
    booking_paths, booking_schemas = _booking_paths()
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
                **booking_schemas,
                **_model_schemas(AnprEventBody, SightingBody, BadgeReadBody, ScanBody),
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
                            "plate_colour, hazard (hin, un, confidence, box, consistent), "
                            "hazard_plates (every orange plate read, best first), timings_ms",
                        },
                        "plate": {"type": ["string", "null"]},
                        "plate_colour": {
                            "enum": [
                                "blue",
                                "yellow",
                                "green",
                                "yellow_green",
                                "white",
                                "black",
                                None,
                            ]
                        },
                        "province": {
                            "type": ["string", "null"],
                            "description": "a Chinese plate's province character, when read",
                        },
                        "match_quality": {
                            "enum": ["exact", "no_province", "confusable", "partial", "none", None]
                        },
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
            **booking_paths,
            **_inside_paths(),
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
                                            "description": IMAGE_RULES,
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
                            "application/json": _json_body(AnprEventBody),
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
            "/lanes/{lane_code}/documents": {
                "post": {
                    "summary": "A document photographed at the barrier (driver's or escort's "
                    "certificate, road transport certificate, vehicle licence, waybill): read "
                    "in the background, matched against the registered records, and a check "
                    "of the vehicle's decision. The same image again returns the first one.",
                    "parameters": [_LANE_PARAMETER],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["kind", "image"],
                                    "properties": {
                                        "kind": {
                                            "enum": [
                                                "driver_qualification",
                                                "escort_qualification",
                                                "road_transport_certificate",
                                                "vehicle_licence",
                                                "waybill",
                                            ]
                                        },
                                        "image": {"type": "string", "format": "binary"},
                                        "capture": {
                                            "type": "integer",
                                            "description": "the capture (passage) id; "
                                            "default: the latest at the lane",
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "202": {
                            "description": "Stored; reading queued (result: matches, "
                            "differs, expired or read)"
                        },
                        "200": {"description": "This image was received before"},
                        "400": _error_response("Unknown kind, no image, or not a document"),
                        "401": _UNAUTHORIZED,
                        "403": _error_response("The station does not serve this lane"),
                        "404": _error_response("No such lane"),
                        "409": _error_response("No vehicle waiting at the lane"),
                        "413": _error_response("File too large"),
                    },
                }
            },
            "/lanes/{lane_code}/scans": {
                "post": {
                    "summary": "A booking pass or an electronic waybill scanned at the lane: "
                    "the text of its QR code (a fixed scanner) or a camera frame in which the "
                    "QR code is found. Kept on the vehicle's passage and the rules run again "
                    "(checks booking_pass and waybill). Payloads: docs/e-waybill.md.",
                    "parameters": [_LANE_PARAMETER],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": _json_body(ScanBody),
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["image"],
                                    "properties": {
                                        "image": {"type": "string", "format": "binary"},
                                        "capture": {"type": "integer"},
                                    },
                                }
                            },
                        },
                    },
                    "responses": {
                        "200": _capture_response("The passage, decided again with the scan"),
                        "400": _error_response("Nothing scanned, or not a pass or a waybill"),
                        "401": _UNAUTHORIZED,
                        "403": _error_response("The station does not serve this lane"),
                        "404": _error_response("No such lane"),
                        "409": _error_response("No vehicle waiting at the lane"),
                        "422": _error_response("No QR code found in the image"),
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
