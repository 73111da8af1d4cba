"""``flask ocr``: read images from the command line, and the accuracy benchmark."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

ocr_cli = AppGroup("ocr", help="Licence-plate and hazard-plate reading.")

_formats_option = click.option(
    "--formats",
    default=None,
    help="Plate formats to try, comma-separated (e.g. EU,CN or US or BR); default: the park's.",
)


def _config(formats: str | None, hazard: bool = True) -> object:
    from gatekeeper.services.park import park_settings
    from gatekeeper.vision.formats import formats_for
    from gatekeeper.vision.pipeline import PipelineConfig

    codes = tuple(f.strip().upper() for f in formats.split(",")) if formats else None
    if not codes:
        try:
            codes = tuple(park_settings().plate_formats)
        except SQLAlchemyError:
            # Reading images needs no database: before `flask db upgrade`, use the
            # default formats.
            from gatekeeper.extensions import db
            from gatekeeper.models import Park

            db.session.rollback()
            codes = tuple(Park.with_defaults().plate_formats)
    try:
        formats_for(codes)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--formats") from exc
    return PipelineConfig(formats=codes, read_hazard=hazard)


@ocr_cli.command("read")
@click.argument("images", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option(
    "--fuse", is_flag=True, help="The images show one vehicle: fuse them into one reading."
)
@_formats_option
def ocr_read(images: tuple[Path, ...], as_json: bool, fuse: bool, formats: str | None) -> None:
    """Read the plate (and orange plate) of each IMAGE."""
    from gatekeeper.vision.pipeline import read_vehicle

    config = _config(formats)
    batches = [list(images)] if fuse else [[image] for image in images]
    failed = False
    for batch in batches:
        data = []
        for path in batch:
            try:
                data.append(path.read_bytes())
            except OSError as exc:
                data.append(b"")
                click.echo(f"{path}: {exc.strerror}", err=True)
        result = read_vehicle(data, config)  # type: ignore[arg-type]
        failed |= result.error is not None
        payload = {"images": [str(p) for p in batch], **result.to_dict()}
        if as_json:
            click.echo(json.dumps(payload, ensure_ascii=False))
        else:
            hazard = result.hazard
            orange = (
                f"  orange {hazard.hin}/{hazard.un} ({hazard.confidence:.2f})" if hazard else ""
            )
            problem = f"  error: {result.error}" if result.error else ""
            millis = result.timings_ms.get("total", 0)
            click.echo(
                f"{', '.join(payload['images'])}: {result.plate or '-'} "
                f"({result.confidence:.2f}){orange}  {millis:.0f} ms{problem}"
            )
    if failed:
        raise SystemExit(1)


@ocr_cli.command("bench")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@_formats_option
@click.option("--limit", type=int, default=None, help="Only the first N images.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON here too."
)
def ocr_bench(folder: Path, formats: str | None, limit: int | None, out: Path | None) -> None:
    """Benchmark on FOLDER/labels.csv: exact top-1, within candidates, median/p95 ms."""
    from gatekeeper.vision.bench import run_benchmark

    report = run_benchmark(folder, _config(formats), limit)  # type: ignore[arg-type]
    text = json.dumps(report, indent=2, ensure_ascii=False)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
    summary = {k: v for k, v in report.items() if k != "failures"}
    click.echo(json.dumps(summary, indent=2))


@ocr_cli.command("bench-hazard")
@click.argument("photos", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--count", type=int, default=200, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--generator",
    type=click.Choice(["1", "2"]),
    default="1",
    show_default=True,
    help="1: the generator the reader was developed with; 2: the second, independent one.",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON here too."
)
def ocr_bench_hazard(photos: Path, count: int, seed: int, generator: str, out: Path | None) -> None:
    """Orange-plate benchmark: generated plates composited onto the photos in PHOTOS."""
    from gatekeeper.vision.bench import run_hazard_benchmark

    backgrounds = sorted(p for p in photos.iterdir() if p.suffix.lower() in {".jpg", ".png"})
    if not backgrounds:
        raise click.BadParameter("no .jpg or .png photos", param_hint="PHOTOS")
    report = run_hazard_benchmark(backgrounds, count, seed, int(generator))
    text = json.dumps(report, indent=2)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
    click.echo(json.dumps({k: v for k, v in report.items() if k != "failures"}, indent=2))


@ocr_cli.command("bench-cn")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option(
    "--peers",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The peers' reads of the same images (bench/peers_cn.py), shown beside ours.",
)
@click.option("--no-hazard", is_flag=True, help="Leave the orange-plate search out of the time.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON here (and .md)."
)
def ocr_bench_cn(folder: Path, peers: Path | None, no_hazard: bool, out: Path | None) -> None:
    """Chinese plates: exact with province and on the Latin part, colour, median/p95 ms;
    crops and scenes apart; the peers beside Gatekeeper."""
    from gatekeeper.vision.bench import markdown_table, run_cn_benchmark
    from gatekeeper.vision.pipeline import PipelineConfig

    peer_reads = json.loads(peers.read_text(encoding="utf-8")) if peers else None
    config = PipelineConfig(formats=("CN",), read_hazard=not no_hazard)
    report = run_cn_benchmark(folder, config, peer_reads)
    table = markdown_table(report)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
        out.with_suffix(".md").write_text(table, encoding="utf-8")
    click.echo(table)


# Published peer figures on the shared sets (../shared/data/README.md): OpenALPR 2.3,
# exact top-1 and its own processing median.
OPENALPR = {"us": (0.509, 430.0), "br": (0.421, 227.0)}


@ocr_cli.command("bench-summary")
@click.argument("folder", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--tanker", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def ocr_bench_summary(folder: Path, tanker: Path | None) -> None:
    """One Markdown table of every benchmark in FOLDER (bench-results/summary.md)."""
    lines = [
        "| set | reader | images | exact | median ms | p95 ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    cn_report = folder / "cn.json"
    if cn_report.exists():
        report = json.loads(cn_report.read_text(encoding="utf-8"))
        for group in ("crops", "scenes", "all", "yellow"):
            for reader in ("gatekeeper", "hyperlpr", "ppocr"):
                s = report.get(group, {}).get(reader)
                if s:
                    lines.append(
                        f"| cn {group} (with province) | {reader} | {s['images']} | "
                        f"{s['exact_with_province']:.1%} | {s['median_ms']} | {s['p95_ms']} |"
                    )
    for name in ("us", "br"):
        path = folder / f"{name}.json"
        if path.exists():
            r = json.loads(path.read_text(encoding="utf-8"))
            lines.append(
                f"| {name} | gatekeeper | {r['images']} | {r['exact_top1']:.1%} | "
                f"{r['median_ms']} | {r['p95_ms']} |"
            )
            exact, median = OPENALPR[name]
            lines.append(
                f"| {name} | OpenALPR 2.3 (published) | {r['images']} | {exact:.1%} "
                f"| {median} | — |"
            )
    for name, label in (
        ("hazard.json", "orange plates, generator 1"),
        ("hazard-gen2.json", "orange plates, generator 2"),
    ):
        path = folder / name
        if path.exists():
            r = json.loads(path.read_text(encoding="utf-8"))
            lines.append(
                f"| {label} | gatekeeper | {r['images']} | {r['exact_both']:.1%} | "
                f"{r['median_ms']} | {r['p95_ms']} |"
            )
    if tanker is not None:
        from gatekeeper.vision import PipelineConfig, read_vehicle

        started = time.perf_counter()
        result = read_vehicle([tanker.read_bytes()], PipelineConfig(formats=("EU",)))
        millis = round((time.perf_counter() - started) * 1000, 1)
        got = (result.hazard.hin, result.hazard.un) if result.hazard else (None, None)
        right = "100.0%" if got == ("225", "1073") else "0.0%"
        lines.append(
            f"| tanker photo (225/1073) | gatekeeper | 1 | {right} | {millis} (cold) | — |"
        )
    table = "\n".join(lines) + "\n"
    (folder / "summary.md").write_text(table, encoding="utf-8")
    click.echo(table)
