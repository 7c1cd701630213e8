"""A timestamping authority for the tests: `openssl ts -reply` behind a small HTTP server.

It makes its own root and TSA certificate (EC P-256, extendedKeyUsage timeStamping,
critical), answers each TimeStampReq POSTed to it with a signed TimeStampResp, and can be
stopped and started again on the same port (the authority down, then up)."""

from __future__ import annotations

import http.server
import subprocess
import threading
from pathlib import Path

TS_CONFIG = """
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
certs = $dir/tsa.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _run(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


class Authority:
    def __init__(self, workdir: Path) -> None:
        self.dir = workdir
        self.server: http.server.HTTPServer | None = None
        self.port = 0
        self.answered = 0
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        _run(
            "req",
            "-x509",
            *ec,
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "2",
            "-subj",
            "/CN=Autorite d'horodatage de test - racine",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            cwd=workdir,
        )
        _run(
            "req",
            *ec,
            "-keyout",
            "tsa.key",
            "-out",
            "tsa.csr",
            "-subj",
            "/CN=Autorite d'horodatage de test",
            cwd=workdir,
        )
        (workdir / "ext.cnf").write_text(
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
            "extendedKeyUsage=critical,timeStamping\n"
        )
        _run(
            "x509",
            "-req",
            "-in",
            "tsa.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "tsa.crt",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
            cwd=workdir,
        )
        (workdir / "serial").write_text("01\n")
        (workdir / "ts.cnf").write_text(TS_CONFIG.format(dir=workdir))
        self.ca_file = str(workdir / "ca.crt")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/tsa"

    def reply(self, query: bytes) -> bytes:
        done = subprocess.run(
            [
                "openssl",
                "ts",
                "-reply",
                "-config",
                "ts.cnf",
                "-queryfile",
                "/dev/stdin",
                "-out",
                "/dev/stdout",
            ],
            cwd=self.dir,
            input=query,
            capture_output=True,
            timeout=60,
            check=True,
        )
        self.answered += 1
        return done.stdout

    def start(self) -> Authority:
        authority = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                query = self.rfile.read(int(self.headers["Content-Length"]))
                body = authority.reply(query)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        http.server.HTTPServer.allow_reuse_address = True
        self.server = http.server.HTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
