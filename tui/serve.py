"""`stormdrill serve --room R`: a drill room's team screens and console as web pages.

textual-serve runs the very same Textual apps as the terminal (`stormdrill play --room R
--team A`, `stormdrill console --room R`), one process per open page, and relays the
terminal to xterm.js in the browser; there is no second UI to keep in step.

Access: each page's address carries its team's token from `room.json` (or the console's):
`/team/<team>/<token>`, `/console/<token>`. The server checks the token in constant
time on the page and again on the websocket that starts the process, and it alone
decides what that process is: a team page can only ever start that team's drill, so a
team acts only in its own journal. A page for a team that is already open elsewhere
takes over: the old page's process is stopped first (its journal is saved after every
action, so nothing is lost), and the team's lock (`Room.claim`) makes sure two processes
never play one team, even if this server is killed and an orphan lingers.

The server binds to 127.0.0.1 by default; `--host 0.0.0.0` serves other machines,
protected by the tokens only (plain HTTP: use it on a network you trust, or behind a
TLS proxy).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import os
import re
import shlex
import signal
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from socket import getfqdn
from typing import Any
from urllib.parse import quote

import textual_serve
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from simulator.errors import StormdrillError
from tui.room import CONSOLE, Room
from tui.room_commands import SERVER_PID_ENV, open_room

log = logging.getLogger("stormdrill.serve")

#: how long a replaced page's process may take to save and quit before it is killed
STOP_GRACE_S = 15.0
PAGE = (Path(__file__).parent / "web" / "room_page.html").read_text(encoding="utf-8")


class ServeError(StormdrillError):
    """The server cannot start (the port is taken, the address cannot be bound)."""


@dataclass
class _Open:
    """A page that is connected: its websocket, and an event set once its process ended."""

    socket: web.WebSocketResponse
    ended: asyncio.Event = field(default_factory=asyncio.Event)


class _Process(AppService):
    """textual-serve's app process, told what to do when the app ends by itself.

    textual-serve closes a page only when its app quits normally. An app that fails to
    start (its team already playing elsewhere, the scenario edited since the room was
    made) or is killed would leave the page on its last screen with the keys going
    nowhere; here the page is shown why, and closed, so that its Rejoin button appears.
    """

    def __init__(self, command: str, **kwargs: Any) -> None:
        fd, errors = tempfile.mkstemp(prefix="stormdrill-serve-", suffix=".err")
        os.close(fd)
        self.errors = Path(errors)  # the app's standard error, for the page if it fails
        super().__init__(f"{command} 2>{shlex.quote(errors)}", **kwargs)

    async def run(self) -> None:
        try:
            await super().run()  # until the app's output ends
            code = await self.process().wait() if self.process() else 0
            if code != 0:
                await self.remote_write_bytes(_terminal_text(self._why(code)))
            await self.remote_close()
        except Exception:  # the page is gone already: nothing left to tell
            pass
        finally:
            self.errors.unlink(missing_ok=True)

    def _why(self, code: int) -> str:
        said = self.errors.read_text(encoding="utf-8", errors="replace").strip()[-2000:]
        if code < 0:
            return (f"stormdrill: this screen's process was stopped (signal {-code}). "
                    "Everything the team did is saved: rejoin to go on.")
        return said or f"stormdrill: the app ended with exit code {code}."

    def process(self) -> asyncio.subprocess.Process | None:
        return self._process  # textual-serve keeps it private; we need its exit code

    def kill(self) -> None:
        process = self.process()
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()


def _terminal_text(text: str) -> bytes:
    """Plain text for the page's terminal: reset styles, clear, one line per line."""
    return ("\x1b[0m\x1b[2J\x1b[H" + text.replace("\n", "\r\n") + "\r\n").encode("utf-8")


class RoomServer:
    """The web server of one room; `run()` serves until Ctrl-C or SIGTERM."""

    def __init__(self, room: Room, host: str = "127.0.0.1", port: int = 8000,
                 public_url: str | None = None) -> None:
        self.room = room
        self.host = host
        self.port = port
        self.public_url = public_url.rstrip("/") if public_url else None
        self._open: dict[str, _Open] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._downloads = DownloadManager()  # textual-serve's; the drill delivers no files
        self.static = Path(textual_serve.__file__).parent / "static"  # xterm.js, textual.js

    # ---- addresses ------------------------------------------------------------------------
    def base_url(self) -> str:
        """Where the teams reach this server: `--public-url` (a proxy, a name on the
        network), else this machine's name when serving the network, else the address."""
        if self.public_url:
            return self.public_url
        host = getfqdn() if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"

    def socket_url(self, request: web.Request, path: str) -> str:
        """The websocket address a page connects to: wss behind https (a TLS proxy says
        so in X-Forwarded-Proto), on the host the page was loaded from."""
        if self.public_url:
            scheme, _, rest = self.public_url.partition("://")
            return f"{'wss' if scheme == 'https' else 'ws'}://{rest.split('/', 1)[0]}{path}"
        secure = request.secure or request.headers.get("X-Forwarded-Proto", "") == "https"
        return f"{'wss' if secure else 'ws'}://{request.host}{path}"

    def team_url(self, team: str) -> str:
        return f"{self.base_url()}/team/{quote(team)}/{self.room.tokens[team]}"

    def console_url(self) -> str:
        return f"{self.base_url()}/console/{self.room.tokens[CONSOLE]}"

    def command(self, who: str) -> str:
        """The process a page runs: the same command a terminal would run."""
        base = [sys.executable, "-m", "tui.cli"]
        room = str(self.room.path.resolve())
        args = (["console", "--room", room] if who == CONSOLE
                else ["play", "--room", room, "--team", who])
        return "exec " + shlex.join([*base, *args])  # exec: the app is our direct child

    # ---- the web application --------------------------------------------------------------
    def make_app(self) -> web.Application:
        app = web.Application()
        app.add_routes([
            web.get("/", self.index),
            web.get("/team/{team}/{token}", self.team_page),
            web.get("/console/{token}", self.console_page),
            web.get("/ws/team/{team}/{token}", self.team_socket),
            web.get("/ws/console/{token}", self.console_socket),
            web.static("/static", self.static),
        ])
        app.on_shutdown.append(self._close_all)
        return app

    async def index(self, request: web.Request) -> web.Response:
        return _message(200, "stormdrill room",
                        "Open the link your facilitator gave your team. Every team has its "
                        "own link; this page lists none of them.")

    def _who(self, request: web.Request, team: str | None) -> str:
        """The team (or CONSOLE) a request may act as; 403/404 pages otherwise."""
        token = request.match_info["token"]
        if team is None:
            if not self.room.allows(CONSOLE, token):
                raise _refused(403, "This console link is not valid for this room. Use the "
                               "console link `stormdrill serve` printed.")
            return CONSOLE
        name = next((t for t in self.room.teams if t.casefold() == team.casefold()), None)
        if name is None:
            raise _refused(404, f"This room has no team {team!r}. Use the link your "
                           "facilitator gave your team.")  # names no team: no token yet
        if not self.room.allows(name, token):
            raise _refused(403, f"This link is not valid for team {name}. Ask your facilitator "
                           "for your team's link.")
        return name

    async def team_page(self, request: web.Request) -> web.Response:
        who = self._who(request, request.match_info["team"])
        return self._page(request, f"team {who}",
                          f"/ws/team/{quote(who)}/{request.match_info['token']}")

    async def console_page(self, request: web.Request) -> web.Response:
        self._who(request, None)
        return self._page(request, "facilitator", f"/ws/console/{request.match_info['token']}")

    def _page(self, request: web.Request, who: str, socket_path: str) -> web.Response:
        body = (PAGE.replace("{{title}}", html.escape(f"stormdrill: {who}"))
                .replace("{{socket}}", html.escape(self.socket_url(request, socket_path)))
                .replace("{{static}}", "/static/"))
        return web.Response(text=body, content_type="text/html",
                            headers={"Cache-Control": "no-store",
                                     "Referrer-Policy": "no-referrer"})

    async def team_socket(self, request: web.Request) -> web.WebSocketResponse:
        return await self._relay(request, self._who(request, request.match_info["team"]))

    async def console_socket(self, request: web.Request) -> web.WebSocketResponse:
        return await self._relay(request, self._who(request, None))

    async def _relay(self, request: web.Request, who: str) -> web.WebSocketResponse:
        """Run `who`'s app for this page until the page or the app goes."""
        socket = web.WebSocketResponse(heartbeat=15)
        await socket.prepare(request)
        mine = _Open(socket)
        async with self._locks.setdefault(who, asyncio.Lock()):
            before = self._open.get(who)
            if before is not None:  # a reload, or the team opened a second tab: take over
                log.info("%s: opened again; closing the other page first", who)
                await before.socket.close(message=b"opened in another window")
                await before.ended.wait()
            self._open[who] = mine

        async def close() -> None:
            await socket.close()

        process = _Process(self.command(who), write_bytes=socket.send_bytes,
                           write_str=socket.send_str, close=close,
                           download_manager=self._downloads, debug=False)
        try:
            await process.start(_size(request, "width", 80), _size(request, "height", 24))
            await self._pump(socket, process)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            try:
                await asyncio.wait_for(asyncio.shield(process.stop()), STOP_GRACE_S)
            except Exception:  # a timeout, or a broken relay: the app must not outlive its page
                process.kill()
            if self._open.get(who) is mine:
                del self._open[who]
            mine.ended.set()
            with contextlib.suppress(Exception):
                await socket.close()
        return socket

    @staticmethod
    async def _pump(socket: web.WebSocketResponse, process: _Process) -> None:
        """The browser's keys, size, focus and pings, to the app process."""
        async for message in socket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                kind, data = message.json()
            except (ValueError, TypeError):
                continue  # not textual.js talking; ignore rather than crash the relay
            if kind == "stdin" and isinstance(data, str):
                await process.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                await process.set_terminal_size(_clamp(data.get("width"), 80),
                                                _clamp(data.get("height"), 24))
            elif kind == "ping":
                await socket.send_json(["pong", data])
            elif kind == "blur":
                await process.blur()
            elif kind == "focus":
                await process.focus()

    async def _close_all(self, app: web.Application) -> None:
        for page in list(self._open.values()):
            await page.socket.close(message=b"server stopping")
        for page in list(self._open.values()):
            await page.ended.wait()

    # ---- running --------------------------------------------------------------------------
    def run(self, announce: Any = print) -> None:
        """Serve until Ctrl-C or SIGTERM; every open page's app saves and quits first."""
        asyncio.run(self._serve(announce))

    async def _serve(self, announce: Any) -> None:
        runner = web.AppRunner(self.make_app(), handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise ServeError(f"cannot serve on {self.host}:{self.port} ({exc.strerror or exc}); "
                             f"try another --port, e.g. --port {self.port + 1}") from None
        if self.port == 0:  # the OS chose one
            self.port = runner.addresses[0][1]
        os.environ[SERVER_PID_ENV] = str(os.getpid())  # its apps quit if this server dies
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        announce(f"serving room {self.room.path} on {self.base_url()}  (Ctrl-C stops)")
        announce(f"  facilitator:  {self.console_url()}")
        for team in self.room.teams:
            announce(f"  team {team}:{' ' * max(1, 12 - len(team))}{self.team_url(team)}")
        if self.host not in ("127.0.0.1", "localhost", "::1"):
            announce(f"note: bound to {self.host}: anyone who can reach this machine and has "
                     "a link can join; the links are the only protection (plain HTTP). If "
                     "teams reach this machine under another name, give it with --public-url")
        try:
            await stop.wait()
        finally:
            await runner.cleanup()


def _refused(status: int, text: str) -> web.HTTPException:
    """A plain page saying why the link does not work (403, or 404 for no such team)."""
    page = web.HTTPForbidden if status == 403 else web.HTTPNotFound
    return page(text=_page_html("stormdrill: link refused", text), content_type="text/html")


def _message(status: int, title: str, text: str) -> web.Response:
    return web.Response(status=status, text=_page_html(title, text), content_type="text/html")


def _page_html(title: str, text: str) -> str:
    return (f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<body style='font-family:sans-serif;max-width:40em;margin:4em auto'>"
            f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body>")


def _clamp(value: Any, default: int) -> int:
    """A terminal size from the browser: an int from 10 to 500, or the default."""
    return min(500, max(10, value)) if isinstance(value, int) and not isinstance(
        value, bool) else default


def _size(request: web.Request, key: str, default: int) -> int:
    raw = request.query.get(key, "")
    return _clamp(int(raw), default) if raw.isdigit() else default


def serve_room(path: str, host: str, port: int, public_url: str | None = None) -> int:
    """`stormdrill serve --room R`: check the room, then serve it."""
    if not 0 <= port <= 65535:
        raise ServeError(f"--port {port}: expected 1 to 65535 (or 0 for any free port)")
    room, _ = open_room(path)  # a bad room or a changed scenario fails before binding
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    if public_url is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", public_url):
        raise ServeError(f"--public-url {public_url!r}: expected an address such as "
                         "https://drill.example.org or http://laptop.local:8000")
    RoomServer(room, host, port, public_url).run(lambda line: print(line, flush=True))
    return 0
