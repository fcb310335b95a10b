"""Issue 19 (WCAG 2.1 AA): every demo role logs in and follows, breadth first, every
same-origin GET link it is shown (up to MAX_PAGES per role). Every page must answer below
400 and axe-core (rules tagged wcag2a/wcag2aa/wcag21a/wcag21aa) must find no violation of
impact moderate or higher. Besides the WCAG rules, axe's best-practice rules run too: the
issue's two findings are best-practice rules ("region": content outside a landmark, such
as the demo banner; "empty-table-header", impact minor, so it is asserted at any impact).

axe-core comes from npm (tests/browser/axe, `npm ci --prefix tests/browser/axe`, which
`make test` does); without it the test is skipped with a notice locally and fails with
CI=true. The CSP stays strict (script-src 'self'): axe is not added as an inline <script>
(the CSP would block it) but evaluated through Playwright's page.evaluate, which runs in
the page through the DevTools protocol, outside the page's CSP. Nothing in the app's
settings or responses changes for the test.
"""

import os
from collections import Counter, deque
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command

from hemma.demo.data import DEMO_PASSWORD
from tests.conftest import IN_CI

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"

# One user per demo role (the start pages of tests/browser/test_role_homes.py), plus the
# municipal log reviewer.
ROLES = [
    "anna.ssk",
    "erik.lak",
    "lena.us",
    "karin.hsv",
    "peter.vk",
    "ali.ht",
    "olle.amb",
    "admin.region",
    "admin.kommun",
]
# HEMMA_CRAWL_ROLES / HEMMA_CRAWL_PAGES narrow or widen the crawl when run by hand.
if os.environ.get("HEMMA_CRAWL_ROLES"):
    ROLES = os.environ["HEMMA_CRAWL_ROLES"].split(",")
MAX_PAGES = int(os.environ.get("HEMMA_CRAWL_PAGES", "40"))
IMPACTS = {"moderate", "serious", "critical"}
ALWAYS = {"empty-table-header"}
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
# Not followed: leaving the session, files rather than pages, and Django's own admin
# (not Hemma's templates).
SKIP_PARTS = ("/logout", "/i18n/", "/admin/", "/static/", "/media/")
SKIP_WORDS = ("export", "download", ".csv", ".pdf", ".ics", "format=")


def axe_or_skip():
    if AXE.exists():
        return AXE.read_text(encoding="utf-8")
    problem = (
        f"{AXE} is missing: the accessibility crawl cannot run "
        "(npm ci --prefix tests/browser/axe, which `make test` does)"
    )
    if IN_CI:
        pytest.fail(f"CI=true: {problem}")
    pytest.skip(problem)


def log_in(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{base}/")


def followable(href, base):
    url, _ = urldefrag(href)
    if not url.startswith(base + "/"):
        return None
    lowered = url.lower()
    if any(part in urlsplit(url).path for part in SKIP_PARTS):
        return None
    if any(word in lowered for word in SKIP_WORDS):
        return None
    return url


def links_on(page, base):
    hrefs = page.eval_on_selector_all(
        "a[href]:not([download])", "links => links.map(link => link.href)"
    )
    return [url for url in map(lambda href: followable(href, base), hrefs) if url]


def run_axe(page, source):
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source)
    result = page.evaluate(
        """tags => axe.run(document, {
            runOnly: {type: 'tag', values: tags},
            resultTypes: ['violations'],
        }).then(r => r.violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.map(n => n.target.join(' ')),
        })))""",
        TAGS,
    )
    return [v for v in result if v["impact"] in IMPACTS or v["id"] in ALWAYS]


def crawl(page, base, source, username):
    """Breadth first from the start page; returns (pages, bad statuses, violations)."""
    found_on = {f"{base}/": "(start)"}  # url -> the page whose link led there
    queue = deque([f"{base}/"])
    pages, statuses, violations = [], [], []
    while queue and len(pages) < MAX_PAGES:
        url = queue.popleft()
        response = page.goto(url)
        status = response.status if response else 0
        path = url[len(base) :]
        pages.append(path)
        if status >= 400:
            statuses.append((username, path, f"{status} (linked from {found_on[url]})"))
            continue
        if urlsplit(page.url).path.startswith("/login"):
            statuses.append((username, path, "redirected to login"))
            log_in(page, base, username)
            continue
        for violation in run_axe(page, source):
            violations.append((username, path, violation))
        for link in links_on(page, base):
            if link not in found_on:
                found_on[link] = path
                queue.append(link)
    return pages, statuses, violations


def test_every_page_each_demo_role_reaches_answers_and_passes_axe(page, live_server):
    source = axe_or_skip()
    call_command("load_demo", "--quiet")
    base = live_server.url
    crawled, bad, found = {}, [], []
    for username in ROLES:
        log_in(page, base, username)
        pages, statuses, violations = crawl(page, base, source, username)
        crawled[username] = len(pages)
        bad += statuses
        found += violations
    print("\npages crawled per role:", crawled)
    print("violations (rule: pages):", Counter(v["id"] for _u, _p, v in found))
    report = [f"{u} {p}: HTTP {s}" for u, p, s in bad]
    report += [
        f"{u} {p}: [{v['impact']}] {v['id']} ({v['help']}) at {v['targets'][:5]}"
        for u, p, v in found
    ]
    assert not report, "\n" + "\n".join(report)


def test_the_check_catches_the_issues_findings(page):
    """The crawl's axe set-up flags the two findings of issue 19 (so a clean crawl means
    something): a banner outside every landmark and an empty table header; the fixed
    markup (a named region, a visually hidden header text) passes."""
    source = axe_or_skip()
    page.set_content(
        '<!doctype html><html lang="sv"><head><title>Test</title></head><body>'
        '<div class="demo-banner" role="note">DEMO</div><main><h1>Test</h1>'
        "<table><thead><tr><th>Namn</th><th></th></tr></thead>"
        "<tbody><tr><td>Kim</td><td>Ta bort</td></tr></tbody></table></main></body></html>"
    )
    assert {v["id"] for v in run_axe(page, source)} == {"region", "empty-table-header"}
    hidden = "position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0,0,0,0)"
    page.set_content(
        '<!doctype html><html lang="sv"><head><title>Test</title></head><body>'
        '<div class="demo-banner" role="region" aria-label="Demoläge">DEMO</div>'
        "<main><h1>Test</h1><table><thead><tr><th>Namn</th>"
        f'<th><span style="{hidden}">Åtgärd</span></th></tr></thead>'
        "<tbody><tr><td>Kim</td><td>Ta bort</td></tr></tbody></table></main></body></html>"
    )
    assert run_axe(page, source) == []
