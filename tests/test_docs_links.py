"""Every relative link in the repository's Markdown resolves: the file exists and the #anchor is a heading of it.

No network and no database: links to other sites are not followed. Anchors are GitHub's: the heading's text,
lower-cased, punctuation dropped, spaces as hyphens, `-1`, `-2`... for repeated headings.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from rentan.paths import REPO_ROOT

SKIPPED_DIRS = {
    "node_modules",
    "target",
    "dbt_packages",
    "logs",
    "uncommitted",
}  # and every hidden folder (.venv, .git...)
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^ {0,3}(```|~~~)")
CODE_SPAN = re.compile(r"(`+).*?\1")
HTML_ANCHOR = re.compile(r"""<a\s[^>]*(?:name|id)=["']([^"']+)["']""")


def markdown_files() -> list[Path]:
    return sorted(
        path
        for path in REPO_ROOT.rglob("*.md")
        if path.is_file()
        and not any(part in SKIPPED_DIRS or part.startswith(".") for part in path.relative_to(REPO_ROOT).parts[:-1])
    )


def prose_lines(path: Path):
    """(line number, line) outside fenced code blocks."""
    fenced = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield number, line


def slug(heading: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link reads as its text
    text = re.sub(r"[`*]", "", text).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    seen: dict[str, int] = {}
    found = set()
    for _, line in prose_lines(path):
        found.update(HTML_ANCHOR.findall(line))
        heading = HEADING.match(line)
        if heading:
            base = slug(heading.group(2))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return frozenset(found)


def broken_links(path: Path) -> list[str]:
    broken = []
    for number, line in prose_lines(path):
        for target in LINK.findall(CODE_SPAN.sub("", line)):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # https:, mailto:, ...
                continue
            file_part, _, anchor = target.partition("#")
            resolved = (path.parent / file_part).resolve() if file_part else path
            where = f"{path.relative_to(REPO_ROOT)}:{number}: {target}"
            if not resolved.exists():
                broken.append(f"{where} (no such file)")
            elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
                broken.append(f"{where} (no heading #{anchor} in {resolved.relative_to(REPO_ROOT)})")
    return broken


def test_the_checker_reads_links_and_anchors_as_github_does():
    assert slug("The deployment's parameters") == "the-deployments-parameters"
    assert slug("One process, the DAGs' own `dag.test()`") == "one-process-the-dags-own-dagtest"
    assert slug('What "ran" means') == "what-ran-means"
    assert LINK.findall("see [a](b.md#c) and ![img](img/x.png) and [x](https://e.org)") == [
        "b.md#c",
        "img/x.png",
        "https://e.org",
    ]


def test_there_are_documents_to_check():
    names = {path.relative_to(REPO_ROOT).as_posix() for path in markdown_files()}
    assert {"README.md", "docs/decisions.md", "docs/design.md"} <= names


@pytest.mark.parametrize("path", markdown_files(), ids=lambda path: path.relative_to(REPO_ROOT).as_posix())
def test_every_relative_link_resolves(path):
    assert broken_links(path) == []
