"""The participant lifecycle end to end, through `rentan run` (Airflow, the loader, dbt, the checks, publish).

Coverage from February; quota 4: P1-P4 are selected (registered by BPJS in December), P5-P7
wait. First run: P4 died in March, so one slot is free from April; P5 is skipped (the latest
DTSEN puts them in desil 8) and P6 is called, not yet registered. Second run, a month later:
a BPJS check shows P6 registered in April and the April payment file pays them on time: P6 is
an ACTIVE participant (source REPLACEMENT) and reconciles MATCHED. A payment for January,
before coverage, still counts in the budget's January row.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers_dbt import migrated_database, query, query_one
from tests.test_enrollment import BEKASI, PREMIUM, nik, write_memberships, write_payments, write_people

RENTAN = str(Path(sys.executable).parent / "rentan")


def rentan_run(landing: Path, params: Path, url: str) -> None:
    done = subprocess.run(
        [RENTAN, "run", "--landing", str(landing), "--params", str(params)],
        env={**os.environ, "WAREHOUSE_URL": url},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def snapshot(url: str) -> dict:
    """What officers and finance read after a run."""
    return {
        "enrollment": {
            row[0]: row[1:]
            for row in query(
                url, "select nik, kpj, status, to_char(enrolled_month, 'YYYY-MM'), source from ops.enrollment"
            )
        },
        "replacements": query(
            url,
            """select call_order, nik, waitlist_rank, replaces_nik,
                                             to_char(slot_start_month, 'YYYY-MM'), is_registered
                                      from ops.replacement_list order by call_order""",
        ),
    }


@pytest.fixture(scope="module")
def runs(server_url, tmp_path_factory):
    """(url, state after the first run, state after the second run)."""
    root = tmp_path_factory.mktemp("lifecycle_e2e")
    landing, params = root / "landing", root / "params.yml"
    params.write_text("quota: 4\ncoverage_start_month: '2026-02'\n")
    write_people(landing, range(1, 8), {4: (BEKASI, "MATI", "2026-03-10")}, dtsen_latest={5: 8})
    write_memberships(landing, "20251210", [(i, f"K{i}", "PEMKOT_BEKASI", "2025-12-20") for i in range(1, 5)])
    write_payments(landing, "2026-01", [(1, "K1", "2026-01-10")])  # before coverage
    for period in ("2026-02", "2026-03"):
        write_payments(landing, period, [(i, f"K{i}", f"{period}-10") for i in range(1, 5)])
    with migrated_database(server_url, prefix="t_life") as url:
        rentan_run(landing, params, url)
        first = snapshot(url)
        write_memberships(landing, "20260410", [(6, "K6", "PEMKOT_BEKASI", "2026-04-02")])
        write_payments(landing, "2026-04", [(i, f"K{i}", "2026-04-10") for i in (1, 2, 3, 6)])
        rentan_run(landing, params, url)
        yield url, first, snapshot(url)


def test_a_death_calls_the_next_still_eligible_waitlisted_person(runs):
    _, first, _ = runs
    assert first["replacements"] == [(1, nik(6), 2, nik(4), "2026-04", False)]  # P5 (desil 8 now) skipped
    assert first["enrollment"][nik(6)] == (None, "SELECTED_NOT_REGISTERED", None, "REPLACEMENT")
    assert first["enrollment"][nik(4)] == ("K4", "EXITED", "2026-02", "SELECTED")


def test_the_replacement_registered_and_paid_is_an_active_participant_reconciled_matched(runs):
    url, _, second = runs
    assert second["replacements"] == [(1, nik(6), 2, nik(4), "2026-04", True)]
    assert second["enrollment"][nik(6)] == ("K6", "ACTIVE", "2026-04", "REPLACEMENT")
    assert nik(5) not in second["enrollment"] and len(second["enrollment"]) == 5
    row = query_one(
        url,
        """select expected_idr, paid_idr, category from ops.reconciliation
                            where period = '2026-04-01' and nik = %s""",
        (nik(6),),
    )
    assert row == {"expected_idr": PREMIUM, "paid_idr": PREMIUM, "category": "MATCHED"}
    assert query(url, "select active_participants from marts.budget_monthly where period = '2026-04-01'") == [(4,)]


def test_the_budget_has_every_month_of_the_year_and_counts_payments_outside_coverage(runs):
    url, _, _ = runs
    rows = query(
        url,
        """select to_char(period, 'YYYY-MM'), is_covered, active_participants, paid_idr,
                                cumulative_paid_idr from marts.budget_monthly order by period""",
    )
    assert len(rows) == 12
    assert rows[0] == ("2026-01", False, 0, PREMIUM, PREMIUM)
    assert rows[1] == ("2026-02", True, 4, 4 * PREMIUM, 5 * PREMIUM)
    assert rows[3] == ("2026-04", True, 4, 4 * PREMIUM, 13 * PREMIUM)
