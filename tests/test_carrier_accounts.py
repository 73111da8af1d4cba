"""Carrier accounts: a company applies on the public sign-up page (registration number
checked), a park admin approves or rejects it, the applicant signs in once approved, and an
approved carrier invites its own users with a one-time link."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from gatekeeper.extensions import db
from gatekeeper.models import AuditEntry, Carrier, CarrierStatus, Role, User
from gatekeeper.services.carriers import uscc_valid
from gatekeeper.services.clock import park_today
from tests.conftest import csrf_token_from, login_as
from tests.factories import PASSWORD, make_user

HUAWEI = "914403001922038216"  # a real unified social credit code (public record)
PASSWORD_TYPED = "a long password"


def test_the_unified_social_credit_code_check_character() -> None:
    assert uscc_valid(HUAWEI)
    assert not uscc_valid("914403001922038217")  # check character off by one
    assert not uscc_valid("91440300192203821")  # 17 characters
    assert not uscc_valid("9144030019220382IO")  # I and O are not in its alphabet


def _application(browser: Any, **changes: str) -> dict[str, str]:
    token = csrf_token_from(browser.get("/carriers/apply").get_data(as_text=True))
    form = {
        "csrf_token": token,
        "name": "Suzhou Anda Hazmat Logistics",
        "country": "cn",
        "registration_number": "9144 0300 1922 0382 16",
        "licence_number": "苏交运管许可苏字320500001234号",
        "licence_expiry": (park_today() + timedelta(days=700)).isoformat(),
        "contact_name": "Zhang Wei",
        "email": "zhang.wei@anda.example",
        "phone": "+86 512 6666 0000",
        "username": "anda.zhang",
        "password": "a long password",
        "confirm": "a long password",
    }
    form.update(changes)
    return form


def _sign_in(app: Flask, username: str, password: str = PASSWORD_TYPED) -> Any:
    browser = app.test_client()
    token = csrf_token_from(browser.get("/login").get_data(as_text=True))
    response = browser.post(
        "/login",
        data={"csrf_token": token, "username": username, "password": password},
        follow_redirects=True,
    )
    return browser, response.get_data(as_text=True)


def test_a_carrier_applies_is_approved_and_signs_in(app: Flask, session: Any) -> None:
    browser = app.test_client()
    assert "/carriers/apply" in browser.get("/login").get_data(as_text=True)
    response = browser.post("/carriers/apply", data=_application(browser))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Application received" in response.get_data(as_text=True)
    carrier = db.session.scalar(select(Carrier).where(Carrier.registration_number == HUAWEI))
    assert carrier.status is CarrierStatus.APPLIED and carrier.country == "CN"
    applicant = db.session.scalar(select(User).where(User.username == "anda.zhang"))
    assert applicant.role is Role.CARRIER and not applicant.active

    # Before the approval: the right password says why; a wrong one says nothing more.
    _, page = _sign_in(app, "anda.zhang")
    assert "waiting for the park" in page
    _, page = _sign_in(app, "anda.zhang", "wrong password")
    assert "waiting" not in page and "Wrong username or password" in page

    admin = login_as(app.test_client(), make_user(Role.ADMIN))
    listing = admin.get("/manage/carriers").get_data(as_text=True)
    assert f'id="carrier-{carrier.id}"' in listing and HUAWEI in listing
    token = csrf_token_from(listing)
    admin.post(f"/manage/carriers/{carrier.id}/approve", data={"csrf_token": token})
    db.session.refresh(carrier)
    db.session.refresh(applicant)
    assert carrier.status is CarrierStatus.APPROVED and applicant.active
    browser, page = _sign_in(app, "anda.zhang")
    assert "Suzhou Anda Hazmat Logistics" in page and "/carrier/fleet" in page
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"carrier.applied", "carrier.reviewed"} <= actions


def test_a_rejected_application_tells_the_reason(app: Flask, session: Any) -> None:
    browser = app.test_client()
    browser.post("/carriers/apply", data=_application(browser))
    carrier = db.session.scalar(select(Carrier).where(Carrier.registration_number == HUAWEI))
    admin = login_as(app.test_client(), make_user(Role.ADMIN))
    token = csrf_token_from(admin.get("/manage/carriers").get_data(as_text=True))
    refused = admin.post(
        f"/manage/carriers/{carrier.id}/reject",
        data={"csrf_token": token, "comment": ""},
        follow_redirects=True,
    )
    assert "say why it is rejected" in refused.get_data(as_text=True)
    admin.post(
        f"/manage/carriers/{carrier.id}/reject",
        data={"csrf_token": token, "comment": "licence copy unreadable"},
    )
    _, page = _sign_in(app, "anda.zhang")
    assert "licence copy unreadable" in page


def test_a_bad_application_is_explained_beside_each_field(app: Flask, session: Any) -> None:
    browser = app.test_client()
    bad = _application(
        browser,
        registration_number="914403001922038217",
        licence_expiry="2020-01-01",
        email="not an address",
        confirm="another password",
    )
    response = browser.post("/carriers/apply", data=bad)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    # The form's own checks come first; the park's checks after them.
    for field, message in (("email", "an e-mail address"), ("confirm", "passwords differ")):
        assert message in page.split(f'for="{field}"', 1)[1].split("</label>", 1)[0]
    assert 'value="Suzhou Anda Hazmat Logistics"' in page  # nothing typed is lost
    fixed = _application(
        browser, registration_number="914403001922038217", licence_expiry="2020-01-01"
    )
    page = browser.post("/carriers/apply", data=fixed).get_data(as_text=True)
    for field, message in (
        ("registration_number", "unified social credit code"),
        ("licence_expiry", "already expired"),
    ):
        assert message in page.split(f'for="{field}"', 1)[1].split("</label>", 1)[0]
    assert db.session.scalar(select(func.count()).select_from(Carrier)) == 0


def test_a_company_or_a_username_applies_once(app: Flask, session: Any) -> None:
    make_user(Role.GUARD, username="taken")
    browser = app.test_client()
    assert browser.post("/carriers/apply", data=_application(browser)).status_code == 200
    again = browser.post("/carriers/apply", data=_application(browser, username="Taken")).get_data(
        as_text=True
    )
    assert "has an account or an application already" in again
    assert "this username is taken" in again


def test_an_approved_carrier_invites_a_colleague(app: Flask, session: Any) -> None:
    owner = make_user(Role.CARRIER)
    browser = login_as(app.test_client(), owner)
    page = browser.get("/carrier/users").get_data(as_text=True)
    assert owner.username in page
    response = browser.post(
        "/carrier/users",
        data={
            "csrf_token": csrf_token_from(page),
            "display_name": "Li Na",
            "email": "li.na@example.com",
            "username": "li.na",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="invitation-link"' in page
    link = page.split('id="invitation-link"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    path = link.split("localhost", 1)[1]
    invited = db.session.scalar(select(User).where(User.username == "li.na"))
    assert invited.carrier_id == owner.carrier_id and not invited.active
    # The invitee sets a password once; the link then stops working.
    visitor = app.test_client()
    token = csrf_token_from(visitor.get(path).get_data(as_text=True))
    short = visitor.post(path, data={"csrf_token": token, "password": "short", "confirm": "short"})
    assert short.status_code == 400 and "at least 10 characters" in short.get_data(as_text=True)
    visitor.post(
        path,
        data={"csrf_token": token, "password": "li na's password", "confirm": "li na's password"},
    )
    db.session.refresh(invited)
    assert invited.active and invited.check_password("li na's password")
    assert visitor.get(path).status_code == 404
    _, home = _sign_in(app, "li.na", "li na's password")
    assert "/carrier/fleet" in home


def test_a_forged_invitation_is_refused(app: Flask, session: Any) -> None:
    assert app.test_client().get("/invitation/not-a-token").status_code == 404
    # A signed-in user's own id in a forged token does not help without the key.
    user = make_user(Role.CARRIER)
    assert user.check_password(PASSWORD)
    assert app.test_client().get(f"/invitation/{user.id}.x.y").status_code == 404


def test_only_admins_decide_on_applications(as_role: Any, session: Any) -> None:
    for role in (Role.MANAGER, Role.CARRIER, Role.GUARD):
        assert as_role(role).get("/manage/carriers").status_code == 403


def test_a_carrier_keeps_its_company_details_up_to_date(app: Flask, session: Any) -> None:
    user = make_user(Role.CARRIER)
    browser = login_as(app.test_client(), user)
    page = browser.get("/carrier/company").get_data(as_text=True)
    form = {
        "csrf_token": csrf_token_from(page),
        "contact_name": "Mei Lin",
        "contact_email": "dispatch@carrier.example",
        "contact_phone": "+86 21 5555 0000",
        "licence_number": "沪交运管许可沪字310000004321号",
        "licence_expiry": "2020-05-01",
    }
    refused = browser.post("/carrier/company", data=form)
    assert refused.status_code == 400
    label = refused.get_data(as_text=True).split('for="licence_expiry"', 1)[1]
    assert "already expired" in label.split("</label>", 1)[0]
    form["licence_expiry"] = (park_today() + timedelta(days=365)).isoformat()
    browser.post("/carrier/company", data=form)
    db.session.refresh(user.carrier)
    assert user.carrier.contact_name == "Mei Lin" and user.carrier.licence_number.endswith("号")
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "carrier.company_changed")
    )
