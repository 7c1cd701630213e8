"""Reading the shipped deployment files (deploy/) the way systemd, nginx and coturn read
them, and rewriting only what differs on a test machine: the install prefix, the state
folder, the environment file, the certificates and the ports. Everything else is taken as
written, so that a unit naming a queue, a path or a variable that does not exist fails."""

from __future__ import annotations

import re
import shlex
import socket
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"

# systemd specifiers the units may use (systemd.unit(5)), and how a test expands them.
SPECIFIERS = {"%i", "%I", "%H", "%h", "%n", "%N", "%p", "%%"}


def unit_sections(path: Path) -> dict[str, list[tuple[str, str]]]:
    """A unit file's sections as (key, value) pairs in order, with backslash continuation
    lines joined as systemd joins them; comments and blank lines dropped."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line[0] in "#;"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None, f"{path.name}: {line!r} outside a section"
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not a key=value line: {line!r}"
        current.append((key.strip(), value.strip()))
    return sections


def unit_value(path: Path, section: str, key: str) -> str:
    values = [v for k, v in unit_sections(path).get(section, []) if k == key]
    assert len(values) == 1, f"{path.name}: expected one {key}= in [{section}], got {values}"
    return values[0]


def expand_specifiers(text: str, *, instance: str = "", unit: str = "") -> str:
    """systemd's % specifiers; an unknown one is an error, as systemd refuses it."""
    unknown = {m for m in re.findall(r"%.", text) if m not in SPECIFIERS}
    assert not unknown, f"unknown systemd specifiers {unknown} in {text!r}"
    host = socket.gethostname()
    prefix = unit.split("@")[0].removesuffix(".service")
    table = {"%i": instance, "%I": instance, "%H": host, "%h": "/var/lib/seance",
             "%n": unit, "%N": unit.removesuffix(".service"), "%p": prefix}  # fmt: skip
    return re.sub(r"%.", lambda m: "%" if m.group() == "%%" else table[m.group()], text)


def expand_variables(text: str, env: dict[str, str]) -> str:
    """systemd's $VAR and ${VAR} in ExecStart: every one must be defined (systemd would
    silently substitute an empty string, which is how a misnamed variable breaks a unit)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        assert name in env, f"ExecStart uses ${name}, which the environment file does not define"
        return env[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, text)


def exec_argv(
    path: Path, paths: dict[str, str], env: dict[str, str], instance: str = ""
) -> list[str]:
    """The unit's ExecStart as an argument list, paths substituted and specifiers expanded."""
    line = unit_value(path, "Service", "ExecStart").lstrip("-@:+!")
    line = expand_specifiers(line, instance=instance, unit=path.name.replace("@", f"@{instance}"))
    line = expand_variables(line, env)
    for old, new in paths.items():
        line = line.replace(old, new)
    argv = shlex.split(line)
    assert Path(argv[0]).is_file(), f"{path.name}: ExecStart runs {argv[0]}, which does not exist"
    return argv


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines as systemd's EnvironmentFile= reads them (no quotes used here)."""
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not KEY=value: {line!r}"
        env[key.strip()] = value.strip()
    return env


def host_address() -> str:
    """This machine's own non-loopback IPv4 address (where Janus gathers its candidates)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.connect(("198.51.100.1", 9))  # no packet is sent: only the route is looked up
        address = sock.getsockname()[0]
    assert not address.startswith("127."), "no non-loopback IPv4 address on this machine"
    return address


def coturn_config(
    *, workdir: Path, port: int, tls_port: int, relay_ports: tuple[int, int],
    cert: Path, key: Path, peer_ip: str, secret: str,
) -> Path:  # fmt: skip
    """deploy/coturn/turnserver.conf with the test's ports, certificate, secret, Janus's
    address and a log file; every other line as shipped."""
    replaced = {
        "listening-port": str(port),
        "tls-listening-port": str(tls_port),
        "min-port": str(relay_ports[0]),
        "max-port": str(relay_ports[1]),
        "static-auth-secret": secret,
        "allowed-peer-ip": peer_ip,
        "cert": str(cert),
        "pkey": str(key),
    }
    seen = set()
    out = []
    for line in (DEPLOY / "coturn" / "turnserver.conf").read_text().splitlines():
        name = line.split("=", 1)[0].strip()
        if not line.startswith("#") and name in replaced:
            out.append(f"{name}={replaced[name]}")
            seen.add(name)
        elif line.strip() == "syslog":
            out.append(f"log-file={workdir / 'turnserver.log'}")
        else:
            out.append(line)
    assert seen == set(replaced), f"turnserver.conf lacks {set(replaced) - seen}"
    path = workdir / "turnserver.conf"
    path.write_text("\n".join(out) + "\n")
    return path


def coturn_argv(config: Path) -> list[str]:
    """Debian's coturn.service ExecStart with our config file (the package ships the unit)."""
    debian = Path("/lib/systemd/system/coturn.service")
    if debian.exists():
        line = unit_value(debian, "Service", "ExecStart")
    else:
        line = "/usr/bin/turnserver -c /etc/turnserver.conf --pidfile="
    return shlex.split(line.replace("/etc/turnserver.conf", str(config)))
