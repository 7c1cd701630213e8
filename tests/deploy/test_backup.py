"""Backups (deploy/backup, deploy/README.md "Backups"): a server holding the demo, a sitting
closed after a public and a secret vote, its published acts, papers, a replay, a recording
and its HLS, is backed up by the shipped unit's ExecStart, then restored into a new empty
database and empty directories: `manage.py verify_votes` says the vote log is intact,
every published act (and convocation, paper, replay) matches its SHA-256, the rows and the
files are the ones backed up. A backup with one byte changed is refused before anything is
written; a database that is not empty is refused."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.deploy import shipped
from tests.deploy.conftest import create_database, with_database

ROOT = shipped.ROOT
BACKUP_UNIT = ROOT / "deploy" / "systemd" / "seance-backup.service"
RESTORE = ROOT / "deploy" / "backup" / "seance-restore"
PYTHON = ROOT / ".venv" / "bin" / "python"

pytestmark = pytest.mark.timeout(900)

# A sitting of its own beside the demo, through the services: papers uploaded, convened,
# an electronic public vote and a secret ballot closed, the sitting closed and its
# deliberations published; then what the broadcast leaves on disk, made by real ffmpeg: the
# replay (a READY row and its MP4), a recording part, the public HLS and a camera preview.
SCENARIO = """
import hashlib, json, subprocess
from django.utils import timezone
from sessions import services as sittings
from sessions.minutes import services as minutes
from streaming.hls import hls_dir, preview_dir, recording_dir
from streaming.models import Replay
from streaming.replay import ffmpeg, replay_file
from tests import factories as f
from voting import services as voting

a = f.assembly(members=7, population=1_000, name="Commune sauvegardée")
clerk = f.staff(a)
s = f.sitting(a, clerk=clerk, items=2, notes=True)
sittings.convocation_send(sitting=s, user=clerk)
people = list(a.members.order_by("id"))
f.arrive(s, people)
sittings.secretary_name(sitting=s, member=people[1], user=None)
sittings.sitting_open(sitting=s, user=None, open_anyway=True, reason="essai")
public, secret = s.items.order_by("position", "id")
sittings.item_take_up(sitting=s, item=public, user=None)
vote = voting.vote_open(item=public, kind="electronic", user=None)
for i, m in enumerate(people):
    voting.ballot_cast(vote=vote, voter=m, choice="against" if i == 3 else "for",
                       client_id=f"pub-{vote.id}-{m.id}")
voting.vote_close(vote=vote, user=None, confirm=True)
sittings.item_take_up(sitting=s, item=secret, user=None)
vote = voting.vote_open(item=secret, kind="secret", user=None,
                        requests={"secret": [m.id for m in people[:3]]})
for i, m in enumerate(people):
    voting.ballot_cast(vote=vote, voter=m, choice="for" if i % 3 else "abstain",
                       client_id=f"sec-{vote.id}-{m.id}")
voting.vote_close(vote=vote, user=None, confirm=True)
s = sittings.sitting_close(sitting=s, user=clerk)
minutes.deliberations_publish(sitting=s, user=clerk)

def media(out, *args):
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([ffmpeg(), "-v", "error", "-y",
                    "-f", "lavfi", "-i", "testsrc=size=160x90:rate=10:duration=2",
                    "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
                    "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", *args, str(out)],
                   check=True)

media(recording_dir(s.id) / "part-0001.ts", "-f", "mpegts")
media(hls_dir(s.id) / "index.m3u8", "-f", "hls", "-hls_time", "1",
      "-hls_segment_type", "fmp4", "-hls_playlist_type", "vod")
media(preview_dir(s.id) / "cam-1.mp4")
tmp = recording_dir(s.id).parent / "replay.mp4"
media(tmp, "-movflags", "+faststart")
data = tmp.read_bytes()
replay = Replay.objects.create(sitting=s, state=Replay.State.READY, duration=2.0,
                               size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                               made_at=timezone.now())
replay_file(replay).parent.mkdir(parents=True, exist_ok=True)
tmp.replace(replay_file(replay))
print(json.dumps({"sitting": s.id}))
"""

# What the database holds, to compare the restored server with the one backed up.
SNAPSHOT = """
import json
from django.apps import apps
from sessions.models import Publication
from voting.models import ChainHead

labels = ("auth", "council", "sittings", "voting", "streaming", "authtoken")
counts = {m._meta.label: m._default_manager.count() for m in apps.get_models()
          if m._meta.app_label in labels}
print(json.dumps({
    "counts": counts,
    "chain_head": ChainHead.objects.values_list("last_hash", flat=True).first(),
    "acts": sorted([p.document.name, p.sha256] for p in Publication.objects.all()),
}))
"""


def write_server(folder: Path, database_url: str) -> Path:
    """An environment file as deploy/production.env.example has it, for a server whose
    state lives under `folder`; returns its path."""
    var = folder / "var"
    lines = {
        "DJANGO_SETTINGS_MODULE": "council.settings",
        "SECRET_KEY": "backup-test-secret-key-not-for-production",
        # Kept with the env file, not in the backup: the restored log verifies with it.
        "SEANCE_VOTE_LOG_KEY": "backup-test-vote-log-key-not-for-production",
        "DATABASE_URL": database_url,
        "SEANCE_VAR_DIR": str(var),
        "STATIC_ROOT": str(var / "static"),
        "MEDIA_ROOT": str(var / "media"),
        "SEANCE_HLS_DIR": str(var / "hls"),
        "SEANCE_RECORDING_DIR": str(var / "recordings"),
    }
    folder.mkdir(parents=True, exist_ok=True)
    env_file = folder / "seance.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in lines.items()))
    return env_file


def run(env_file: Path, argv: list[str], check: bool = True) -> subprocess.CompletedProcess:
    """A command as the server's units run it: the env file and nothing of ours."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"),
           "LANG": "C.UTF-8", **shipped.read_env_file(env_file)}  # fmt: skip
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if check:
        assert done.returncode == 0, (
            f"{argv} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
    return done


def manage(env_file: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return run(env_file, [str(PYTHON), "manage.py", *args], check=check)


def snapshot(env_file: Path) -> dict:
    return json.loads(manage(env_file, "shell", "-c", SNAPSHOT).stdout.strip().splitlines()[-1])


def trees(env_file: Path) -> dict[str, str]:
    """Every file of the server's media, recordings and HLS folders with its SHA-256."""
    env = shipped.read_env_file(env_file)
    found = {}
    for key in ("MEDIA_ROOT", "SEANCE_RECORDING_DIR", "SEANCE_HLS_DIR"):
        root = Path(env[key])
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            found[f"{key}/{path.relative_to(root)}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def backup_argv(env_file: Path, destination: Path) -> list[str]:
    """seance-backup.service's ExecStart as written, with the test's prefix and paths."""
    return shipped.exec_argv(
        BACKUP_UNIT,
        {"/opt/seance": str(ROOT), "/etc/seance/seance.env": str(env_file),
         "/var/backups/seance": str(destination)},
        {},
    )  # fmt: skip


def tables(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN "
            "('pg_catalog', 'information_schema')"
        ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture(scope="module")
def databases(postgres_url):
    """Empty databases on the tests' PostgreSQL server, named after its test database."""
    base = urlsplit(postgres_url).path.lstrip("/")
    made: list[str] = []

    def new(suffix: str) -> str:
        made.append(f"{base}_{suffix}")
        return create_database(postgres_url, made[-1])

    yield new
    import psycopg

    with psycopg.connect(with_database(postgres_url, "postgres"), autocommit=True) as conn:
        for name in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def source(tmp_path_factory, databases):
    """The server backed up: the demo, the scenario; three backups by the unit's ExecStart
    (the third with the unit's --keep, so the oldest beyond it goes)."""
    folder = tmp_path_factory.mktemp("source")
    env_file = write_server(folder, databases("backup_source"))
    manage(env_file, "migrate", "-v", "0")
    manage(env_file, "seance_demo", "--no-replay")  # not the heard replay: its transcription
    sitting = json.loads(manage(env_file, "shell", "-c", SCENARIO).stdout.strip().splitlines()[-1])
    destination = folder / "backups"
    argv = backup_argv(env_file, destination)
    assert "--keep" in argv
    keep = int(argv[argv.index("--keep") + 1])
    plain = [a for i, a in enumerate(argv) if a != "--keep" and argv[i - 1] != "--keep"]
    outputs = [run(env_file, plain).stdout]
    outputs.append(run(env_file, plain).stdout)
    backups_before = sorted(destination.iterdir())  # two: "X" and "X-2" sort right too
    return {
        "env": env_file,
        "sitting": sitting["sitting"],
        "destination": destination,
        "argv": argv,
        "keep": keep,
        "plain": plain,
        "first_two": backups_before,
        "outputs": outputs,
        "snapshot": snapshot(env_file),
        "trees": trees(env_file),
    }


def latest(destination: Path) -> Path:
    stamped = [p for p in destination.iterdir() if p.name.startswith("seance-")]
    return sorted(
        stamped, key=lambda p: (p.name.partition("Z-")[0], int(p.name.partition("Z-")[2] or 1))
    )[-1]


def test_the_source_holds_what_a_backup_must_carry(source):
    counts = source["snapshot"]["counts"]
    assert counts["voting.SecretBallot"] > 0 and counts["voting.Ballot"] > 0
    assert counts["sittings.Publication"] >= 6  # the demo's and the scenario's acts
    assert counts["streaming.Replay"] == 1
    files = source["trees"]
    sitting = source["sitting"]
    assert any(k.startswith("MEDIA_ROOT/published/") for k in files)
    assert any(k.startswith("MEDIA_ROOT/documents/") for k in files)
    assert any(k.startswith(f"MEDIA_ROOT/replays/{sitting}/replay-") for k in files)
    assert f"SEANCE_RECORDING_DIR/{sitting}/recording/part-0001.ts" in files
    assert f"SEANCE_HLS_DIR/{sitting}/index.m3u8" in files
    assert "Backup written:" in source["outputs"][0]


def test_a_backup_restored_into_an_empty_server_is_whole(source, databases, tmp_path):
    backup = latest(source["destination"])
    sums = (backup / "SHA256SUMS").read_text()
    assert " database.dump\n" in sums and " backup.json\n" in sums
    target_url = databases("restored")
    target = write_server(tmp_path / "restored", target_url)
    assert tables(target_url) == 0

    done = run(target, [str(RESTORE), "--env-file", str(target), str(backup)])
    print(done.stdout)
    assert "Vote log intact" in done.stdout and "Stored files intact" in done.stdout

    votes = manage(target, "verify_votes")
    assert votes.stdout.startswith("Vote log intact:"), votes.stdout
    acts = manage(target, "verify_acts")
    print(votes.stdout, acts.stdout)
    assert "Stored files intact:" in acts.stdout and " 0 published acts" not in acts.stdout
    assert snapshot(target) == source["snapshot"]
    previews = {k for k in source["trees"] if "/preview/" in k}
    assert previews, "the scenario left a camera preview"
    assert trees(target) == {k: v for k, v in source["trees"].items() if k not in previews}

    # The check is real: one byte of a restored act and verify_acts names it.
    act = Path(shipped.read_env_file(target)["MEDIA_ROOT"]) / source["snapshot"]["acts"][0][0]
    data = bytearray(act.read_bytes())
    data[len(data) // 2] ^= 0x01
    act.write_bytes(bytes(data))
    broken = manage(target, "verify_acts", check=False)
    assert broken.returncode != 0
    assert act.name in broken.stderr and "SHA-256" in broken.stderr, broken.stderr


def test_unchanged_files_are_hard_links_and_old_backups_are_pruned(source):
    first, second = source["first_two"]
    published = sorted((first / "files" / "media" / "published").rglob("*.pdf"))
    assert published
    for path in published:
        again = second / path.relative_to(first)
        assert again.stat().st_ino == path.stat().st_ino, f"{again} copied, not linked"
    assert (first / "database.dump").stat().st_ino != (second / "database.dump").stat().st_ino

    for _ in range(source["keep"]):
        run(source["env"], source["argv"])
    kept = sorted(p.name for p in source["destination"].iterdir())
    assert len(kept) == source["keep"] and first.name not in kept and second.name not in kept
    assert not [n for n in kept if n.startswith(".")], "a partial backup was left behind"


@pytest.mark.parametrize("victim", ["published act", "database dump"])
def test_a_tampered_backup_is_refused_before_anything_is_written(
    source, databases, tmp_path, victim
):
    backup = tmp_path / "copy" / latest(source["destination"]).name
    shutil.copytree(latest(source["destination"]), backup)  # real copies, not the links
    if victim == "database dump":
        path = backup / "database.dump"
    else:
        path = sorted((backup / "files" / "media" / "published").rglob("*.pdf"))[0]
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0x20
    path.write_bytes(bytes(data))
    target_url = databases("tampered")
    target = write_server(tmp_path / "tampered", target_url)

    done = run(target, [str(RESTORE), "--env-file", str(target), str(backup)], check=False)
    assert done.returncode != 0
    name = str(path.relative_to(backup))
    assert "refused" in done.stderr and name in done.stderr and "SHA-256" in done.stderr
    print(done.stderr)
    assert tables(target_url) == 0
    assert not (tmp_path / "tampered" / "var").exists() or not any(
        p.is_file() for p in (tmp_path / "tampered" / "var").rglob("*")
    )


def test_a_restore_into_a_database_in_use_is_refused(source, tmp_path):
    before = snapshot(source["env"])
    other = write_server(tmp_path / "other", shipped.read_env_file(source["env"])["DATABASE_URL"])
    done = run(other, [str(RESTORE), "--env-file", str(other), str(latest(source["destination"]))],
               check=False)  # fmt: skip
    assert done.returncode != 0 and "is not empty" in done.stderr, done.stderr
    assert snapshot(source["env"]) == before


@pytest.mark.parametrize(
    ("env_text", "message"),
    [
        (None, "not found"),
        ("SEANCE_VAR_DIR=/nonexistent\n", "not a PostgreSQL URL"),
        ("DATABASE_URL = postgresql://x/y\nnot a line\n", "not a KEY=value line"),
    ],
)
def test_a_server_the_scripts_cannot_read_is_a_clear_refusal(tmp_path, env_text, message):
    env_file = tmp_path / "seance.env"
    if env_text is not None:
        env_file.write_text(env_text)
    for script in ("seance-backup", "seance-restore"):
        target = tmp_path / ("backups" if script == "seance-backup" else "missing-backup")
        argv = [str(ROOT / "deploy" / "backup" / script), "--env-file", str(env_file), str(target)]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        assert done.returncode == 1 and message in done.stderr, (script, done.stderr)
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "backups").exists() or not any((tmp_path / "backups").iterdir())
