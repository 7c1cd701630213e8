"""Every Celery task in the code is one the worker knows: a task the worker has not
imported is refused as unregistered, and its job (an act for the prefecture, a timestamp)
is lost."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]

WORKER_REGISTRY = """
import django, json
django.setup()
from council.celery import app
app.loader.import_default_modules()  # what a starting worker does
print(json.dumps(sorted(app.tasks)))
"""


def tasks_in_code() -> set[str]:
    names = set()
    for app in ("council", "sessions", "voting", "streaming"):
        for path in (ROOT / app).rglob("*.py"):
            if "shared_task" not in path.read_text():
                continue
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.FunctionDef):
                    continue
                for deco in node.decorator_list:
                    call = deco if isinstance(deco, ast.Call) else None
                    target = call.func if call else deco
                    if getattr(target, "id", None) != "shared_task":
                        continue
                    given = [k.value for k in (call.keywords if call else []) if k.arg == "name"]
                    names.add(given[0].value if given else f"{module}.{node.name}")
    return names


def test_the_worker_knows_every_task_of_the_code():
    out = subprocess.run(
        [sys.executable, "-c", WORKER_REGISTRY], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    registered = set(json.loads(out.stdout.strip().splitlines()[-1]))
    expected = tasks_in_code()
    assert "sessions.prefecture.transmit_act" in expected
    assert not expected - registered, f"tasks the worker would refuse: {expected - registered}"
