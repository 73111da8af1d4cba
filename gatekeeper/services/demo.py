"""The demo park: a realistic small chemical park to try Gatekeeper with.

Seeding is idempotent: every record is looked up by its natural key first, so running
``flask demo`` again adds nothing (and today's bookings once per day).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select

from gatekeeper.extensions import db
from gatekeeper.models import (
    Carrier,
    Checkpoint,
    Company,
    Dock,
    Gate,
    Lane,
    LaneDirection,
    LaneKind,
    NodeKind,
    Park,
    RoadEdge,
    RoadNode,
    Role,
    Station,
    TunnelCategory,
    User,
    Zone,
    ZoneKind,
)
from gatekeeper.models.types import utcnow
from gatekeeper.services import audit
from gatekeeper.services.reference_data import load_reference_data

DEMO_PASSWORD = "gatekeeper-demo"
# A Chinese chemical park: its local day and times are China Standard Time.
DEMO_TIMEZONE = "Asia/Shanghai"
T = TypeVar("T")


@dataclass
class DemoSummary:
    created: int = 0
    users: dict[str, str] = field(default_factory=dict)
    station_tokens: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.created} records created"


class _Seeder:
    def __init__(self, today: date) -> None:
        self.today = today
        self.summary = DemoSummary()

    def get_or_create(self, model: type[T], key: dict[str, Any], **values: Any) -> T:
        """The row with this natural key, created with ``values`` if it does not exist."""
        query = select(model).filter_by(**key)
        found = db.session.scalar(query)
        if found is not None:
            return found
        obj = model(**key, **values)
        db.session.add(obj)
        db.session.flush()
        self.summary.created += 1
        return obj

    def days(self, n: int) -> date:
        return self.today + timedelta(days=n)


def _layout(s: _Seeder) -> dict[str, Any]:
    s.get_or_create(Park, {"name": "Riverside Chemical Park"}, timezone=DEMO_TIMEZONE)
    zones = {
        code: s.get_or_create(Zone, {"code": code}, **values)
        for code, values in {
            "Z-ROAD": dict(
                name="Park roads",
                kind=ZoneKind.ROAD,
                muster_point="Muster point M1 (main gate car park)",
                capacity_vehicles=80,
                capacity_hazmat_vehicles=12,
                allowed_hazard_classes=["2", "3", "5.1", "8"],
            ),
            "Z-PROD": dict(
                name="Production area A",
                kind=ZoneKind.PRODUCTION,
                muster_point="Muster point M2 (production lawn)",
                capacity_people=400,
                capacity_vehicles=30,
                capacity_hazmat_vehicles=6,
                allowed_hazard_classes=["2", "3", "8"],
            ),
            "Z-TANK": dict(
                name="Tank farm and warehouse",
                kind=ZoneKind.WAREHOUSE,
                muster_point="Muster point M3 (tank farm north)",
                capacity_people=60,
                capacity_vehicles=20,
                capacity_hazmat_vehicles=8,
                allowed_hazard_classes=["2", "3", "5.1", "8"],
            ),
            "Z-HOLD": dict(
                name="Hazmat holding lot",
                kind=ZoneKind.HOLDING,
                muster_point="Muster point M1 (main gate car park)",
                capacity_people=20,
                capacity_vehicles=8,
                capacity_hazmat_vehicles=8,
                capacity_loaded_tankers=5,
                capacity_empty_tankers=3,
                allowed_hazard_classes=["2", "3", "4.1", "5.1", "6.1", "8", "9"],
            ),
        }.items()
    }
    gates = {
        "G1": s.get_or_create(
            Gate, {"code": "G1"}, name="Main gate", latitude=32.2489, longitude=118.7562
        ),
        "G2": s.get_or_create(
            Gate, {"code": "G2"}, name="North gate", latitude=32.2561, longitude=118.7648
        ),
    }
    lanes = {
        code: s.get_or_create(
            Lane,
            {"code": code},
            gate=gates[gate],
            name=name,
            direction=direction,
            kind=kind,
            zone=zones["Z-ROAD"],
            is_open=kind != LaneKind.EMERGENCY,
        )
        for code, gate, name, direction, kind in (
            ("G1-IN", "G1", "Main gate in", LaneDirection.IN, LaneKind.GENERAL),
            ("G1-HAZ", "G1", "Main gate hazmat in", LaneDirection.IN, LaneKind.HAZMAT),
            ("G1-OUT", "G1", "Main gate out", LaneDirection.OUT, LaneKind.GENERAL),
            ("G2-IN", "G2", "North gate in", LaneDirection.IN, LaneKind.GENERAL),
            ("G2-OUT", "G2", "North gate out", LaneDirection.OUT, LaneKind.GENERAL),
            ("G2-EMG", "G2", "North gate emergency", LaneDirection.BOTH, LaneKind.EMERGENCY),
            ("G1-PED", "G1", "Main gate pedestrians", LaneDirection.BOTH, LaneKind.PEDESTRIAN),
            ("G2-PED", "G2", "North gate pedestrians in", LaneDirection.IN, LaneKind.PEDESTRIAN),
        )
    }
    lanes["G1-PED"].zone = lanes["G2-PED"].zone = zones["Z-PROD"]
    checkpoints = {
        f"CP{n}": s.get_or_create(Checkpoint, {"code": f"CP{n}"}, name=name, zone=zones[zone])
        for n, (name, zone) in enumerate(
            (
                ("Main road south", "Z-ROAD"),
                ("Main road north", "Z-ROAD"),
                ("Production entrance", "Z-PROD"),
                ("Tank farm entrance", "Z-TANK"),
                ("Holding lot exit", "Z-HOLD"),
                ("Underpass east", "Z-ROAD"),
            ),
            start=1,
        )
    }
    companies = {
        code: s.get_or_create(Company, {"code": code}, name=name, is_consignor=consignor)
        for code, name, consignor in (
            ("NORDCHEM", "Nordchem AG", True),
            ("POLYWORKS", "Polymer Works Ltd", False),
            ("GASTERM", "Riverside Gas Terminal", True),
        )
    }
    docks = {
        code: s.get_or_create(
            Dock,
            {"code": code},
            name=name,
            company=companies[company],
            zone=zones[zone],
            slots_per_hour=slots,
        )
        for code, name, company, zone, slots in (
            ("D1", "Nordchem tank unloading", "NORDCHEM", "Z-TANK", 2),
            ("D2", "Nordchem acid station", "NORDCHEM", "Z-PROD", 1),
            ("D3", "Polymer Works goods in", "POLYWORKS", "Z-PROD", 4),
            ("D4", "Polymer Works solvents", "POLYWORKS", "Z-TANK", 2),
            ("D5", "Gas terminal filling bay", "GASTERM", "Z-TANK", 2),
        )
    }
    _road_graph(s, gates, checkpoints, docks)
    return {
        "zones": zones,
        "lanes": lanes,
        "companies": companies,
        "docks": docks,
        "checkpoints": checkpoints,
    }


# Where the demo's road nodes sit on the park map (SVG units: 1000 across, 600 down).
MAP_POSITIONS: dict[str, tuple[float, float]] = {
    "G1": (70, 530),
    "CP5": (150, 390),
    "CP1": (290, 470),
    "J1": (500, 330),
    "CP3": (380, 190),
    "D2": (230, 110),
    "D3": (480, 70),
    "CP4": (680, 400),
    "D1": (850, 480),
    "D4": (870, 330),
    "D5": (660, 550),
    "CP2": (720, 200),
    "G2": (930, 90),
    "CP6": (640, 60),
}


def _road_graph(
    s: _Seeder, gates: dict[str, Gate], checkpoints: dict[str, Checkpoint], docks: dict[str, Dock]
) -> None:
    nodes: dict[str, RoadNode] = {}

    def at(code: str) -> dict[str, float]:
        x, y = MAP_POSITIONS[code]
        return {"x": x, "y": y}

    for code, gate in gates.items():
        nodes[code] = s.get_or_create(
            RoadNode, {"code": code}, kind=NodeKind.GATE, gate=gate, **at(code)
        )
    for code, checkpoint in checkpoints.items():
        nodes[code] = s.get_or_create(
            RoadNode, {"code": code}, kind=NodeKind.CHECKPOINT, checkpoint=checkpoint, **at(code)
        )
    for code, dock in docks.items():
        nodes[code] = s.get_or_create(
            RoadNode, {"code": code}, kind=NodeKind.DOCK, dock=dock, **at(code)
        )
    nodes["J1"] = s.get_or_create(RoadNode, {"code": "J1"}, kind=NodeKind.JUNCTION, **at("J1"))
    edges: tuple[tuple[str, str, int, dict[str, Any]], ...] = (
        ("G1", "CP1", 250, {}),
        ("CP1", "J1", 400, {}),
        ("J1", "CP3", 300, {}),
        ("CP3", "D2", 150, {}),
        ("CP3", "D3", 200, {}),
        ("J1", "CP4", 350, {}),
        ("CP4", "D1", 120, {}),
        ("CP4", "D4", 180, {}),
        ("CP4", "D5", 260, {}),
        ("J1", "CP2", 500, {}),
        ("CP2", "G2", 300, {}),
        ("G1", "CP5", 200, {}),
        ("CP5", "CP1", 150, {}),
        (
            "CP2",
            "CP6",
            400,
            {
                "tunnel_category": TunnelCategory.C,
                "forbidden_hazard_classes": ["1", "2", "3"],
                "speed_limit_kmh": 15,
            },
        ),
        ("CP6", "D3", 300, {}),
    )
    for start, end, length, extra in edges:
        s.get_or_create(
            RoadEdge,
            {"from_node_id": nodes[start].id, "to_node_id": nodes[end].id},
            length_m=length,
            **{"speed_limit_kmh": 30, **extra},
        )


# role -> username; every demo user has DEMO_PASSWORD
DEMO_USERS = {
    Role.ADMIN: ("admin", "Ada Admin"),
    Role.MANAGER: ("manager", "Mara Manager"),
    Role.DISPATCHER: ("dispatcher", "Dirk Dispatcher"),
    Role.GUARD: ("guard", "Gus Guard"),
    Role.CARRIER: ("carrier", "Carla Carrier (Brabant Tank Logistics)"),
}


def _users(s: _Seeder, carriers: dict[str, Carrier]) -> dict[str, User]:
    users: dict[str, User] = {}
    for role, (username, name) in DEMO_USERS.items():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(
                username=username,
                display_name=name,
                role=role,
                carrier=carriers["BRABANT"] if role is Role.CARRIER else None,
            )
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            s.summary.created += 1
        s.summary.users[role.value] = username
        users[username] = user
    return users


def _stations(s: _Seeder, lanes: dict[str, Lane], checkpoints: dict[str, Checkpoint]) -> None:
    for code, name, lane_codes in (
        ("ST-G1", "Main gate station", ("G1-IN", "G1-HAZ", "G1-OUT", "G1-PED")),
        ("ST-G2", "North gate station", ("G2-IN", "G2-OUT", "G2-EMG", "G2-PED")),
        ("ST-ROAD", "Park road cameras", ()),
    ):
        if db.session.scalar(select(Station).where(Station.code == code)) is None:
            station = Station(code=code, name=name, lanes=[lanes[c] for c in lane_codes])
            s.summary.station_tokens[code] = station.issue_token()
            db.session.add(station)
            s.summary.created += 1
            if code == "ST-ROAD":
                db.session.flush()
                for checkpoint in checkpoints.values():
                    checkpoint.station_id = station.id


def seed_demo_park(today: date | None = None) -> DemoSummary:
    """Create whatever of the demo park is missing; commit once at the end."""
    from gatekeeper.services.demo_documents import seed_registrations
    from gatekeeper.services.demo_fleet import seed_bookings, seed_fleet
    from gatekeeper.services.demo_people import seed_people

    load_reference_data()
    seeder = _Seeder(today or utcnow().astimezone(ZoneInfo(DEMO_TIMEZONE)).date())
    layout = _layout(seeder)
    carriers = seed_fleet(seeder, layout["companies"])
    users = _users(seeder, carriers)
    seed_registrations(seeder)
    seed_people(seeder, users)
    _stations(seeder, layout["lanes"], layout["checkpoints"])
    db.session.flush()
    seed_bookings(seeder, users)
    if seeder.summary.created:
        audit.record("demo.seeded", details={"created": seeder.summary.created}, actor="system")
    db.session.commit()
    return seeder.summary
