"""``flask`` commands: demo park, reference data, audit verification, workers, scheduler."""

from __future__ import annotations

import logging
import threading
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from gatekeeper import jobs
from gatekeeper.models.auth import Role
from gatekeeper.models.types import utcnow

log = logging.getLogger(__name__)

audit_cli = AppGroup("audit", help="The hash-chained audit log.")
refdata_cli = AppGroup("refdata", help="Reference data (dangerous goods, HIN codes).")
user_cli = AppGroup("user", help="User accounts.")


@user_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--name", "display_name", help="Display name (default: the username).")
@click.option("--carrier", "carrier_code", help="Carrier code (carrier users only).")
@click.password_option(help="Prompted for (twice) when not given.")
def user_create(
    username: str, role: str, display_name: str | None, carrier_code: str | None, password: str
) -> None:
    """Create a user, e.g. the first admin of a new installation."""
    from sqlalchemy import select

    from gatekeeper.extensions import db
    from gatekeeper.models import Carrier, User
    from gatekeeper.services import audit

    if db.session.scalar(select(User).where(User.username == username)) is not None:
        raise click.ClickException(f"user {username!r} exists already")
    carrier = None
    if role == Role.CARRIER:
        carrier = db.session.scalar(select(Carrier).where(Carrier.code == carrier_code))
        if carrier is None:
            raise click.ClickException("a carrier user needs --carrier with an existing code")
    elif carrier_code:
        raise click.ClickException("only carrier users belong to a carrier")
    user = User(
        username=username, display_name=display_name or username, role=Role(role), carrier=carrier
    )
    try:
        user.set_password(password)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", entity_type="user", entity_id=user.id, actor="cli")
    db.session.commit()
    click.echo(f"created {role} {username}")


@refdata_cli.command("load")
def refdata_load() -> None:
    """Load or update the dangerous-goods list and the valid HIN codes."""
    from gatekeeper.services.reference_data import load_reference_data

    result = load_reference_data()
    click.echo(f"reference data: {result.inserted} inserted, {result.updated} updated")


@user_cli.command("token")
@click.argument("username")
@click.option("--name", default="API", show_default=True, help="What the token is for.")
def user_token(username: str, name: str) -> None:
    """Issue an API token for USERNAME and print it once (only its hash is kept)."""
    from sqlalchemy import select

    from gatekeeper.extensions import db
    from gatekeeper.models import User
    from gatekeeper.services.tokens import issue_token

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        raise click.ClickException(f"no active user {username!r}")
    token = issue_token(user, name, actor="cli")
    db.session.commit()
    click.echo(f"API token for {username} (shown once; send it as 'Authorization: Bearer ...'):")
    click.echo(token)


@audit_cli.command("verify")
def audit_verify() -> None:
    """Recompute the chain; exit 1 and name the entries if anything was altered."""
    from gatekeeper.services.audit import verify_chain

    result = verify_chain()
    if result.ok:
        click.echo(f"audit chain intact: {result.entries} entries")
        return
    for chain_break in result.breaks:
        click.echo(f"entry {chain_break.seq}: {chain_break.problem}", err=True)
    raise click.ClickException(f"audit chain broken ({len(result.breaks)} problem(s))")


@audit_cli.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the chain's head now (the scheduler does this every five minutes)."""
    from gatekeeper.services.audit import write_checkpoint

    signed = write_checkpoint()
    click.echo(f"checkpoint signed at entry {signed.seq}" if signed else "head already signed")


@click.command("demo")
def demo() -> None:
    """Seed the demo park (idempotent) and print the demo logins."""
    from gatekeeper.services.demo import DEMO_PASSWORD, seed_demo_park

    summary = seed_demo_park()
    click.echo(f"demo park ready: {summary}")
    click.echo(f"demo logins (password for all: {DEMO_PASSWORD}):")
    for role, username in summary.users.items():
        click.echo(f"  {role:<10} {username}")
    for code, token in summary.station_tokens.items():
        click.echo(f"station {code} token (shown once): {token}")


@click.group("simulate")
def simulate_cli() -> None:
    """Replay park traffic through the real services (demos, the dashboard's tests)."""


@simulate_cli.command("day")
@click.option(
    "--speed",
    default=3600.0,
    show_default=True,
    help="Simulated seconds per real second (0: as fast as possible).",
)
@click.option("--until-now", is_flag=True, help="Stop at the current time.")
@click.option("--quiet", is_flag=True, help="Print only the summary.")
def simulate_day(speed: float, until_now: bool, quiet: bool) -> None:
    """Today's approved bookings arrive, pass their checkpoints, unload and leave; staff
    badge in and out; one truck strays and one speeds. Run `flask demo` first."""
    from gatekeeper.simulate import run_day

    def say(line: str) -> None:
        if not quiet:
            click.echo(line)

    tally = run_day(speed, utcnow() if until_now else None, say)
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(tally.by_kind.items()))
    click.echo(f"simulated {tally.events} events ({kinds}); {tally.skipped} after now skipped")


@click.command("worker")
@click.option("--queues", "-q", default=",".join(jobs.QUEUES), show_default=True)
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option(
    "--ocr-threads",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Threads one reading uses: run one worker per core, each with one thread.",
)
@click.option(
    "--warm/--no-warm",
    default=True,
    show_default=True,
    help="Load the OCR models in the background at start (with the ocr queue), not in "
    "the first job.",
)
def worker(queues: str, burst: bool, ocr_threads: int, warm: bool) -> None:
    """Run an RQ worker in this app's context (needs GATEKEEPER_REDIS_URL).

    It is a SimpleWorker: jobs run in this process, so what a job loads once (the OCR
    model) stays loaded for the next one. Run several workers for parallelism. A running
    job's heartbeat shows the worker alive (see gatekeeper.worker).
    """
    from gatekeeper.worker import HeartbeatWorker

    layer = jobs.queues()
    if layer.embedded:
        raise click.ClickException(
            "no GATEKEEPER_REDIS_URL: in embedded mode jobs run in-process, no worker needed"
        )
    from gatekeeper.vision.threads import use_threads

    use_threads(ocr_threads)
    names = [name.strip() for name in queues.split(",") if name.strip()]
    unknown = sorted(set(names) - set(jobs.QUEUES))
    if unknown:
        raise click.ClickException(f"unknown queue(s): {', '.join(unknown)}")
    if warm and "ocr" in names:
        from gatekeeper.vision.warm import warm_up_in_background

        warm_up_in_background()
    worker_ = HeartbeatWorker([layer.queue(name) for name in names], connection=layer.connection)
    worker_.work(burst=burst, with_scheduler=True)


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run every periodic job once and stop.")
def scheduler(once: bool) -> None:
    """Run the periodic jobs of jobs/schedule.py (RQ cron with Redis, a timer without)."""
    from gatekeeper.jobs.schedule import SCHEDULE

    layer = jobs.queues()
    if once:
        for periodic in SCHEDULE:
            job = layer.enqueue(periodic.func)
            click.echo(f"{periodic.id}: {job.get_status().value}, result {job.return_value()}")
        return
    if not layer.embedded:
        from rq.cron import CronScheduler

        cron = CronScheduler(connection=layer.connection)
        for periodic in SCHEDULE:
            spec = periodic.func.job_spec  # type: ignore[attr-defined]
            cron.register(
                periodic.func,
                spec.queue,
                interval=periodic.interval(current_app.config),
                name=periodic.id,
            )
        cron.start()
        return
    run_embedded_schedule(current_app._get_current_object(), threading.Event())  # type: ignore[attr-defined]


def run_embedded_schedule(app: Flask, stop: threading.Event) -> None:
    """Embedded mode: run each periodic job in this process on its interval until stopped."""
    from gatekeeper.jobs.schedule import SCHEDULE

    due = dict.fromkeys((periodic.id for periodic in SCHEDULE), 0.0)
    while not stop.is_set():
        now = time.monotonic()
        for periodic in SCHEDULE:
            if due[periodic.id] <= now:
                with app.app_context():
                    try:
                        jobs.enqueue(periodic.func)
                    except Exception:  # logged by the job layer; keep the schedule going
                        log.exception("periodic job %s failed", periodic.id)
                due[periodic.id] = now + periodic.interval(app.config)
        stop.wait(max(0.5, min(due.values()) - time.monotonic()))


def init_app(app: Flask) -> None:
    from gatekeeper.cli_ocr import ocr_cli

    for command in (
        audit_cli,
        refdata_cli,
        user_cli,
        ocr_cli,
        demo,
        simulate_cli,
        worker,
        scheduler,
    ):
        app.cli.add_command(command)
