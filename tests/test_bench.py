"""`rentan bench` measures the three runs of issue 24 against a plain COPY, and `rentan bench-curve` draws them.

The bench runs for real at a small scale (a generated landing, a fresh embedded warehouse,
`rentan run` three times through Airflow): what it reports is read back against what the
warehouse recorded. The curve is checked on known lines, so a wrong fit cannot pass.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import pytest

from rentan.warehouse.pseudonym import KEY_ENV, KEY_FILE_ENV
from rentan_dev.bench import run_bench
from rentan_dev.bench_curve import curve_lines, fit_line, fits, load_results, plot_curve

RUNS = ("full", "payment_month", "month")


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> dict:
    """The real bench at 3,000 people, as `make bench` runs it: with no pseudonym key configured."""
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    with pytest.MonkeyPatch.context() as env:
        env.delenv(KEY_ENV, raising=False)
        env.setenv(KEY_FILE_ENV, str(out.parent / "no-such.key"))
        result = run_bench(3000, out)
    return {"result": result, "written": json.loads(out.read_text())}


@pytest.mark.slow
@pytest.mark.warehouse
def test_the_payment_month_and_the_real_month_load_exactly_the_files_held_back(bench):
    loaded = bench["result"]["files_loaded"]
    assert loaded["payment_month"] == ["bpjs_iuran_202609.csv"]
    newest = ["bpjs_iuran_202610.csv", "bpjs_kepesertaan_20261031.csv", "dukcapil_20261031.csv"]
    assert sorted(loaded["month"]) == newest
    # the full run: every other file of the year (33 less the four held back), each loaded once
    assert len(loaded["full"]) == len(set(loaded["full"])) == bench["result"]["files"] - 4 == 29
    assert not set(loaded["full"]) & {*loaded["payment_month"], *loaded["month"]}


@pytest.mark.slow
@pytest.mark.warehouse
def test_every_run_has_its_seconds_and_every_step_from_the_warehouse(bench):
    result = bench["result"]
    assert bench["written"] == result
    for run in RUNS:
        assert result[f"e2e_{run}_s"] > 0
        for step in ("load", "build", "validate", "publish"):
            assert result[f"{run}_{step}_s"] >= 0, f"{run}_{step}_s"
        # the steps happened inside the run's wall time
        assert result[f"{run}_load_s"] + result[f"{run}_build_s"] < result[f"e2e_{run}_s"]
    assert "e2e_incremental_s" not in result
    assert result["full_build_s"] > 0 and result["month_build_s"] > 0
    # where each build's seconds went: its slowest dbt nodes, slowest first (which ones depends on the
    # machine's load at 3,000 people: unit tests, or the carry-over hook, can outlast every model)
    slowest = result["slowest_nodes"]
    assert set(slowest) == set(RUNS)
    for run in RUNS:
        seconds = list(slowest[run].values())
        assert seconds and seconds == sorted(seconds, reverse=True), slowest[run]
        assert {node.split(" ")[0] for node in slowest[run]} <= {"model", "test", "unit_test", "seed", "operation"}
    assert all(0 <= s <= result["full_build_s"] for s in slowest["full"].values())
    assert "unit_test" not in " ".join(slowest["month"])  # an incremental build runs no unit test


@pytest.mark.slow
@pytest.mark.warehouse
def test_copy_all_covers_every_file_of_the_full_run_and_the_ratios_are_the_quotients(bench):
    result = bench["result"]
    assert result["copy_all_files"] == len(result["files_loaded"]["full"]) == 29
    # the full run's raw rows: every row of every file it loaded went through the plain COPY
    assert result["copy_all_rows"] > 3000 * 10
    assert 0 < result["copy_all_s"] < result["e2e_full_s"]
    assert result["full_vs_copy_all"] == pytest.approx(result["e2e_full_s"] / result["copy_all_s"], abs=0.005)
    assert result["month_vs_full"] == pytest.approx(result["e2e_month_s"] / result["e2e_full_s"], abs=0.0005)
    assert result["payment_month_vs_full"] == pytest.approx(
        result["e2e_payment_month_s"] / result["e2e_full_s"], abs=0.0005
    )


def a_result(people: int, full: float, month: float, payment_month: float, rss: int) -> dict:
    return {
        "people": people,
        "e2e_full_s": full,
        "e2e_month_s": month,
        "e2e_payment_month_s": payment_month,
        "peak_rss_mb": rss,
    }


def test_the_fit_gives_back_the_line_the_points_lie_on():
    assert fit_line([0.26, 1.0, 2.6, 10.0], [30 + 95 * x for x in (0.26, 1.0, 2.6, 10.0)]) == pytest.approx((30, 95))
    # off-line points: the least-squares line of (0, 0), (1, 1), (2, 1) is y = 1/6 + x/2
    assert fit_line([0, 1, 2], [0, 1, 1]) == pytest.approx((1 / 6, 1 / 2))
    with pytest.raises(ValueError, match="two different sizes"):
        fit_line([1.0, 1.0], [3.0, 4.0])


def test_the_curve_fits_fixed_and_per_million_seconds_and_names_every_size(tmp_path):
    paths = []
    for people in (1_000_000, 260_000, 2_600_000):  # out of order: the table sorts them
        millions = people / 1e6
        path = tmp_path / f"bench-{people}.json"
        path.write_text(json.dumps(a_result(people, 40 + 100 * millions, 12 + 9 * millions, 8 + 2 * millions, 500)))
        paths.append(path)
    results = load_results(paths)
    assert [r["people"] for r in results] == [260_000, 1_000_000, 2_600_000]
    fitted = fits(results)
    assert fitted["e2e_full_s"] == pytest.approx((40, 100))
    assert fitted["e2e_month_s"] == pytest.approx((12, 9))

    lines = curve_lines(results)
    table = "\n".join(lines)
    assert [row.split()[0] for row in lines[1:4]] == ["260,000", "1,000,000", "2,600,000"]
    assert "full run        40.0 s fixed +    100.0 s per million people" in table
    assert "real month      12.0 s fixed +      9.0 s per million people" in table


def test_the_curve_png_is_a_real_image(tmp_path):
    results = [a_result(p, 40 + 100 * p / 1e6, 12 + 9 * p / 1e6, 9, 300 + p // 10_000) for p in (260_000, 10**6)]
    out = tmp_path / "docs" / "bench_curve.png"
    plot_curve(results, out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 20_000
    height, width, _ = matplotlib.image.imread(out).shape
    assert (width, height) == (11 * 120, int(4.5 * 120))


def test_a_bench_json_of_the_two_run_bench_is_refused_by_name(tmp_path):
    old = tmp_path / "bench.json"
    old.write_text(json.dumps({"people": 260_000, "e2e_full_s": 30.0, "e2e_incremental_s": 9.0, "peak_rss_mb": 400}))
    with pytest.raises(ValueError, match=r"has no e2e_month_s, e2e_payment_month_s"):
        load_results([old])


@pytest.mark.slow
def test_rentan_bench_curve_prints_the_table_and_writes_the_png(tmp_path):
    paths = []
    for people, full in ((260_000, 60.0), (1_000_000, 130.0)):
        path = tmp_path / f"{people}.json"
        path.write_text(json.dumps(a_result(people, full, full / 5, full / 10, 700)))
        paths.append(str(path))
    out = tmp_path / "curve.png"
    rentan = Path(sys.executable).parent / "rentan"
    done = subprocess.run([rentan, "bench-curve", *paths, "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "260,000" in done.stdout and "1,000,000" in done.stdout and f"wrote {out}" in done.stdout
    assert matplotlib.image.imread(out).shape[2] in (3, 4)
