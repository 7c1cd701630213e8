"""The demo's part of the transmission to the prefecture: the ACTES matter of its agenda
items, and its published deliberations sent to the S²LOW simulator and acknowledged.

The simulator runs for the demo's set-up only, with a throw-away authority that issues
its server certificate and the demo collectivities' client certificates (the
`cryptography` package, which aiortc already brings). The acknowledgements stay; the
demo's links to S²LOW are left disabled, since that simulator is gone once the command ends.
"""

from __future__ import annotations

import datetime
import ipaddress
import tempfile
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from council.models import Assembly

from ..models import PrefectureLink, Sitting, Transmission
from ..services.common import User
from .services import transmission_poll, transmission_send, transmissions_record
from .simulator import Authority, S2lowSimulator

T = Transmission.State

# Words of a subject and the ACTES matter they point to; anything else: 9.1.
MATTERS = (
    ("budget", "7.1"),
    ("compte administratif", "7.1"),
    ("subvention", "7.5"),
    ("fonds de concours", "7.8"),
    ("tarif", "7.10"),
    ("urbanisme", "2.1"),
    ("habitat", "8.5"),
    ("marché", "1.1"),
    ("transport", "8.7"),
    ("poste", "4.1"),
    ("voirie", "8.3"),
)


def matter_for(subject: str) -> str:
    """The demo item's ACTES matter code, from its subject."""
    words = subject.lower()
    return next((code for word, code in MATTERS if word in words), "9.1")


def _issue(cn: str, issuer: Any = None, issuer_key: Any = None, *, ca: bool = False) -> Any:
    """A key and its certificate for `cn`, signed by the issuer (none: self-signed). The
    server's names localhost and 127.0.0.1, the address the simulator is reached at (a
    fresh root may have no /etc/hosts, where "localhost" does not resolve)."""
    now = datetime.datetime.now(datetime.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer or subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if cn == "localhost":
        names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.IPv4Address("127.0.0.1"))]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return key, builder.sign(issuer_key or key, hashes.SHA256())


def _pem(key: Any, cert: Any) -> bytes:
    pem: bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ) + cert.public_bytes(serialization.Encoding.PEM)
    return pem


def _certificates(folder: Path, names: list[str]) -> dict[str, Path]:
    """A CA, the simulator's certificate for localhost, one client certificate per name."""
    ca_key, ca_cert = _issue("Autorité de démonstration", ca=True)
    paths = {"ca": folder / "ca.pem", "server": folder / "server.pem"}
    paths["ca"].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths["server"].write_bytes(_pem(*_issue("localhost", ca_cert.subject, ca_key)))
    for name in names:
        paths[name] = folder / f"{name}.pem"
        paths[name].write_bytes(_pem(*_issue(name, ca_cert.subject, ca_key)))
    return paths


def _simulator(paths: dict[str, Path], assemblies: set[Assembly]) -> S2lowSimulator:
    authorities = {
        a.slug: Authority(siren=(a.siret or "000000000")[:9], department="038") for a in assemblies
    }
    return S2lowSimulator(
        server_cert=str(paths["server"]),
        server_key=str(paths["server"]),
        client_ca=str(paths["ca"]),
        authorities=authorities,
        acknowledge_after=0,
    )


def _link(assembly: Assembly, url: str, paths: dict[str, Path]) -> None:
    PrefectureLink.objects.update_or_create(
        assembly=assembly,
        defaults={
            "base_url": url,
            "certificate_path": str(paths[assembly.slug]),
            "ca_path": str(paths["ca"]),
            "control_entity": "PREF038",
            "enabled": True,
        },
    )


def transmit_published_acts(sittings: list[Sitting], clerk: User) -> list[Transmission]:
    """Send the sittings' published deliberations to a S²LOW simulator and wait for the
    prefecture's acknowledgements, here, the way the jobs do (post, then poll): no job is
    queued, since the simulator and its certificates are gone once this returns, and the
    links are left disabled before they are (a job never posts through a disabled link)."""
    assemblies = {s.assembly for s in sittings}
    with tempfile.TemporaryDirectory(prefix="seance-s2low-") as tmp:
        paths = _certificates(Path(tmp), [a.slug for a in assemblies])
        with _simulator(paths, assemblies) as sim:
            for a in assemblies:
                _link(a, sim.url, paths)
            recorded = [t for s in sittings for t in transmissions_record(sitting=s, user=clerk)]
            done = [_transmit(t) for t in recorded]
        PrefectureLink.objects.filter(assembly__in=assemblies).update(enabled=False)
    return done


def _transmit(t: Transmission) -> Transmission:
    """Post (a try that found S²LOW unreachable is tried again, twice), then poll."""
    for _try in range(3):
        if transmission_send(transmission_id=t.pk).transmission.state != T.POSTING:
            break
    for _try in range(3):
        outcome = transmission_poll(transmission_id=t.pk)
        if not outcome.again:
            break
    t.refresh_from_db()
    return t


def demo_transmit(stdout: Any) -> None:
    """The demo's published deliberations, sent to the simulator; their acknowledgements."""
    sittings = list(
        Sitting.objects.filter(
            assembly__slug__in=("ingeville", "ingeco"),
            publications__kind="list",
            transmissions__isnull=True,
        ).distinct()
    )
    if not sittings:
        return
    listing = sittings[0].publications.filter(kind="list").first()
    clerk = listing.published_by if listing else None
    for t in transmit_published_acts(sittings, clerk):
        when = t.acknowledged_on.isoformat() if t.acknowledged_on else "—"
        why = f" ({t.last_error})" if t.state != T.ACKNOWLEDGED and t.last_error else ""
        stdout.write(
            f"Préfecture (simulateur S²LOW) : {t.number} {t.get_state_display()} {t.act_id} "
            f"{when}{why}"
        )
