"""Opening the dashboards in a real browser: Debian's chromium driven by Playwright.

Used by the dashboard tests and by `rentan bench-bi`. Playwright is a dev dependency and
never downloads a browser here: it drives the system's /usr/bin/chromium.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from rentan_dev.bi import ASSETS_DIR

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}

# Every chart of the page has drawn something (a canvas or svg for ECharts, a table, a big
# number) or an error, and no loading spinner is left.
ALL_RENDERED = """() => {
  const charts = [...document.querySelectorAll('[data-test="chart-grid-component"]')];
  if (charts.length === 0 || document.querySelector('[data-test="loading-indicator"]')) return false;
  return charts.every(c => c.querySelector('canvas, svg, table, .header-line, .ant-alert, [role="alert"], .ant-empty')
                           || /No results|error/i.test(c.innerText));
}"""
# Per chart: its name, and its text when it shows an error or no data.
CHART_PROBLEMS = """() => [...document.querySelectorAll('[data-test="chart-grid-component"]')].map(c => ({
  name: c.getAttribute('data-test-chart-name'),
  problem: (c.querySelector('.ant-alert-error, .ant-alert-warning, [role="alert"], .ant-empty')
            || /No results|Unexpected error|error occurred/i.test(c.innerText)) ? c.innerText.slice(0, 300) : null,
}))"""


# Per ECharts chart: its name, the categories of its category axes and every text it actually drew.
# The chart's ECharts instance is reached through React's fiber of its container (Superset's Echart
# component keeps it in a ref); the drawn texts are zrender's display list, which holds only what
# is visible: a label ECharts left out for lack of room is not there.
DRAWN_TEXT = """() => {
  function instanceOf(dom) {
    const key = Object.keys(dom).find(k => k.startsWith('__reactFiber$'));
    let fiber = key && dom[key];
    for (let depth = 0; fiber && depth < 30; depth++, fiber = fiber.return) {
      for (let hook = fiber.memoizedState; hook && typeof hook === 'object'; hook = hook.next) {
        for (const c of [hook.memoizedState, hook.memoizedState && hook.memoizedState.current]) {
          if (c && typeof c.getZr === 'function' && typeof c.getModel === 'function') return c;
        }
        if (!('next' in hook)) break;
      }
    }
    return null;
  }
  const out = [];
  for (const chart of document.querySelectorAll('[data-test="chart-grid-component"]')) {
    const name = chart.getAttribute('data-test-chart-name');
    const dom = chart.querySelector('[_echarts_instance_]');
    if (!dom) continue;
    let inst = null;
    for (let el = dom; el && !inst; el = el.parentElement) { inst = instanceOf(el); if (el === chart) break; }
    if (!inst) { out.push({name, error: 'no ECharts instance'}); continue; }
    const model = inst.getModel();
    const categories = [];
    for (const axis of ['xAxis', 'yAxis']) {
      (model.getComponent(axis, 0) ? model.findComponents({mainType: axis}) : []).forEach(c => {
        if (c.get('type') === 'category') categories.push(...c.getCategories().map(String));
      });
    }
    const drawn = inst.getZr().storage.getDisplayList(true)
      .map(el => el.style && el.style.text).filter(t => typeof t === 'string' && t.length);
    out.push({name, categories, drawn});
  }
  return out;
}"""


@dataclass
class DashboardLoad:
    slug: str
    title: str
    seconds: float
    charts: list[str]
    # Seconds from navigation until the first chart asked for its data: Superset's page and
    # its JavaScript starting in the browser, before any query.
    first_query_seconds: float | None = None
    problems: dict[str, str] = field(default_factory=dict)
    text: str = ""


def dashboards() -> list[tuple[str, str]]:
    """(slug, title) of every dashboard in bi/superset/dashboards/."""
    found = []
    for path in sorted((ASSETS_DIR / "dashboards").glob("*.yaml")):
        config = yaml.safe_load(path.read_text())
        found.append((config["slug"], config["dashboard_title"]))
    return found


def launch(playwright):
    """Chromium from Debian (make system-deps), headless; never a downloaded browser."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM} is missing: run `make system-deps`")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)


def login(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username], #username", username)
    page.fill("input[name=password], #password", password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url, timeout=60_000)


def load_dashboard(
    page, base_url: str, slug: str, title: str = "", timeout_ms: int = 180_000, screenshot: Path | None = None
) -> DashboardLoad:
    """Open one dashboard and wait until every chart has rendered; time it from navigation."""
    chart_requests: list[float] = []

    def on_request(request) -> None:
        if "/api/v1/chart/data" in request.url:
            chart_requests.append(time.perf_counter())

    page.on("request", on_request)
    started = time.perf_counter()
    page.goto(f"{base_url}/superset/dashboard/{slug}/", wait_until="domcontentloaded")
    page.wait_for_function(ALL_RENDERED, timeout=timeout_ms, polling=200)
    seconds = time.perf_counter() - started
    page.remove_listener("request", on_request)
    if screenshot is not None:
        # A full-page capture resizes the page under the grid, which lays the charts out again:
        # grow the viewport to the page first, wait for the charts again, then capture it.
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": VIEWPORT["width"], "height": max(height, VIEWPORT["height"])})
        page.wait_for_timeout(1000)
        page.wait_for_function(ALL_RENDERED, timeout=timeout_ms, polling=200)
        page.wait_for_timeout(1000)  # ECharts' entry animation
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot))
        page.set_viewport_size(VIEWPORT)
    charts = page.evaluate(CHART_PROBLEMS)
    return DashboardLoad(
        slug=slug,
        title=title,
        seconds=seconds,
        first_query_seconds=min(chart_requests) - started if chart_requests else None,
        charts=[c["name"] for c in charts],
        problems={c["name"]: c["problem"] for c in charts if c["problem"]},
        text=page.inner_text("body"),
    )


def drawn_text(page) -> list[dict]:
    """{name, categories, drawn} for every ECharts chart of the open dashboard (DRAWN_TEXT)."""
    return page.evaluate(DRAWN_TEXT)


def bench(base_url: str, username: str, password: str, runs: int = 3) -> dict:
    """Each dashboard opened `runs` times in one logged-in browser: seconds until every chart rendered.

    The first opening of each dashboard is the one no cache helps with (bi/superset_cache.py
    serves the later ones until the next publish); the median until the first chart query is
    the share of the page itself (Superset's JavaScript starting in the browser).
    """
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport=VIEWPORT)
        login(page, base_url, username, password)
        for slug, title in dashboards():
            loads = [load_dashboard(page, base_url, slug, title) for _ in range(runs)]
            times = [load.seconds for load in loads]
            page_times = sorted(load.first_query_seconds or 0.0 for load in loads)
            results[slug] = {
                "title": title,
                "first_s": round(times[0], 2),
                "median_s": round(sorted(times)[len(times) // 2], 2),
                "max_s": round(max(times), 2),
                "median_until_first_query_s": round(page_times[len(page_times) // 2], 2),
            }
        browser.close()
    return results
