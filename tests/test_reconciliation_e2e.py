"""Enrollment, budget and reconciliation end to end: synthetic extracts -> loader -> dbt build -> the truth.

The generator (rentan_dev.synth) computes enrollment (section 5), the monthly reconciliation
categories and budget figures (sections 6-7), the unpaid streaks and every payment file's
control totals with an independent implementation; the warehouse must agree with it. One
build (with every unit test) is shared by the module; a small quota makes a waiting list.
"""

from __future__ import annotations

import pytest

from rentan.parameters import load_parameters
from rentan.transform import dbt_runner
from tests.helpers_dbt import load_landing, migrated_database, query, query_one

PEOPLE = 4000
QUOTA = 200
SEED = 7
FINANCE_MODELS = (
    "int_program_calendar",
    "int_budget_basis",
    "int_capacity_changes",
    "int_enrollment_program_memberships",
    "int_enrollment_decided",
    "int_enrollment_decided_months",
    "int_enrollment_new_calls",
    "int_enrollment_new_skips",
    "int_enrollment_participants",
    "int_enrollment_months",
    "int_payments_by_person",
    "int_reconciliation_categorised",
    "int_budget_monthly",
    "int_eligibility_latest",
    "consecutive_unpaid",
)
MARTS_MD_COLUMNS = {
    ("ops", "enrollment"): ["nik", "kpj", "status", "enrolled_month", "exit_month", "exit_reason", "source"],
    ("ops", "replacement_list"): [
        "call_order",
        "nik",
        "waitlist_rank",
        "replaces_nik",
        "slot_start_month",
        "is_registered",
    ],
    ("ops", "reconciliation"): [
        "period",
        "nik",
        "kpj",
        "expected_idr",
        "paid_idr",
        "payment_lines",
        "difference_idr",
        "category",
    ],
    ("marts", "budget_monthly"): [
        "period",
        "active_participants",
        "expected_idr",
        "paid_idr",
        "cumulative_paid_idr",
        "budget_remaining_idr",
        "projected_year_end_idr",
        "headroom_idr",
    ],
    ("marts", "reconciliation_summary"): [
        "period",
        "category",
        "persons",
        "expected_idr",
        "paid_idr",
        "difference_idr",
    ],
}

synth = pytest.importorskip("rentan_dev.synth")


@pytest.fixture(scope="module")
def params():
    return load_parameters({"quota": QUOTA})


@pytest.fixture(scope="module")
def built(server_url, tmp_path_factory, params):
    """(truth, url, DbtRun): the generated landing area loaded and built once, unit tests included."""
    landing = tmp_path_factory.mktemp("finance_landing")
    truth = synth.generate(landing, seed=SEED, people=PEOPLE, params=params)
    with migrated_database(server_url) as url:
        load_landing(url, landing)
        run = dbt_runner.build(url, params, target_path=tmp_path_factory.mktemp("dbt_target"))
        assert run.success, run.summary()
        yield truth, url, run


def month(period) -> str:
    return f"{period:%Y-%m}"


def months_after(period: str, params: dict) -> int:
    """Months of the programme year after `period` ('YYYY-MM')."""
    end_year, end_month = (int(x) for x in params["coverage_end_month"].split("-"))
    year, mon = (int(x) for x in period.split("-"))
    return (end_year - year) * 12 + end_month - mon


# --- the build -----------------------------------------------------------------------------------
def test_build_runs_the_finance_unit_tests_and_data_tests(built):
    _, _, run = built
    units = {r["unique_id"].split(".")[2]: r["status"] for r in run.results if r["resource_type"] == "unit_test"}
    for model in FINANCE_MODELS:
        assert units.get(model) == "pass", model
    blocking = [r for r in run.results if r["resource_type"] == "test" and r["status"] not in ("pass", "warn")]
    assert not blocking


def test_contract_columns_come_first_in_marts_md_order(built):
    _, url, _ = built
    for (schema, table), columns in MARTS_MD_COLUMNS.items():
        got = [
            c
            for (c,) in query(
                url,
                """select column_name from information_schema.columns
                                         where table_schema = %s and table_name = %s order by ordinal_position""",
                (schema, table),
            )
        ]
        assert got[: len(columns)] == columns, table


def test_marts_carry_no_personal_data(built):
    _, url, _ = built
    columns = {
        c
        for (c,) in query(
            url,
            """select column_name from information_schema.columns
                                        where table_schema = 'marts' and table_name in
                                        ('budget_monthly', 'reconciliation_summary', 'reconciliation_by_kecamatan',
                                         'replacement_capacity')""",
        )
    }
    assert not {"nik", "kpj", "nama", "tanggal_lahir"} & columns


# --- enrollment (section 5) ----------------------------------------------------------------------
def test_enrollment_matches_the_truth(built):
    truth, url, _ = built
    expected = truth["enrollment"]
    statuses = dict(query(url, "select status, count(*) from ops.enrollment group by status"))
    assert (
        sum(statuses.values())
        == expected["participants"]
        == truth["selected"] + len(truth["lifecycle"]["replacement_list"])
    )
    assert statuses["SELECTED_NOT_REGISTERED"] == expected["never_registered"]
    assert statuses["ACTIVE"] + statuses["EXITED"] == expected["registered"]
    by_month = dict(
        query(
            url,
            """select to_char(enrolled_month, 'YYYY-MM'), count(*) from ops.enrollment
                                  where kpj is not null group by 1""",
        )
    )
    assert by_month == expected["enrolled_by_month"]
    died = query(
        url,
        """select count(*) from ops.enrollment where exit_reason = 'DECEASED' and source = 'SELECTED'
                         and extract(year from exit_month) = %s""",
        (truth["params"]["program_year"],),
    )
    assert died == [(expected["died_2026"],)] and statuses["EXITED"] == expected["died_2026"]


def test_several_programme_kpjs_are_listed_and_the_earliest_wins(built):
    truth, url, _ = built
    rows = query(
        url,
        """select c.nik, c.chosen_kpj, e.kpj, c.kpj_count from ops.kpj_check_list as c
                         left join ops.enrollment as e on e.nik = c.nik where c.is_selected""",
    )
    assert len(rows) == truth["enrollment"]["multiple_kpj"]
    assert all(chosen == enrolled and count >= 2 for _, chosen, enrolled, count in rows)


def test_exit_runs_through_the_month_of_death(built):
    _, url, _ = built
    rows = query(
        url,
        """select nik, died_on, exit_month, enrolled_month from ops.enrollment
                         where status = 'EXITED' and kpj is not null""",
    )
    assert rows
    for nik, died_on, exit_month, enrolled_month in rows:
        assert exit_month == died_on.replace(day=1)
        covered = query(url, "select max(period) from ops.reconciliation where nik = %s and expected_idr > 0", (nik,))
        assert covered == [(exit_month if exit_month >= enrolled_month else None,)]


def test_replacement_list_matches_the_truth(built):
    """The generator plays the year (deaths, skips, calls, BPJS registrations): same list, same order."""
    truth, url, _ = built
    lifecycle = truth["lifecycle"]
    columns = ("call_order", "nik", "waitlist_rank", "replaces_nik", "slot_start_month", "is_registered")
    listed = [
        dict(zip(columns, (order, nik, rank, replaces, month(start), registered), strict=True))
        for order, nik, rank, replaces, start, registered in query(
            url, f"select {', '.join(columns)} from ops.replacement_list order by call_order"
        )
    ]
    assert listed == [{c: r[c] for c in columns} for r in lifecycle["replacement_list"]]
    assert len(listed) == lifecycle["replacements_called"] > 0
    pending = dict(
        query(
            url,
            """select source, count(*) from ops.enrollment
                                 where status = 'SELECTED_NOT_REGISTERED' group by 1""",
        )
    )
    assert pending.get("SELECTED", 0) == lifecycle["selected_not_registered"]
    assert pending.get("REPLACEMENT", 0) == lifecycle["replacements_pending"]
    uncalled = [r["nik"] for r in lifecycle["uncalled_registered"]]
    assert uncalled and query(url, "select count(*) from ops.enrollment where nik = any(%s)", (uncalled,)) == [(0,)]


def test_each_exit_frees_one_slot_filled_in_waiting_list_order(built):
    _, url, _ = built
    slots = query_one(url, "select * from marts.replacement_capacity")
    exited = query(url, "select count(*) from ops.enrollment where status = 'EXITED'")[0][0]
    in_time = query(
        url,
        """select count(*) from ops.enrollment as e cross join intermediate.int_program_parameters as p
                            where e.status = 'EXITED' and e.exit_month < p.coverage_end_month""",
    )[0][0]
    assert slots["free_slots"] == in_time > 0 and exited >= in_time
    assert slots["replacements"] + slots["unfilled_slots"] == slots["free_slots"]
    listed = query(
        url,
        """select r.call_order, r.waitlist_rank, r.replaces_nik, r.slot_start_month, w.is_still_eligible
                           from ops.replacement_list as r
                           join ops.person_case_waitlist as w using (nik) order by 1""",
    )
    assert len(listed) == slots["replacements"] > 0
    assert [rank for _, rank, *_ in listed] == sorted(rank for _, rank, *_ in listed)
    assert all(eligible for *_, eligible in listed)
    assert [start for *_, start, _ in listed] == sorted(start for *_, start, _ in listed)
    # Every called replacement is a participant; nobody waitlisted jumped the queue.
    called = {nik for (nik,) in query(url, "select nik from ops.enrollment where source = 'REPLACEMENT'")}
    assert called == {nik for (nik,) in query(url, "select nik from ops.replacement_list")}
    skipped = query(
        url,
        """select count(*) from ops.person_case_waitlist
                            where is_still_eligible
                            and waitlist_rank < (select max(waitlist_rank) from ops.replacement_list)
                            and not is_called""",
    )
    assert skipped == [(0,)]


# --- reconciliation (section 7) ------------------------------------------------------------------
def test_categories_per_period_match_the_truth(built):
    truth, url, _ = built
    got: dict[str, dict[str, int]] = {}
    for period, category, persons in query(url, "select period, category, persons from marts.reconciliation_summary"):
        got.setdefault(month(period), {})[category] = persons
    assert got == truth["payments"]


def test_summary_adds_up_to_the_reconciliation_rows(built):
    _, url, _ = built
    summary = query(
        url,
        """select period, sum(persons), sum(expected_idr), sum(paid_idr), sum(difference_idr)
                            from marts.reconciliation_summary group by 1 order by 1""",
    )
    rows = query(
        url,
        """select period, count(*), sum(expected_idr), sum(paid_idr), sum(difference_idr)
                         from ops.reconciliation group by 1 order by 1""",
    )
    assert summary == rows


def test_paid_after_death_is_a_refund_claim(built):
    _, url, _ = built
    rows = query(
        url,
        """select died_on, period, paid_idr, expected_idr from ops.reconciliation
                         where category = 'PAID_AFTER_DEATH'""",
    )
    assert rows and all(died < period and paid > 0 and expected == 0 for died, period, paid, expected in rows)


def test_control_totals_match_the_files(built):
    truth, url, _ = built
    files = {name: f for name, f in truth["files"].items() if name.startswith("bpjs_iuran/")}
    rows = {
        r[0]: r[1:]
        for r in query(
            url,
            """select file_name, rows_in_file, rows_quarantined, file_total_idr,
                                                      quarantined_total_idr, unparsed_amount_rows, rows_balance,
                                                      amounts_balance, warehouse_matches_file
                                               from ops.payment_control_totals""",
        )
    }
    assert set(rows) == set(files)
    for name, f in files.items():
        assert rows[name] == (
            f["rows"],
            sum(f["quarantined"].values()),
            f["total_iuran_sum"],
            f["quarantined_total_iuran_sum"],
            f["unparsable_amount_rows"],
            True,
            True,
            True,
        ), name


def test_quarantined_lines_are_listed_with_their_raw_text(built):
    truth, url, _ = built
    listed = dict(
        query(
            url,
            """select file_name || ':' || reason_code, count(*)
                                from ops.quarantined_payment_lines group by 1""",
        )
    )
    assert listed == {
        f"{name}:{reason}": n
        for name, f in truth["files"].items()
        if name.startswith("bpjs_iuran/")
        for reason, n in f["quarantined"].items()
    }
    unparsed = query(
        url,
        """select raw_line, total_iuran_text, amount_parses from ops.quarantined_payment_lines
                             where total_iuran_idr is null""",
    )
    assert len(unparsed) == sum(f.get("unparsable_amount_rows", 0) for f in truth["files"].values())
    assert all(text in raw and not parses for raw, text, parses in unparsed)


def test_consecutive_unpaid_matches_the_truth(built):
    truth, url, _ = built
    streaks = truth["unpaid_streaks"]
    flagged, deactivated = query(
        url,
        """select count(distinct nik),
                                               count(distinct nik) filter (where is_bpjs_deactivation_due)
                                        from ops.consecutive_unpaid""",
    )[0]
    assert (flagged, deactivated) == (streaks["flagged"], streaks["3+"])


# --- budget (section 6) ---------------------------------------------------------------------------
def test_budget_per_period_matches_the_truth(built):
    truth, url, _ = built
    rows = query(
        url,
        """select period, active_participants, expected_idr, paid_idr from marts.budget_monthly
                         where has_payment_data""",
    )
    got = {month(p): {"active_participants": a, "expected_idr": e, "paid_idr": paid} for p, a, e, paid in rows}
    assert got == truth["budget"]


def test_budget_has_every_month_and_the_projection_arithmetic(built, params):
    truth, url, _ = built
    rows = [
        dict(
            zip(
                ("period", "active", "paid", "cumulative", "remaining", "projected", "headroom", "basis"),
                r,
                strict=True,
            )
        )
        for r in query(
            url,
            """select period, active_participants, paid_idr, cumulative_paid_idr,
                                          budget_remaining_idr, projected_year_end_idr, headroom_idr,
                                          projection_basis_period
                                   from marts.budget_monthly order by period""",
        )
    ]
    assert len(rows) == truth["premium"]["months_covered"]
    assert (month(rows[0]["period"]), month(rows[-1]["period"])) == (
        params["coverage_start_month"],
        params["coverage_end_month"],
    )
    monthly, budget = truth["premium"]["monthly_premium_idr"], params["budget_idr"]
    latest = max(truth["payments"])
    last_data = next(r for r in rows if month(r["period"]) == latest)
    expected_projection = last_data["cumulative"] + monthly * last_data["active"] * months_after(latest, params)
    assert rows[-1]["projected"] == expected_projection and month(rows[-1]["basis"]) == latest
    assert rows[-1]["headroom"] == budget - expected_projection
    assert rows[-1]["cumulative"] == sum(b["paid_idr"] for b in truth["budget"].values())
    assert all(r["remaining"] == budget - r["cumulative"] for r in rows)
