"""The SQL features the warehouse uses, held to what Citus supports on distributed tables.

design.md: "Nothing in the models may assume a single node beyond what Citus supports."
This scans every .sql file of the dbt models and macros and of the migrations (whatever
exists when it runs), lists the features found, and fails on any outside the allow-list.
The lists and their sources are explained in docs/scaling.md; run this file directly
(`python tests/test_sql_features.py`) to print the inventory.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCANNED = [
    REPO / "dbt_project" / "models",
    REPO / "dbt_project" / "macros",
    REPO / "plugins" / "rentan" / "warehouse" / "migrations",
]

# feature -> pattern over the SQL with comments and string literals removed
FEATURES = {
    "cte": r"\bwith\s+\w+\s*(\([^()]*\))?\s+as\s*(not\s+)?(materialized\s+)?\(",
    "recursive cte": r"\bwith\s+recursive\b",
    "window function": r"\bover\s*\(|\bover\s+\w+\b|\bwindow\s+\w+\s+as\s*\(",
    "distinct on": r"\bdistinct\s+on\s*\(",
    "lateral join": r"\blateral\b",
    "set-returning function": (
        r"\b(unnest|generate_series|regexp_split_to_table|string_to_table|regexp_matches"
        r"|jsonb?_array_elements(_text)?|jsonb?_each(_text)?|jsonb?_object_keys)\s*\("
    ),
    "exists subquery": r"\bexists\s*\(\s*select\b",
    "in subquery": r"\bin\s*\(\s*select\b",
    "outer join": r"\b(left|right|full)\s+(outer\s+)?join\b",
    "ordered-set aggregate": r"\bwithin\s+group\s*\(",
    "grouping sets": r"\bgrouping\s+sets\b|\brollup\s*\(|\bcube\s*\(",
    "tablesample": r"\btablesample\b",
    "row locking (for update/share)": r"\bfor\s+(no\s+key\s+)?(update|share|key\s+share)\b",
    "merge": r"\bmerge\s+into\b",
    "int sequence (serial)": r"\b(small)?serial\b",
    "bigint sequence": r"\bbigserial\b|\bcreate\s+sequence\b|\bnextval\s*\(",
    "identity column": r"\bgenerated\s+(always|by\s+default)\s+as\s+identity\b",
    "materialized view": r"\bcreate\s+materialized\s+view\b|\brefresh\s+materialized\s+view\b",
    "view": r"\bcreate\s+(or\s+replace\s+)?view\b",
    "trigger": r"\bcreate\s+(or\s+replace\s+)?(constraint\s+)?trigger\b",
    "rule": r"\bcreate\s+(or\s+replace\s+)?rule\b",
    "user-defined function": r"\bcreate\s+(or\s+replace\s+)?function\b",
    "do block": r"\bdo\s+\$",
    "declarative partitioning": r"\bpartition\s+by\s+(list|range|hash)\b|\battach\s+partition\b",
    "foreign key": r"\breferences\s+\w+\.\w+|\bforeign\s+key\b",
    "advisory lock": r"\bpg_(try_)?advisory_(xact_)?lock\b",
    "listen/notify": r"\b(listen|notify)\s+\w+",
}

# dbt materializations are in config() strings, which the scan strips: read them from the raw text.
MATERIALIZATION = re.compile(r"materialized\s*=\s*['\"](\w+)['\"]")
DBT_MATERIALIZATIONS = {"materialized_view": "materialized view"}

# Supported on distributed tables without conditions (Citus docs, "SQL Support and Workarounds").
SUPPORTED = {
    "cte",
    "set-returning function",
    "bigint sequence",
    "identity column",
    "view",
    "user-defined function",
    "do block",
    "declarative partitioning",
    "advisory lock",
}
# Supported, with a condition the scan cannot check: pushed down to the workers when joined,
# partitioned or correlated on the distribution column (NIK); otherwise planned on the
# coordinator (recursive planning / row gather), or valid only between co-located or
# reference tables. Allowed, and listed so a reviewer checks each use (docs/scaling.md).
CONDITIONAL = {
    "window function": "pushed down when PARTITION BY includes NIK; else computed on the coordinator",
    "distinct on": "pushed down when it includes NIK; else gathered on the coordinator",
    "lateral join": "supported when the lateral subquery is correlated on NIK or reads reference tables",
    "exists subquery": "correlated subqueries must correlate on NIK, or read a reference table",
    "in subquery": "uncorrelated subqueries are planned recursively (materialised once)",
    "outer join": "between distributed tables only on NIK; a distributed table must be the outer side",
    "ordered-set aggregate": "gathered on the coordinator (row-gather aggregation)",
    "merge": "only between co-located distributed tables (same NIK distribution)",
    "foreign key": "distributed -> reference or co-located on NIK; never distributed -> local",
}
# Not supported across shards, or not at all: using one fails this test.
UNSUPPORTED = {
    "recursive cte": "single-shard queries only",
    "grouping sets": "single-shard queries only",
    "tablesample": "single-shard queries only",
    "row locking (for update/share)": "single-shard queries only",
    "int sequence (serial)": "sequences smaller than bigint fail on worker inserts",
    "materialized view": "a coordinator-local copy, not distributed: use a dbt table",
    "trigger": "off on distributed tables unless citus.enable_unsafe_triggers",
    "rule": "the rule system is not supported",
    "listen/notify": "coordinator-only, and not a data pipeline's business",
}
ALLOWED = SUPPORTED | set(CONDITIONAL)


def strip_sql(text: str) -> str:
    """Remove Jinja and SQL comments and single-quoted literals; keep dollar-quoted bodies (they are SQL)."""
    text = re.sub(r"\{#.*?#\}", " ", text, flags=re.S)
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"--[^\n]*", " ", text)
    text = re.sub(r"[eE]?'(?:[^']|'')*'", "''", text)
    return text.lower()


def features_of(text: str) -> set[str]:
    found = {name for name, pattern in FEATURES.items() if re.search(pattern, strip_sql(text))}
    found |= {DBT_MATERIALIZATIONS[m] for m in MATERIALIZATION.findall(text) if m in DBT_MATERIALIZATIONS}
    return found


def sql_files() -> list[Path]:
    return sorted(p for root in SCANNED if root.exists() for p in root.rglob("*.sql"))


def inventory() -> dict[str, list[str]]:
    """feature -> files using it (paths relative to the repo)."""
    found: dict[str, list[str]] = {}
    for path in sql_files():
        for feature in features_of(path.read_text(errors="replace")):
            found.setdefault(feature, []).append(str(path.relative_to(REPO)))
    return dict(sorted(found.items()))


def report() -> str:
    lines = []
    for feature, files in inventory().items():
        verdict = (
            "UNSUPPORTED: " + UNSUPPORTED[feature]
            if feature in UNSUPPORTED
            else "conditional: " + CONDITIONAL[feature]
            if feature in CONDITIONAL
            else "supported"
        )
        lines.append(f"{feature:<32}{len(files):>3} file(s)  {verdict}")
    return "\n".join(lines)


def test_every_feature_is_classified():
    assert set(FEATURES) | set(DBT_MATERIALIZATIONS.values()) == ALLOWED | set(UNSUPPORTED)
    assert not ALLOWED & set(UNSUPPORTED)


def test_the_scan_finds_the_projects_sql():
    files = sql_files()
    assert any("migrations" in str(p) for p in files)
    assert "cte" in inventory() or not any("models" in str(p) for p in files)


def test_the_warehouse_uses_only_sql_that_citus_distributes():
    found = inventory()
    unsupported = {f: files for f, files in found.items() if f not in ALLOWED}
    assert not unsupported, "SQL features Citus does not support on distributed tables:\n" + "\n".join(
        f"  {f} ({UNSUPPORTED.get(f, 'unclassified')}): {', '.join(files)}" for f, files in unsupported.items()
    )


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("with recursive tree as (select 1) select * from tree", {"recursive cte"}),
        (
            "with ranked as (select nik, row_number() over (order by desil) from t) select * from ranked",
            {"cte", "window function"},
        ),
        ("select distinct on (nik) nik from t order by nik, batch_id desc", {"distinct on"}),
        ("select * from t, lateral (select 1) x", {"lateral join"}),
        ("select reason from t, unnest(string_to_array(reasons, ',')) as reason", {"set-returning function"}),
        ("select * from t where not exists (select 1 from q where q.id = t.id)", {"exists subquery"}),
        ("select a, b, sum(x) from t group by grouping sets ((a), (b))", {"grouping sets"}),
        ("select * from t for update", {"row locking (for update/share)"}),
        ("create table t (id serial primary key)", {"int sequence (serial)"}),
        ("create table t (id bigint generated always as identity)", {"identity column"}),
        ("create materialized view m as select 1", {"materialized view"}),
        ("{{ config(materialized='materialized_view') }} select 1", {"materialized view"}),
        ("create trigger t before insert on x for each row execute function f()", {"trigger"}),
        ("select percentile_cont(0.5) within group (order by x) from t", {"ordered-set aggregate"}),
        ("select a from t left join u on t.nik = u.nik", {"outer join"}),
        # not features: words in comments, strings and identifiers
        ("-- with recursive, for update, over (\nselect 'for update' as note, overlap from t /* lateral */", set()),
        ("{# rollup(a) and create trigger #} select windowed, serial_no from t", set()),
        ("select * from t where status in ('LOADED') order by 1", set()),
    ],
)
def test_the_scanner_recognises_features(sql, expected):
    assert features_of(sql) == expected


if __name__ == "__main__":
    print(report())
