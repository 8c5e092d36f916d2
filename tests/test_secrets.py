"""Issue 23, case 6: no URL password, key or webhook token in any message, log, XCom or alert.

A real `rentan run` that fails (a rejected file), with the warehouse's real password in
WAREHOUSE_URL, a pseudonym key and an alert webhook whose path carries a token; then every
byte it left is searched: its output, every file of its Airflow home (task logs, the run log,
the metadata database with its XComs) and of its dbt directory, and the alerts posted.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.factories import DTSEN_HEADER, DTSEN_ROW, write

RENTAN = str(Path(sys.executable).parent / "rentan")
KEY = "pseudonym-key-that-must-stay-secret-7Qx"
TOKEN = "T0KEN-8f3a1c9e-webhook"


@pytest.fixture
def webhook():
    """A local alert receiver: (its URL with a token in the path, the bodies it received)."""
    bodies: list[bytes] = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/{TOKEN}", bodies
    server.shutdown()


def test_a_malformed_url_does_not_print_its_password(landing):
    url = "postgresql://u:Sup3r%zzS3cretPW@127.0.0.1:5/db"
    for command in (["check", "--landing", str(landing)], ["status"]):
        done = subprocess.run(
            [RENTAN, *command], env={**os.environ, "WAREHOUSE_URL": url}, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 2
        assert "the warehouse URL is malformed" in done.stderr
        assert "Sup3r" not in done.stdout + done.stderr and "S3cretPW" not in done.stdout + done.stderr


def test_a_failing_run_leaves_no_secret_in_any_output_log_xcom_or_alert(fresh_url, landing, tmp_path, webhook):
    hook, bodies = webhook
    password = urlsplit(fresh_url).password
    assert password and len(password) >= 12
    write(landing, "dtsen", "dtsen_20251201.csv", [DTSEN_HEADER, DTSEN_ROW])
    write(landing, "dukcapil", "dukcapil_20251130.csv", ["nik,nama_lengkap", "3275014101900001,Siti"])
    home, dbt_dir = tmp_path / "airflow", tmp_path / "dbt"
    env = {
        **os.environ,
        "WAREHOUSE_URL": fresh_url,
        "AIRFLOW_HOME": str(home),
        "RENTAN_DBT_DIR": str(dbt_dir),
        "RENTAN_PSEUDONYM_KEY": KEY,
        "RENTAN_ALERT_WEBHOOK": hook,
    }
    done = subprocess.run(
        [RENTAN, "run", "--landing", str(landing)], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "rejected:" in done.stderr
    assert bodies, "the failure was alerted"
    secrets = {"password": password, "key": KEY, "webhook token": TOKEN}
    places = {"stdout": done.stdout.encode(), "stderr": done.stderr.encode()}
    places |= {f"alert {n}": body for n, body in enumerate(bodies)}
    for root in (home, dbt_dir):
        places |= {str(p): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert any("airflow.db" in place for place in places) and any(".log" in place for place in places)
    leaks = [
        (what, place) for place, data in places.items() for what, secret in secrets.items() if secret.encode() in data
    ]
    assert leaks == []
