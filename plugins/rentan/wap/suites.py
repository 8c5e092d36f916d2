"""The checks a build declares: the Great Expectations suites, and the dbt tests of its manifest.

The suites are config, not code: expectations/suites/<family>.yml (format in
expectations/README.md). Each check is `fail` (blocks publish) or `warn` (reported, publish
goes on): the one severity scheme, shared with dbt (`severity: error` = fail, `warn` = warn)
and written to GX as its own expectation severity (critical, warning).

A batch names the dbt models (or seeds) it reads (`needs: [ops.enrollment]`) and, when it
compares the build with what is published, the published relations (`compares_with:
[marts.program_capacity]`). Every name must be a model or seed of dbt_project: a mistyped one
fails the load, naming the file and the name, before any check runs (a check that silently
never runs is worse than none). Running the checks is rentan.validate.gx; their results are
rentan.wap.checks.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rentan.paths import DBT_PROJECT_DIR, EXPECTATIONS_DIR

SUITES_DIR = EXPECTATIONS_DIR / "suites"
# Our severities, and what they are called in GX. dbt: `error` -> fail, `warn` -> warn.
SEVERITIES = {"fail": "critical", "warn": "warning"}
DBT_SEVERITIES = {"error": "fail", "warn": "warn"}
DBT_SUITE = "dbt"
DBT_TEST_TYPES = ("test", "unit_test")  # manifest resource types recorded as checks of suite `dbt`
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
SENTENCE_KEYS = {"name", "template", "query"}  # a check's sentence (rentan.validate.sentences)


class SuiteError(ValueError):
    """A suite file that cannot be run as written; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Check:
    suite: str
    name: str
    severity: str
    description: str
    expect: str | None = None  # a GX expectation class, with `kwargs`
    kwargs: dict = field(default_factory=dict)
    unexpected_rows: str | None = None  # or SQL returning the failing rows of {batch}
    sentence: dict | None = None  # what a failure says, with its numbers (rentan.validate.sentences)

    @property
    def label(self) -> str:
        return f"{self.suite}.{self.name}"


@dataclass(frozen=True)
class Batch:
    suite: str
    name: str
    needs: tuple[str, ...]  # schema.model of the dbt models the query reads
    query: str
    checks: tuple[Check, ...]
    compares_with: tuple[str, ...] = ()  # published relations (schema.name) the query reads


def load_suites(directory: Path = SUITES_DIR) -> dict[str, list[Batch]]:
    """Every family's batches, from its YAML file; a malformed check or an unknown relation is an error here."""
    relations = project_relations()
    suites = {}
    for path in sorted(directory.glob("*.yml")):
        doc = yaml.safe_load(path.read_text())
        suite = doc["suite"]
        suites[suite] = [_batch(suite, b, path, relations) for b in doc["batches"]]
    return suites


def _batch(suite: str, spec: dict, path: Path, relations: set[str]) -> Batch:
    for key in ("needs", "compares_with"):
        for name in spec.get(key) or ():
            if name not in relations:
                raise SuiteError(
                    f"{path}: batch {spec.get('name')} lists {key}: {name}, which is not a model or seed of "
                    f"dbt_project (write schema.name, e.g. ops.enrollment)"
                )
    checks = []
    for c in spec["checks"]:
        where = f"{path.name}: {suite}.{c.get('name')}"
        if c.get("severity") not in SEVERITIES:
            raise SuiteError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
        if bool(c.get("expect")) == bool(c.get("unexpected_rows")):
            raise SuiteError(f"{where}: give exactly one of `expect` and `unexpected_rows`")
        if c.get("unexpected_rows") and "{batch}" not in c["unexpected_rows"]:
            raise SuiteError(f"{where}: unexpected_rows must select from {{batch}}")
        if "sentence" in c and set(c["sentence"] or ()) != SENTENCE_KEYS:
            raise SuiteError(f"{where}: a sentence has exactly {', '.join(sorted(SENTENCE_KEYS))}")
        checks.append(
            Check(
                suite,
                c["name"],
                c["severity"],
                " ".join(c.get("description", "").split()),
                c.get("expect"),
                c.get("with") or {},
                c.get("unexpected_rows"),
                c.get("sentence"),
            )
        )
    return Batch(
        suite,
        spec["name"],
        tuple(spec.get("needs") or ()),
        spec["query"],
        tuple(checks),
        tuple(spec.get("compares_with") or ()),
    )


def project_relations(project: Path = DBT_PROJECT_DIR) -> set[str]:
    """`schema.name` of every model and seed of the dbt project, the schema as dbt_project.yml configures it."""
    config = yaml.safe_load((project / "dbt_project.yml").read_text())
    name = config["name"]
    folders = (config.get("models") or {}).get(name) or {}
    models = project / "models"
    relations = set()
    for file in [*models.rglob("*.sql"), *models.rglob("*.py")]:
        folder = file.relative_to(models).parts[0]
        schema = (folders.get(folder) or {}).get("+schema", folder)
        relations.add(f"{schema}.{file.stem}")
    seed_schema = ((config.get("seeds") or {}).get(name) or {}).get("+schema", "public")
    relations |= {f"{seed_schema}.{file.stem}" for file in (project / "seeds").rglob("*.csv")}
    return relations


def suite_names() -> list[str]:
    return list(load_suites())


def declared_checks(manifest_path: Path) -> list[str]:
    """`suite.check` of every GX check of the suites and every dbt test of the build's manifest.

    The cohort checks (rentan.wap.cohort) are declared by their own module.
    """
    gx = [check.label for batches in load_suites().values() for batch in batches for check in batch.checks]
    return gx + [f"{DBT_SUITE}.{unique_id}" for unique_id in manifest_tests(manifest_path)]


def manifest_tests(manifest_path: Path) -> dict[str, dict]:
    """The manifest's data and unit tests: unique_id -> node."""
    manifest = json.loads(manifest_path.read_text())
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    return {uid: node for uid, node in nodes.items() if node.get("resource_type") in DBT_TEST_TYPES}


def render(text: str, values: dict[str, str]) -> str:
    """Fill {name} placeholders (schemas, parameters); leave the others ({batch} is GX's)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), text)


def sql_literal(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"
