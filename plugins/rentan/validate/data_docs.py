"""Great Expectations Data Docs that work offline: local copies of the CSS and JavaScript.

GX writes pages that load jQuery, Bootstrap, bootstrap-table and Font Awesome from CDNs;
without the network the index's lists stay empty. After each build, `make_offline` copies
the vendored files (expectations/data_docs_assets, see its README) into the site's
`static/vendor/`, points every page's <script src> and <link href> at them by a path
relative to the page, drops the few it has no copy of (charts, the dark theme) and points
the logo at GX's own local copy. Nothing is fetched at run time.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from rentan.paths import EXPECTATIONS_DIR

log = logging.getLogger(__name__)

ASSETS_DIR = EXPECTATIONS_DIR / "data_docs_assets"
DATA_DOCS_ENV = "RENTAN_DATA_DOCS_DIR"
DEFAULT_DATA_DOCS_DIR = EXPECTATIONS_DIR / "uncommitted" / "data_docs"  # git-ignored: failing rows may carry NIKs
VENDOR = Path("static") / "vendor"
# The file name a CDN URL ends with -> the vendored copy (under ASSETS_DIR).
LOCAL_COPIES = {
    "jquery-3.7.1.min.js": "jquery.min.js",
    "popper.min.js": "popper.min.js",
    "bootstrap.min.css": "bootstrap.min.css",
    "bootstrap.min.js": "bootstrap.min.js",
    "bootstrap-table.min.css": "bootstrap-table.min.css",
    "bootstrap-table.min.js": "bootstrap-table.min.js",
    "bootstrap-table-filter-control.css": "bootstrap-table-filter-control.min.css",
    "bootstrap-table-filter-control.min.css": "bootstrap-table-filter-control.min.css",
    "bootstrap-table-filter-control.min.js": "bootstrap-table-filter-control.min.js",
    "bootstrap-datepicker.min.css": "bootstrap-datepicker.min.css",
    "bootstrap-datepicker.min.js": "bootstrap-datepicker.min.js",
    "all.min.css": "fontawesome/css/all.min.css",
}
# Loaded by GX but not needed by these suites' pages: removed rather than left to fail.
DROPPED = ("vega@5", "vega-lite@5", "vega-embed@6", "bootstrap-prefers-dark.css")
_TAG = re.compile(r"<(?:script|link)\b[^>]*?\b(src|href)=\"(https?://[^\"]+)\"[^>]*>(\s*</script>)?", re.I)
_LOGO = re.compile(r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/([\w.-]+)(\?[^\"]*)?")


def data_docs_dir() -> Path:
    """Where the last run's Data Docs are built: RENTAN_DATA_DOCS_DIR, else expectations/uncommitted/data_docs."""
    return Path(os.environ.get(DATA_DOCS_ENV) or DEFAULT_DATA_DOCS_DIR)


def make_offline(docs_dir: Path) -> list[str]:
    """Rewrite every page under `docs_dir` to local assets; return the http(s) css/js URLs left (logged)."""
    docs_dir = Path(docs_dir)
    if not (docs_dir / "index.html").exists():
        return []
    shutil.copytree(ASSETS_DIR, docs_dir / VENDOR, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.md"))
    left = []
    for page in docs_dir.rglob("*.html"):
        html, unknown = rewrite(page.read_text(encoding="utf-8"), page.parent, docs_dir)
        page.write_text(html, encoding="utf-8")
        left += unknown
    if left:
        log.warning("Data Docs still load %d asset(s) from the network: %s", len(left), ", ".join(sorted(set(left))))
    return left


def rewrite(html: str, page_dir: Path, docs_dir: Path) -> tuple[str, list[str]]:
    """The page with local asset paths; the css/js URLs it had no copy of."""
    to_root = Path(os.path.relpath(docs_dir, page_dir))
    unknown = []

    def local(match: re.Match) -> str:
        attribute, url = match[1], match[2]
        if any(url.endswith(name) for name in DROPPED):
            return ""
        name = LOCAL_COPIES.get(Path(urlsplit(url).path).name)
        if name is None:
            unknown.append(url)
            return match[0]
        path = (to_root / VENDOR / name).as_posix()
        opening = re.sub(r"\s(integrity|crossorigin)=\"[^\"]*\"", "", match[0])
        return opening.replace(f'{attribute}="{url}"', f'{attribute}="{path}"')

    html = _TAG.sub(local, html)
    html = _LOGO.sub(lambda m: (to_root / "static" / "images" / m[1]).as_posix(), html)
    return html, unknown
