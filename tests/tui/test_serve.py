"""A served room (`stormdrill serve --room R`): real server processes, real team apps.

The access rules and the server's kill -9 are checked with a websocket client that speaks
textual.js's protocol (keys in, terminal bytes out); one test drives a team page in
headless Chromium from the system's packages (installed by `.ci/install-browser`),
skipped with the reason when it is absent. Every wait is on state: a line the server
prints, a saved journal, a process gone, or screen text that only the awaited step brings.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from procs import alive, children, stat

from tui.room import CONSOLE, Room

pytestmark = pytest.mark.slow
TIMEOUT_S = 120.0  # generous: a loaded 2-core machine starts a Textual app in seconds
CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-B]|\x1b[=>]")


def wait_until(ready: Callable[[], Any], what: str, show: Callable[[], str] = lambda: "",
               pause: Callable[[float], Any] = time.sleep) -> Any:
    """Poll `ready` until true; `pause` between polls (a browser page's own, so that
    Playwright delivers the page's events meanwhile)."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        value = ready()
        if value:
            return value
        pause(0.05)  # a poll interval, not a wait for something to happen
    pytest.fail(f"timed out waiting for {what}\n{show()}")


def journal(room: Room, team: str) -> list[dict[str, Any]]:
    path = room.session_path(team)
    return json.loads(path.read_text()).get("journal", []) if path.exists() else []


class Server:
    """`stormdrill serve --room R --port 0` in its own process; its links, read from what
    it prints."""

    def __init__(self, room: Room) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui.cli", "serve", "--room", str(room.path), "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.printed: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.links: dict[str, str] = {}
        deadline = time.monotonic() + TIMEOUT_S
        while CONSOLE not in self.links or len(self.links) <= len(room.teams):
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail("the server printed no links:\n" + "".join(self.printed))
            if line == "":
                pytest.fail("the server stopped:\n" + "".join(self.printed))
            if m := re.match(r"\s+(?:team (.+?)|facilitator):\s+(http://\S+)", line):
                self.links[m.group(1) or CONSOLE] = m.group(2)
        self.base = re.match(r"http://[^/]+", self.links[CONSOLE]).group(0)  # type: ignore[union-attr]

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.printed.append(line)
            self.lines.put(line)
        self.lines.put("")

    def socket(self, who: str) -> str:
        """The websocket address the page of `who` connects to."""
        return self.links[who].replace(self.base, self.base.replace("http", "ws", 1) + "/ws", 1)

    def apps(self) -> dict[int, str]:
        """The app processes this server runs (its direct children: `exec`)."""
        return children(self.process.pid)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Page:
    """One browser page's websocket, as textual.js uses it: keys in, terminal bytes out."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.text = ""
        self.closed = asyncio.Event()
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type == aiohttp.WSMsgType.BINARY:
                self.text += CSI.sub("", message.data.decode("utf-8", "replace"))
        self.closed.set()

    async def shows(self, text: str) -> None:
        """Wait until the app has drawn `text` since the last `forget`."""
        deadline = time.monotonic() + TIMEOUT_S
        while text not in self.text:
            if self.closed.is_set() or time.monotonic() > deadline:
                pytest.fail(f"{text!r} never shown (closed: {self.closed.is_set()}):\n"
                            f"{self.text[-3000:]}")
            await asyncio.sleep(0.05)

    def forget(self) -> None:
        self.text = ""

    async def keys(self, keys: str) -> None:
        await self.ws.send_json(["stdin", keys])


async def until(ready: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if value := ready():
            return value
        await asyncio.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


async def open_page(http: aiohttp.ClientSession, url: str) -> Page:
    ws = await http.ws_connect(url + "?width=120&height=40")
    return Page(ws)


async def into_drill(page: Page) -> None:
    """Past the briefing (Enter) to the drill screen of a team joining for the first time."""
    await page.shows("Begin the drill")
    await page.keys("\r")
    await page.shows("Your desk")


async def apologise(page: Page, room: Room, team: str) -> None:
    """From the drill screen: `e` (acknowledge, empathetic), Enter to post; saved."""
    before = len(journal(room, team))
    page.forget()
    await page.keys("e")
    await page.shows("What the brand posts")  # only the action screen says this
    await page.keys("\r")
    await until(lambda: len(journal(room, team)) > before, f"{team}'s statement journaled")


@pytest.fixture
def room(tmp_path: Path) -> Room:
    return Room.create(tmp_path / "room", "kitchen-gaffe", 3, ("Comms", "Care"))


def test_links_without_their_token_are_refused_and_a_team_reaches_only_its_own(
        room: Room) -> None:
    with Server(room) as server:
        asyncio.run(_check_access(server, room))
    assert not room.session_path("Care").exists(), "Care never joined"


async def _check_access(server: Server, room: Room) -> None:
    comms, care = room.tokens["Comms"], room.tokens["Care"]
    async with aiohttp.ClientSession() as http:
        async def status(path: str) -> tuple[int, str]:
            async with http.get(server.base + path) as response:
                return response.status, await response.text()

        code, page = await status("/")
        assert code == 200 and all(t not in page for t in room.tokens.values())
        code, page = await status(f"/team/Comms/{comms}")
        assert code == 200 and f"/ws/team/Comms/{comms}" in page
        assert care not in page and room.tokens[CONSOLE] not in page
        for path, expected in [(f"/team/Comms/{care}", 403),  # another team's token
                               ("/team/Comms/" + "x" * 22, 403),
                               (f"/team/Nobody/{comms}", 404),  # names no team
                               (f"/console/{comms}", 403),  # a team's token is not the console's
                               (f"/ws/team/Care/{comms}", 403),
                               (f"/ws/console/{care}", 403)]:
            code, page = await status(path)
            assert code == expected, (path, code, page)
            assert "Comms" not in page or path.startswith("/team/Comms"), "no team named"
            assert all(t not in page for t in room.tokens.values())
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(f"{server.base.replace('http', 'ws')}/ws/team/Care/{comms}")
        assert refused.value.status == 403
        assert server.apps() == {}, "a refused link started no app"

        page = await open_page(http, server.socket("Comms"))
        await page.shows("Begin the drill")
        await page.keys("\r")
        await until(lambda: room.session_path("Comms").exists(), "Comms's session saved")
        await page.shows("Your desk")
        await apologise(page, room, "Comms")
        console = await open_page(http, server.socket(CONSOLE))
        await console.shows("1: acknowledge")  # the room view, with Comms's statement
        await console.ws.close()
        await page.ws.close()
    assert [e["kind"] for e in journal(room, "Comms")] == ["acknowledge"]


def test_killing_the_server_loses_no_action_and_the_team_rejoins_where_it_was(
        room: Room) -> None:
    with Server(room) as server:
        app = asyncio.run(_act_then_kill(server, room))
    assert [e["kind"] for e in journal(room, "Comms")] == ["acknowledge"]
    pid, started = app
    # the orphaned app notices its server is gone and quits, releasing the team
    wait_until(lambda: not alive(pid, started), "the orphaned team app to quit",
               lambda: str(stat(pid)))

    with Server(room) as again:
        asyncio.run(_rejoin(again, room))
    assert [e["kind"] for e in journal(room, "Comms")] == ["acknowledge", "acknowledge"]


async def _act_then_kill(server: Server, room: Room) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http:
        page = await open_page(http, server.socket("Comms"))
        await into_drill(page)
        await apologise(page, room, "Comms")
        (pid, started), = server.apps().items()
        saved = room.session_path("Comms").read_bytes()
        server.process.kill()  # kill -9: no chance to stop its apps
        server.process.wait()
        await until(lambda: page.closed.is_set(), "the page to see the server gone")
    assert room.session_path("Comms").read_bytes() == saved
    return pid, started


async def _rejoin(server: Server, room: Room) -> None:
    first = journal(room, "Comms")
    async with aiohttp.ClientSession() as http:
        page = await open_page(http, server.socket("Comms"))
        await page.shows("Your desk")  # straight back to the drill: no briefing again
        assert "Begin the drill" not in page.text
        assert journal(room, "Comms") == first
        await apologise(page, room, "Comms")
        await page.ws.close()


def test_a_second_page_for_a_team_takes_over_and_one_app_plays_it(room: Room) -> None:
    with Server(room) as server:
        asyncio.run(_take_over(server, room))


async def _take_over(server: Server, room: Room) -> None:
    async with aiohttp.ClientSession() as http:
        first = await open_page(http, server.socket("Comms"))
        await into_drill(first)
        (old_pid, old_started), = server.apps().items()
        second = await open_page(http, server.socket("Comms"))  # a reload, or a second tab
        await until(lambda: first.closed.is_set(), "the first page closed")
        await second.shows("Your desk")
        assert not alive(old_pid, old_started), "the first page's app stopped first"
        assert len(server.apps()) == 1
        await apologise(second, room, "Comms")
        await second.ws.close()


def test_a_page_whose_app_ends_by_itself_says_why_and_closes(room: Room) -> None:
    """An app killed, or refused at start (its team playing in a terminal), must not leave
    the page on its last screen with the keys going nowhere."""
    with Server(room) as server:
        asyncio.run(_app_ends(server, room))
    assert [e["kind"] for e in journal(room, "Comms")] == ["acknowledge", "acknowledge"]


async def _app_ends(server: Server, room: Room) -> None:
    async with aiohttp.ClientSession() as http:
        page = await open_page(http, server.socket("Comms"))
        await into_drill(page)
        await apologise(page, room, "Comms")
        (pid, _), = server.apps().items()
        os.kill(pid, signal.SIGKILL)
        await page.shows("was stopped (signal 9)")
        await until(lambda: page.closed.is_set(), "the page closed")

        room.claim("Care")  # this test process plays Care, as a terminal would
        refused = await open_page(http, server.socket("Care"))
        await refused.shows("team Care is already playing")
        await until(lambda: refused.closed.is_set(), "the refused page closed")

        again = await open_page(http, server.socket("Comms"))  # Rejoin
        await again.shows("Your desk")
        await apologise(again, room, "Comms")
        await again.ws.close()


def test_links_name_the_public_address_and_pages_use_wss_behind_https(room: Room) -> None:
    from tui.serve import RoomServer

    server = RoomServer(room, "0.0.0.0", 8123, public_url="https://drill.example.org/")
    assert server.team_url("Comms") == (
        f"https://drill.example.org/team/Comms/{room.tokens['Comms']}")
    assert server.console_url().startswith("https://drill.example.org/console/")

    class Request:  # what the page handler reads of a request
        def __init__(self, headers: dict[str, str]) -> None:
            self.secure, self.host, self.headers = False, "10.0.0.5:8123", headers

    assert server.socket_url(Request({}), "/ws/x") == "wss://drill.example.org/ws/x"
    plain = RoomServer(room, "127.0.0.1", 8123)
    assert plain.team_url("Comms").startswith("http://127.0.0.1:8123/team/Comms/")
    assert plain.socket_url(Request({}), "/ws/x") == "ws://10.0.0.5:8123/ws/x"
    behind_tls = Request({"X-Forwarded-Proto": "https"})  # a TLS proxy in front
    assert plain.socket_url(behind_tls, "/ws/x") == "wss://10.0.0.5:8123/ws/x"
    spaced = Room.create(room.path.parent / "spaced", "kitchen-gaffe", 3, ("Care Team",))
    assert "/team/Care%20Team/" in RoomServer(spaced).team_url("Care Team")


def test_a_team_cannot_be_played_twice_at_once(room: Room) -> None:
    """The team's lock: a second process for a team that is playing is refused, exit 2."""
    room.claim("Care")  # this test process plays Care
    done = subprocess.run([sys.executable, "-m", "tui.cli", "play", "--room", str(room.path),
                           "--team", "Care"], capture_output=True, text=True,
                          timeout=TIMEOUT_S, stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done
    assert "team Care is already playing" in done.stderr and "Traceback" not in done.stderr


def test_serve_refuses_a_taken_port_and_a_bad_room_with_a_clear_message(
        room: Room, tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "tui.cli", "serve", "--room",
                               str(room.path), "--port", str(port)], capture_output=True,
                              text=True, timeout=TIMEOUT_S)
    assert done.returncode == 2 and f"--port {port + 1}" in done.stderr, done
    done = subprocess.run([sys.executable, "-m", "tui.cli", "serve", "--room",
                           str(tmp_path / "nowhere")], capture_output=True, text=True,
                          timeout=TIMEOUT_S)
    assert done.returncode == 2 and "room create" in done.stderr and "Traceback" not in (
        done.stderr), done


# ---- a real browser ------------------------------------------------------------------------
def _chromium() -> str | None:
    """The system's Chromium; on a machine where we are root with apt-get (CI, a fresh
    container), `.ci/install-browser` installs it first, so the README's one test command
    needs nothing else."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        script = Path(__file__).resolve().parents[2] / ".ci" / "install-browser"
        subprocess.run([str(script)], check=False, timeout=900)
        found = shutil.which("chromium")
    return found


@pytest.fixture(scope="module")
def chromium() -> str:
    """Chromium's path and Playwright, or a skip that says how to get them."""
    if _playwright() is None:
        pytest.skip("playwright is not installed: pip install -e '.[test]'")
    found = _chromium()
    if found is None:
        pytest.skip("Chromium is not installed and could not be: run .ci/install-browser "
                    "as root (Debian's chromium package), or install Chromium yourself")
    return found


def _playwright() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    return sync_playwright


def test_a_team_page_in_chromium_acts_in_that_teams_journal(room: Room, chromium: str) -> None:
    with Server(room) as server:
        _drive_browser(server, room, chromium)
    assert [e["kind"] for e in journal(room, "Care")] == ["acknowledge"]
    assert journal(room, "Comms") == [] and not room.session_path("Comms").exists()


def _drive_browser(server: Server, room: Room, chromium: str) -> None:
    drawn: list[str] = []

    def shows(text: str) -> bool:
        return text in CSI.sub("", "".join(drawn))

    with _playwright()() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
            "--disable-background-networking", "--disable-component-update"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})

            def wait(ready: Callable[[], Any], what: str) -> Any:
                return wait_until(ready, what, lambda: CSI.sub("", "".join(drawn))[-2000:],
                                  lambda s: page.wait_for_timeout(s * 1000))

            refused = page.goto(server.links["Care"].replace(room.tokens["Care"],
                                                             room.tokens["Comms"]))
            assert refused is not None and refused.status == 403
            assert "not valid for team Care" in page.content()

            page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: drawn.append(
                frame if isinstance(frame, str) else frame.decode("utf-8", "replace"))))
            opened = page.goto(server.links["Care"])
            assert opened is not None and opened.status == 200
            page.wait_for_selector("body.-first-byte", timeout=TIMEOUT_S * 1000)
            wait(lambda: shows("Begin the drill"), "the briefing in the browser")
            page.locator(".textual-terminal").click()
            page.keyboard.press("Enter")
            wait(lambda: room.session_path("Care").exists(), "Care's session saved")
            wait(lambda: shows("Your desk"), "the drill screen in the browser")
            drawn.clear()
            page.keyboard.press("e")
            wait(lambda: shows("What the brand posts"), "the action screen")
            page.keyboard.press("Enter")
            wait(lambda: journal(room, "Care"), "Care's statement journaled")
            page.close()  # the page goes: its app saves and quits
            wait_until(lambda: not server.apps(), "Care's app to quit with its page")
        finally:
            browser.close()

