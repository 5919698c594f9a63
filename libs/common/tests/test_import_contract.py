"""The import contract (/.importlinter): the cores — authgate_common.core and every
service's domain — import no transport, database, cache or metrics library. Run by
import-linter, so `make test` fails with its message naming the offending chain."""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[3]


def test_the_cores_stay_pure() -> None:
    linter = pathlib.Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [str(linter), str(ROOT / ".importlinter"), "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
