"""expectations/README.md's table of GX checks is the suites' own list, and the page keeps no hand-counted totals.

Plain YAML and text: no database, no dbt.
"""

from __future__ import annotations

import re

import yaml

from rentan.paths import REPO_ROOT

EXPECTATIONS = REPO_ROOT / "expectations"
ROW = re.compile(r"^\| `(\w+\.\w+)`( \*\*warn\*\*)? \|", re.MULTILINE)


def suite_checks() -> dict[str, str]:
    """suite.check -> severity, from every suite file."""
    checks = {}
    for path in sorted((EXPECTATIONS / "suites").glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for batch in doc["batches"]:
            for check in batch["checks"]:
                checks[f"{doc['suite']}.{check['name']}"] = check["severity"]
    return checks


def readme_section(title: str) -> str:
    text = (EXPECTATIONS / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n### {title}\n")
    end = text.find("\n#", start + 1)
    return text[start : end if end > 0 else None]


def test_the_gx_table_lists_every_check_with_its_severity():
    table = {name: "warn" if warn else "fail" for name, warn in ROW.findall(readme_section("The GX checks"))}
    assert table == suite_checks()


def test_no_heading_carries_a_count():
    text = (EXPECTATIONS / "README.md").read_text(encoding="utf-8")
    counted = [line for line in text.splitlines() if re.match(r"#+ .*\(\d+[:)]", line)]
    assert counted == [], "a count in a heading goes stale: say how to list instead"
