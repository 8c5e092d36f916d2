"""The Great Expectations Data Docs work offline: every page's CSS and JavaScript is a local file that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rentan.validate import gx
from rentan.wap.suites import Batch, Check

ASSET = re.compile(r"<(?:script|link)\b[^>]*?\b(?:src|href)=\"([^\"]+)\"", re.I)
STYLESHEET_OR_SCRIPT = re.compile(r"\.(css|js)(\?.*)?$")


@pytest.fixture(scope="module")
def docs_dir(server_url, tmp_path_factory) -> Path:
    """Data Docs of one small GX run through rentan.validate.gx (one passing, one failing check)."""
    docs = tmp_path_factory.mktemp("data_docs")
    checks = (
        Check("offline", "x_not_null", "fail", "x is set", "ExpectColumnValuesToNotBeNull", {"column": "x"}),
        Check(
            "offline", "x_small", "warn", "x below 2", "ExpectColumnValuesToBeBetween", {"column": "x", "max_value": 1}
        ),
    )
    batches = [
        Batch("offline", "numbers", (), "select x from (values (1), (2)) as t (x)", checks),
        Batch("offline", "more_numbers", (), "select x from (values (1)) as t (x)", checks[:1]),
    ]
    results = gx._run_gx(server_url, {}, batches, {}, "offline_run", docs)
    assert sorted((r.check, r.success) for r in results) == [
        ("x_not_null", True),
        ("x_not_null", True),
        ("x_small", False),
    ]
    return docs


def test_the_site_shows_every_batch_of_the_run_once(docs_dir):
    """The site is built once, after the checkpoint: each batch has its validation page, the index links each."""
    pages = sorted(str(p.relative_to(docs_dir)) for p in (docs_dir / "validations").rglob("*.html"))
    assert [page.split("/")[2] for page in pages] == ["more_numbers", "numbers"]
    index = (docs_dir / "index.html").read_text()
    assert all(page in index for page in pages)


def assets(page: Path) -> list[str]:
    return [ref for ref in ASSET.findall(page.read_text()) if STYLESHEET_OR_SCRIPT.search(ref)]


def test_index_references_only_local_css_and_js_that_exist(docs_dir):
    index = docs_dir / "index.html"
    refs = assets(index)
    assert any(ref.endswith("bootstrap-table.min.js") for ref in refs) and any(
        ref.endswith("jquery.min.js") for ref in refs
    )
    for ref in refs:
        assert not re.match(r"https?:", ref), ref
        assert (index.parent / ref.split("?")[0]).is_file(), ref
    assert "offline.numbers" in index.read_text()  # the lists' data is in the page


def test_every_page_is_offline(docs_dir):
    pages = list(docs_dir.rglob("*.html"))
    assert len(pages) > 2  # the index, the suite and the validation pages
    for page in pages:
        text = page.read_text()
        assert not re.search(r"<(script|link)\b[^>]*(src|href)=\"https?://", text), page
        for ref in assets(page):
            assert (page.parent / ref.split("?")[0]).is_file(), (page, ref)
        assert "amazonaws.com" not in text, page
