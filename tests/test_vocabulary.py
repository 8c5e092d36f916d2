"""One vocabulary: every label lives once, in the dbt seed `codes`, and whatever shows a code reads it.

No database: the seed file and the project's Python and SQL sources."""

from __future__ import annotations

import csv

import pytest

from rentan.paths import DBT_PROJECT_DIR, REPO_ROOT
from rentan.reports.formatting import MONTHS_ID, MONTHS_SHORT_ID
from rentan.reports.vocabulary import SEED_FILE, seed

# Where a program writes text for readers: a label here must be read, not typed again.
SOURCES = [
    *sorted((REPO_ROOT / "plugins").rglob("*.py")),
    *sorted((REPO_ROOT / "dags").rglob("*.py")),
    *sorted((REPO_ROOT / "bi").glob("*.py")),
    *sorted((DBT_PROJECT_DIR / "models").rglob("*.sql")),
    *sorted((DBT_PROJECT_DIR / "macros").rglob("*.sql")),
]


def rows() -> list[dict]:
    with SEED_FILE.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_every_entry_has_a_label_a_meaning_and_an_action_once_per_domain():
    entries = rows()
    assert len(entries) > 100
    assert len({(r["domain"], r["code"]) for r in entries}) == len(entries)
    assert len({(r["domain"], r["sort_order"]) for r in entries}) == len(entries)
    for r in entries:
        assert r["label"] and r["meaning"].endswith(".") and r["action"].endswith("."), r
    domains = {r["domain"] for r in entries}
    named = {r["code"] for r in entries if r["domain"] == "domain"}
    assert {"reconciliation_category", "eligibility_reason", "quarantine_reason", "binding_constraint"} <= named
    assert named <= domains


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_no_second_copy_of_a_label(path):
    """A label of the seed (of two words or more) never appears as a string literal in a source."""
    labels = {
        r["label"]
        for r in rows()
        if " " in r["label"] and "{" not in r["label"] and r["domain"] not in ("domain", "desil")
    }
    text = path.read_text(encoding="utf-8")
    copies = sorted(label for label in labels if f'"{label}"' in text or f"'{label}'" in text)
    assert not copies, f"{path.name} repeats labels of the vocabulary: {copies}"


def test_the_month_names_come_from_the_vocabulary():
    assert MONTHS_ID[9] == "Oktober" and MONTHS_SHORT_ID[4] == "Mei"
    assert [e.label for e in seed().domain("month")] == list(MONTHS_ID)
