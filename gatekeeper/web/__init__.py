"""HTTP layer: one folder per area; each view declares who may use it (see access.py)."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from gatekeeper.web.admin import init_admin
    from gatekeeper.web.api import inside as _inside  # noqa: F401  (routes on api_bp)
    from gatekeeper.web.api.routes import bp as api_bp
    from gatekeeper.web.auth.routes import bp as auth_bp
    from gatekeeper.web.blacklist.routes import bp as blacklist_bp
    from gatekeeper.web.carrier.routes import bp as carrier_bp
    from gatekeeper.web.dispatch.routes import bp as dispatch_bp
    from gatekeeper.web.files.routes import bp as files_bp
    from gatekeeper.web.home.routes import bp as home_bp
    from gatekeeper.web.kiosk.routes import bp as kiosk_bp
    from gatekeeper.web.manage.routes import bp as manage_bp
    from gatekeeper.web.park_vehicles.routes import bp as park_vehicles_bp
    from gatekeeper.web.people.routes import bp as people_bp
    from gatekeeper.web.rules.routes import bp as rules_bp
    from gatekeeper.web.staff.routes import bp as staff_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(kiosk_bp)
    app.register_blueprint(carrier_bp)
    app.register_blueprint(dispatch_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(blacklist_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(park_vehicles_bp)
    app.register_blueprint(rules_bp)
    app.register_blueprint(files_bp)
    init_admin(app)
    from gatekeeper.web import errors, labels

    errors.init_app(app)
    labels.init_app(app)
    app.context_processor(_navigation)


def _navigation() -> dict[str, object]:
    """Top-bar links: (endpoint, label, roles that see it)."""
    from flask_babel import get_locale
    from flask_babel import lazy_gettext as _l

    staff = ("admin", "manager")
    return {
        "get_locale": get_locale,
        "nav_links": (
            ("home.lanes", _l("Gates"), ("guard", *staff)),
            ("home.bookings", _l("Bookings"), ("dispatcher", *staff)),
            ("dispatch.holding_page", _l("Holding lot"), ("dispatcher", *staff)),
            ("people.checkin_page", _l("People"), ("guard",)),
            ("manage.dashboard_page", _l("Dashboard"), staff),
            ("home.alerts", _l("Alerts"), staff),
            ("manage.rollcall_page", _l("Roll call"), ("guard", *staff)),
            ("manage.reports_page", _l("Reports"), staff),
            ("staff.index", _l("People"), staff),
            ("blacklist.index", _l("Blacklist"), staff),
            ("people.visits_page", _l("Visitors"), ("dispatcher",)),
            ("home.fleet", _l("Fleet"), ("carrier",)),
            ("carrier.bookings_page", _l("Bookings"), ("carrier",)),
            ("home.notices", _l("Notices"), ("carrier", "dispatcher", *staff)),
            ("admin.index", _l("Admin"), ("admin",)),
        ),
    }
