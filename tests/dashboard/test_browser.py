"""The dashboard in headless Chromium: sign in, live charts, build, share, embed.

Each step saves a screenshot under ``test-artifacts/dashboard/``.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tests.dashboard.conftest import ARTIFACTS, track
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

WAIT_MS = 10_000

# How many pixels of the upper half of a chart's canvas carry the first
# series' colour (#2563eb): the axes and grid are grey, and a series of
# zeros runs along the bottom, so only a drawn data point paints them.
SERIES_PIXELS = """(selector) => {
  const canvas = document.querySelector(selector + " canvas");
  if (!canvas) { return 0; }
  const half = Math.floor(canvas.height / 2);
  const pixels = canvas.getContext("2d")
    .getImageData(0, 0, canvas.width, half).data;
  let painted = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    const [r, g, b, a] = pixels.slice(i, i + 4);
    if (a > 128 && Math.abs(r - 37) < 40 && Math.abs(g - 99) < 40 && b > 180) {
      painted++;
    }
  }
  return painted;
}"""


class Watched:
    """A browser page that records console errors, dialogs and requests."""

    def __init__(self, context: Any) -> None:
        self.page = context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", self._console)
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", self._dialog)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def foreign_requests(self, *origins: str) -> list[str]:
        """The requests to any host but ``origins``: the charts need none."""
        return [
            url
            for url in self.requests
            if not url.startswith("data:")
            and not any(url.startswith(f"{origin}/") for origin in origins)
        ]


@pytest.fixture
def context(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    yield context
    context.close()


def sign_in(tab: Watched, server: LiveServer) -> None:
    tab.page.goto(f"{server.url}/")
    tab.page.fill("input[name=api_key]", server.api_key)
    tab.page.click("button[type=submit]")
    tab.page.wait_for_selector("table.metrics")


def chart_ready(tab: Watched, selector: str = ".chart") -> None:
    tab.page.wait_for_selector(f"{selector}[data-state=ready]", timeout=WAIT_MS)


def test_sign_in_and_watch_a_metric_update_live(
    live_server: LiveServer, context: Any
) -> None:
    for value in (3, 5, 8):
        track(live_server, "Signups", value, meta={"plan": "pro"})
    tab = Watched(context)

    sign_in(tab, live_server)
    tab.shot("01-metrics")
    assert tab.page.locator("a.metric-link", has_text="Signups").count() == 1

    tab.page.click("a.metric-link")
    chart_ready(tab)
    tab.page.evaluate("window.notReloaded = true")
    tab.shot("02-metric-chart")
    assert tab.page.locator(".chart").get_attribute("data-total") == "3"
    assert tab.page.evaluate(SERIES_PIXELS, ".chart") > 20
    assert tab.page.locator("#latest-stats tr").count() == 3
    # Never a timing: the chart asks for new data at least every second,
    # which is what puts a new stat on screen within about two.
    assert int(tab.page.locator(".chart").get_attribute("data-poll")) <= 1000

    track(live_server, "Signups", 42, ref_id="order-42", meta={"plan": "team"})
    # A selector, not a function: the page's CSP forbids evaluating strings.
    tab.page.wait_for_selector(".chart[data-total='4']", timeout=WAIT_MS)
    tab.shot("03-metric-live-update")
    first_row = tab.page.locator("#latest-stats tr").first.inner_text()
    assert "42.0" in first_row and "order-42" in first_row and "team" in first_row
    assert tab.page.evaluate("window.notReloaded") is True

    tab.page.select_option("select[name=aggregation]", "sum")
    tab.page.wait_for_url("**aggregation=sum**")
    tab.page.select_option("select[name=group_by]", "plan")
    tab.page.wait_for_url("**group_by=plan**")
    chart_ready(tab)
    tab.shot("04-metric-grouped")
    legend = tab.page.locator(".u-legend").inner_text()
    assert "pro" in legend and "team" in legend
    assert tab.errors == [] and tab.dialogs == []
    assert any("/static/vendor/uPlot" in url for url in tab.requests)
    assert tab.foreign_requests(live_server.url) == []


def test_a_hostile_metric_name_stays_text(
    live_server: LiveServer, context: Any
) -> None:
    hostile = "<script>alert(1)</script>"
    track(live_server, hostile, meta={"kind": "<img src=x onerror=alert(2)>"})
    tab = Watched(context)

    sign_in(tab, live_server)
    tab.page.click("a.metric-link")
    tab.page.goto(tab.page.url + "?group_by=kind")
    chart_ready(tab)
    tab.shot("05-hostile-name")

    assert tab.page.locator("h1.metric-name").inner_text() == hostile
    assert "<img src=x" in tab.page.locator(".u-legend").inner_text()
    assert tab.page.locator("#latest-stats img").count() == 0
    assert tab.dialogs == []


class _Page(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def other_site() -> Iterator[type[_Page]]:
    """Another origin on 127.0.0.1, serving whatever ``body`` is set to."""
    handler = type("OtherSite", (_Page,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    handler.url = f"http://127.0.0.1:{server.server_port}/"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler
    server.shutdown()
    server.server_close()


def test_build_share_embed_and_revoke_a_dashboard(
    live_server: LiveServer, context: Any, chromium: Any, other_site: Any
) -> None:
    track(live_server, "Signups", 2)
    track(live_server, "Revenue", 19.99)
    tab = Watched(context)
    sign_in(tab, live_server)

    tab.page.click("text=Dashboards")
    tab.page.fill("input[name=name]", "Launch day")
    tab.page.click("button:has-text('Create')")
    tab.page.wait_for_selector("h1.dashboard-name")
    for metric in ("Signups", "Revenue"):
        tab.page.select_option("select[name=metric_id]", label=metric)
        tab.page.click("button:has-text('Add chart')")
        tab.page.wait_for_selector(f".chart-card h2:has-text('{metric}')")
    tab.page.locator("button[title='Move up']").nth(1).click()
    tab.page.wait_for_load_state()
    titles = tab.page.locator(".chart-card h2").all_inner_texts()
    assert titles == ["Revenue", "Signups"]
    tab.page.click("button.share")
    share_url = tab.page.locator("a.share-url").inner_text()
    chart_ready(tab, ".chart-card:nth-child(2) .chart")
    tab.shot("06-dashboard-built")

    stranger = chromium.new_context(viewport={"width": 1200, "height": 800})
    try:
        visitor = Watched(stranger)
        assert visitor.page.goto(share_url).status == 200
        chart_ready(visitor, ".chart-card:nth-child(2) .chart")
        visitor.shot("07-shared-no-session")
        assert visitor.page.locator("h1.dashboard-name").inner_text() == "Launch day"
        assert visitor.page.locator("form").count() == 0
        assert stranger.cookies() == []

        other_site.body = (
            f'<h1>Someone else\'s page</h1><iframe id="embed" src="{share_url}/embed"'
            ' width="900" height="700"></iframe>'
            f'<iframe id="framed" src="{share_url}" width="300" height="100"></iframe>'
        ).encode()
        visitor.page.goto(other_site.url)
        embed = visitor.page.frame_locator("#embed")
        embed.locator(".chart[data-state=ready]").first.wait_for(timeout=WAIT_MS)
        visitor.shot("08-embedded-in-another-site")
        assert embed.locator(".chart-card").count() == 2
        assert embed.locator(".topbar").count() == 0
        framed = visitor.page.frame_locator("#framed")
        assert framed.locator(".chart-card").count() == 0

        tab.page.click("button.revoke")
        tab.page.wait_for_selector("button.share")
        for address in (share_url, f"{share_url}/embed"):
            assert visitor.page.goto(address).status == 404
        visitor.shot("09-revoked")
        other_origin = other_site.url.rstrip("/")
        assert visitor.foreign_requests(live_server.url, other_origin) == []
    finally:
        stranger.close()
    assert tab.errors == []
    assert tab.foreign_requests(live_server.url) == []
