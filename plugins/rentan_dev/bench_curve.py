"""`rentan bench-curve`: how the pipeline's cost grows with the city, from `rentan bench` results at several sizes.

A city of 11 M people (Jakarta) or a province runs the same pipeline; whether one server still
does it is read off this curve. A least-squares line per measure splits its seconds into a fixed
cost (processes starting, Airflow, dbt's parse: paid at any size) and a cost per million people,
and each point's distance from its line shows where the growth stops being linear. Compare only
results of one machine: absolute seconds differ twofold between machines.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

# bench.json key, and how the table and the plot name it
SECONDS = {"e2e_full_s": "full run", "e2e_month_s": "real month", "e2e_payment_month_s": "payment month"}
FITTED = ("e2e_full_s", "e2e_month_s")


def load_results(paths: list[Path]) -> list[dict]:
    """The bench.json files, smallest city first; each must hold the three runs (bench of issue 24 or later)."""
    results = []
    for path in paths:
        result = json.loads(Path(path).read_text())
        missing = [key for key in ("people", "peak_rss_mb", *SECONDS) if key not in result]
        if missing:
            raise ValueError(f"{path} has no {', '.join(missing)}: not a result of this `rentan bench`")
        results.append(result)
    return sorted(results, key=lambda result: result["people"])


def fit_line(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least squares y = fixed + per_unit * x: (fixed, per_unit). Needs two different x."""
    try:
        per_unit, fixed = statistics.linear_regression(xs, ys)
    except statistics.StatisticsError as err:  # x is constant
        raise ValueError("a line needs results at two different sizes at least") from err
    return fixed, per_unit


def fits(results: list[dict]) -> dict[str, tuple[float, float]]:
    """Per fitted measure: (fixed seconds, seconds per million people)."""
    millions = [result["people"] / 1e6 for result in results]
    return {key: fit_line(millions, [result[key] for result in results]) for key in FITTED}


def curve_lines(results: list[dict]) -> list[str]:
    """The table of sizes and, with two sizes or more, the fitted lines: for the CLI to print."""
    lines = [
        f"{'people':>12}{'full s':>9}{'month s':>9}{'payment month s':>17}{'month/full':>12}{'peak RSS MB':>13}",
        *(
            f"{r['people']:>12,}{r['e2e_full_s']:>9.1f}{r['e2e_month_s']:>9.1f}{r['e2e_payment_month_s']:>17.1f}"
            f"{r['e2e_month_s'] / r['e2e_full_s']:>12.3f}{r['peak_rss_mb']:>13,}"
            for r in results
        ),
    ]
    if len({r["people"] for r in results}) < 2:
        return [*lines, "", "(no fit: it needs results at two different sizes at least)"]
    lines.append("")
    for key, (fixed, per_million) in fits(results).items():
        off = [r[key] / (fixed + per_million * r["people"] / 1e6) - 1 for r in results]
        worst = max(range(len(results)), key=lambda i: abs(off[i]))
        lines.append(
            f"{SECONDS[key]:<11} {fixed:8.1f} s fixed + {per_million:8.1f} s per million people"
            f"  (farthest from the line: {off[worst]:+.0%} at {results[worst]['people']:,} people)"
        )
    return lines


def plot_curve(results: list[dict], out: Path) -> None:
    """A PNG: seconds of each run and the fitted lines (left), peak memory (right), against people."""
    from matplotlib.figure import Figure  # Agg through savefig: no display, no pyplot state

    people = [r["people"] / 1e6 for r in results]
    figure = Figure(figsize=(11, 4.5), layout="constrained")
    seconds, memory = figure.subplots(1, 2)
    fitted = fits(results) if len(set(people)) >= 2 else {}
    span = [0, max(people)]
    for key, label in SECONDS.items():
        (points,) = seconds.plot(people, [r[key] for r in results], "o", label=label)
        if key in fitted:
            fixed, per_million = fitted[key]
            seconds.plot(
                span,
                [fixed + per_million * x for x in span],
                "--",
                color=points.get_color(),
                label=f"{label}: {fixed:.0f} s + {per_million:.0f} s per M",
            )
    seconds.set(xlabel="people (millions)", ylabel="seconds, end to end", title="rentan run against the city's size")
    seconds.legend(fontsize="small")
    seconds.grid(alpha=0.3)
    memory.plot(people, [r["peak_rss_mb"] for r in results], "o-", color="tab:purple")
    memory.axhline(1024, color="tab:red", linestyle=":", label="target: 1 GB")
    memory.set(xlabel="people (millions)", ylabel="MB", title="peak RSS of any pipeline process")
    memory.legend(fontsize="small")
    memory.grid(alpha=0.3)
    for axes in (seconds, memory):
        axes.set_xlim(left=0)
        axes.set_ylim(bottom=0)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=120)
