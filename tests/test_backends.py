"""Two test runs on one machine use separate Redis databases (and PostgreSQL databases)."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import urlsplit

from tests.conftest import REDIS_URL
from tests.live import ROOT


def test_a_second_run_takes_another_redis_database_than_this_one() -> None:
    other = subprocess.run(
        [
            sys.executable,
            "-c",
            "from tests.backends import private_redis_url, redis_server_url;"
            "print(private_redis_url(redis_server_url()))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours, theirs = urlsplit(REDIS_URL), urlsplit(other)
    assert theirs.netloc == ours.netloc and theirs.path != ours.path


def test_this_run_has_a_database_of_its_own(database_url: str) -> None:
    import os

    server = os.environ.get("GK_TEST_DATABASE_URL")
    if server is None:
        assert database_url.startswith("sqlite:///")  # a new file in this run's folder
    else:
        assert urlsplit(database_url).path.startswith("/gk_test_")
        assert urlsplit(database_url).path != urlsplit(server).path
