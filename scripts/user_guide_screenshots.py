"""The user guide's pictures (docs/user-guide.md, issue 19): a fresh SQLite database with
the demo region, Hemma served on a free local port, and Debian's Chromium taking each
role's start page, the episode page, the planner with its map, the patient's tablet and
the dashboard, at 1366 × 900 (the tablet at 800 × 1100).

    .venv/bin/python scripts/user_guide_screenshots.py [--out docs/guide]

Swedish date and time fields need Debian's chromium-l10n beside chromium (without it the
browser draws "04:00 PM"). Nothing leaves the machine: the map is the offline diagram
unless HEMMA_MAP_TILES_URL points at a tile server on the hospital network.
"""

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
HEMMA = str(ROOT / ".venv" / "bin" / "hemma")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--lang=sv-SE",  # date fields as a Swedish browser shows them
]
# username → file name of its start page
ROLES = {
    "anna.ssk": "start-avdelning",
    "erik.lak": "start-lakare",
    "lena.us": "start-utskrivningssamordnare",
    "karin.hsv": "start-hemsjukvard",
    "peter.vk": "start-vardcentral",
    "ali.ht": "start-hemtjanst",
    "olle.amb": "start-ambulans",
    "admin.region": "start-administrator",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def hemma(env, *args) -> str:
    return subprocess.run(
        [HEMMA, *args], env=env, check=True, capture_output=True, text=True
    ).stdout


def serve(env, port):
    server = subprocess.Popen(
        [HEMMA, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    sys.exit("Hemma did not start")


def log_in(page, base, username, password):
    page.goto(f"{base}/login/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(f"{base}/")


def log_out(page):
    page.get_by_role("button", name="Logga ut").click()


def shoot(page, out: Path, name: str, *, full_page: bool = False) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out / f"{name}.png"), full_page=full_page)
    print(f"{out / name}.png")


def first_link(page, pattern: str) -> str:
    hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(e => e.href)")
    return next(h for h in hrefs if re.search(pattern, h))


def take(base: str, out: Path, password: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=CHROMIUM_ARGS,
            env={**os.environ, "LANG": "sv_SE.UTF-8", "LANGUAGE": "sv"},
        )
        context = browser.new_context(locale="sv-SE", viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        for username, name in ROLES.items():
            log_in(page, base, username, password)
            shoot(page, out, name)
            log_out(page)

        log_in(page, base, "anna.ssk", password)
        page.goto(f"{base}/episodes/")
        episode = first_link(page, r"/episodes/\d+/$")
        page.goto(episode)
        shoot(page, out, "vardtillfalle")
        page.goto(f"{base}/insights/")
        shoot(page, out, "uppfoljning")
        page.goto(episode.replace("/episodes/", "/monitoring/episode/"))
        page.get_by_role("button", name="Ny kod till patientens surfplatta").click()
        code = page.locator("p.code").inner_text().strip()
        log_out(page)

        log_in(page, base, "karin.hsv", password)
        # Tomorrow: the whole day is ahead (today's visits may already lie in the past).
        page.goto(f"{base}/visits/?day={date.today() + timedelta(days=1):%Y-%m-%d}")
        page.get_by_role("button", name="Skapa besök från överenskommelserna").click()
        page.get_by_role("button", name="Planera dagen").click()
        page.locator('[data-job-status="done"]').wait_for(timeout=120_000)
        page.get_by_role("link", name="Visa planen").click()
        shoot(page, out, "planering-karta", full_page=True)
        log_out(page)

        tablet_context = browser.new_context(
            locale="sv-SE", viewport={"width": 800, "height": 1100}
        )
        tablet = tablet_context.new_page()
        tablet.goto(f"{base}/patient/start/")
        tablet.get_by_label("Kod från avdelningen").fill(code)
        tablet.get_by_role("button", name="Koppla").click()
        tablet.get_by_role("heading", name=re.compile("^Hej")).wait_for()
        shoot(tablet, out, "surfplatta")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "guide"))
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # As `make run` serves it, on a database of its own.
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/guide.sqlite3"}
        hemma(env, "migrate", "--noinput")
        hemma(env, "load_demo", "--quiet")
        from hemma.demo.data import DEMO_PASSWORD

        port = free_port()
        server = serve(env, port)
        # The worker plans the day in the background, as beside `make run`.
        worker = subprocess.Popen(
            [HEMMA, "monitor"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            take(f"http://127.0.0.1:{port}", out, DEMO_PASSWORD)
        finally:
            for process in (worker, server):
                process.terminate()
                process.wait(timeout=30)


if __name__ == "__main__":
    main()
