"""The WSGI module gunicorn loads in each worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_loaded_app_is_frozen_out_of_full_collections(tmp_path: Path) -> None:
    # A full collection walks every tracked object; with the app's ~250k it stalled a worker's requests ~250 ms.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "GROUPBUY_", "DATABASE_URL"))}
    env.update(LINE_CHANNEL_SECRET="s" * 32, LINE_CHANNEL_ACCESS_TOKEN="t", DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
               LINE_API_BASE_URL="http://127.0.0.1:9")
    probe = "import gc, bot.wsgi; print(gc.get_freeze_count(), len(gc.get_objects()))"
    out = subprocess.run([sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    frozen, collected = map(int, out.stdout.split())
    assert frozen > 50_000  # the app, its libraries and their caches
    assert collected < frozen / 10  # what a full collection still walks
