"""``/api/v1``: the JSON API for gate stations (bearer token) and signed-in staff."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, url_for
from flask.typing import ResponseReturnValue

from gatekeeper.access import ALL_ROLES, station_or_roles, station_required
from gatekeeper.extensions import csrf
from gatekeeper.web.api.openapi import openapi_document

API_VERSION = "1.0.0"

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Stations authenticate with a bearer token, not a session cookie: no CSRF exposure.
csrf.exempt(bp)


@bp.route("/")
@station_or_roles(*ALL_ROLES)
def root() -> ResponseReturnValue:
    return jsonify(
        name="Gatekeeper",
        version=API_VERSION,
        links={
            "openapi": url_for(".openapi"),
            "station": url_for(".station"),
        },
    )


@bp.route("/openapi.json")
@station_or_roles(*ALL_ROLES)
def openapi() -> ResponseReturnValue:
    return jsonify(openapi_document(API_VERSION))


@bp.route("/station")
@station_required
def station() -> ResponseReturnValue:
    own = g.station
    return jsonify(
        code=own.code,
        name=own.name,
        lanes=[
            {
                "code": lane.code,
                "direction": lane.direction.value,
                "kind": lane.kind.value,
                "roi": lane.roi,
            }
            for lane in own.lanes
        ],
    )
