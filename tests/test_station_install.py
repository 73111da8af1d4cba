"""A gate station installs without the OCR stack and without the web service: the agent's
own requirements (requirements-station.txt, a few hundred MB: 261 MB measured in a fresh
virtualenv, against 6.3 GB for the whole service) cover everything it imports."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Import names of the station's third-party packages, as their distributions are named.
DISTRIBUTIONS = {"cv2": "opencv-python-headless", "numpy": "numpy", "pydantic": "pydantic"}
FORBIDDEN = ("torch", "torchvision", "easyocr", "onnxruntime", "flask", "sqlalchemy", "gatekeeper")


def _pins(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            package, version = line.split("==")
            pins[package.strip().lower().replace("_", "-")] = version.strip()
    return pins


def _third_party_imports() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "camera_adapters").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names} - {"camera_adapters"}


def test_the_station_requirements_cover_what_the_agent_imports() -> None:
    station = _pins("requirements-station.txt")
    imported = _third_party_imports()
    assert imported <= set(DISTRIBUTIONS), imported - set(DISTRIBUTIONS)
    assert {DISTRIBUTIONS[name] for name in imported} <= set(station)
    service = _pins("requirements.txt")
    assert {k: service[k] for k in station} == station  # the same versions as the service


def test_the_agent_runs_without_the_ocr_stack_or_the_web_service() -> None:
    blocker = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        f"        if name.split('.')[0] in {FORBIDDEN!r}:\n"
        "            raise ImportError('a station does not install ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "sys.argv = ['agent', '--help']\n"
        "import runpy\n"
        "runpy.run_module('camera_adapters.agent', run_name='__main__')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", blocker], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "--server" in done.stdout and "--lane" in done.stdout
