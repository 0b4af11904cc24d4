"""Dev server: build, serve on loopback with live reload, rebuild incrementally on change.

Built on the livereload package (tornado underneath): its Server supplies the HTTP server,
the reload websocket and the script injection. Three pieces are ours: a watcher that polls
often and runs an incremental rebuild (`incremental.Rebuilder`), a static handler that shows
build errors over every HTML page and answers 404 to paths outside the output folder, and the
reload call itself, sent after every rebuild that changed something.
"""

from __future__ import annotations

import contextlib
import errno
import html
import logging
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from livereload import Server
from livereload.handlers import LiveReloadHandler, StaticFileHandler
from livereload.watcher import Watcher
from tornado import web
from tornado.ioloop import IOLoop, PeriodicCallback

from .incremental import Rebuilder, Result
from .inputs import WATCHED

POLL_MS = 100
"""How often the inputs are checked: reading the kernel's events costs nothing when none came
(statting every input, where there is no inotify, takes about a millisecond on this site)."""


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000, out: Path | None = None) -> int:
    """Build, then serve until Ctrl-C; return the exit code."""
    busy = _port_problem(host, port)
    if busy:
        print(f"error: {busy}", file=sys.stderr)
        return 1
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: serving on {host}: other machines can see this preview", file=sys.stderr)
    # By default a scratch folder: the preview's localhost links must not replace output/.
    scratch = None if out is not None else Path(tempfile.mkdtemp(prefix="builder-serve-"))
    out = (scratch / "site" if scratch is not None else out).absolute()
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}/"
    rebuilder = Rebuilder(root, out, base_url=url)
    try:
        _report(rebuilder.poll())
        if not out.exists():
            out.mkdir(parents=True)  # the first build failed: serve the overlay on 404s
        server = _Server(out, lambda: _overlay(rebuilder.problems),
                         _Watcher(lambda: _reload(_report(rebuilder.poll()))))
        for name in WATCHED:
            server.watch(str(root / name))
        print(f"serving {url} (Ctrl-C to stop)", flush=True)
        with _stop_on_signals():
            server.serve(port=port, host=host, root=str(out))  # returns on Ctrl-C
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        print(f"error: {_in_use(host, port)}", file=sys.stderr)
        return 1
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    print("stopped", flush=True)
    return 0


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Ctrl-C (or SIGTERM) stops the event loop between callbacks, rather than raising
    KeyboardInterrupt wherever the process happens to be (e.g. inside a rebuild), so the
    server always shuts down the same clean way."""
    loop = IOLoop.current()

    def stop(signum: int, frame: object) -> None:
        loop.asyncio_loop.call_soon_threadsafe(loop.stop)  # type: ignore[attr-defined]

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _port_problem(host: str, port: int) -> str | None:
    """Why the address cannot be bound, said plainly, or None if it can."""
    try:
        with socket.create_server((host, port)):
            return None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return _in_use(host, port)
        return f"cannot serve on {host}:{port}: {exc.strerror or exc}"


def _in_use(host: str, port: int) -> str:
    return (f"port {port} on {host} is already in use (another `make serve`?); "
            f"stop it, or choose another port with --port {port + 1}")


def _report(result: Result | None) -> Result | None:
    """Print one line per rebuild, and the problems of a failed one."""
    if result is not None:
        for problem in result.problems:
            print(problem, file=sys.stderr, flush=True)
        print(result.line(), flush=True)
    return result


def _reload(result: Result | None) -> None:
    """Tell connected browsers to reload after a rebuild."""
    if result is not None:  # inputs changed: new pages, or the overlay came or went
        LiveReloadHandler.reload_waiters("*")  # '*': a full reload, never CSS-only


def _overlay(problems: list[str]) -> bytes:
    """The error box shown over every page while the build is broken, every message escaped."""
    if not problems:
        return b""
    items = "".join(f"<li>{html.escape(p)}</li>" for p in problems)
    return (
        '<div id="builder-errors" role="alert" style="position:fixed;left:0;right:0;top:0;'
        "z-index:2147483647;max-height:60vh;overflow:auto;margin:0;padding:1em 1.5em;"
        "background:#fff0f0;color:#5c0000;border-bottom:4px solid #b00020;"
        'font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap">'
        "<strong>The build failed; this is the last good build. Fix the file and save.</strong>"
        f'<ol style="margin:.5em 0 0;padding-left:1.5em">{items}</ol></div>'
    ).encode()


def _inject(page: bytes, overlay: bytes) -> bytes:
    """Put the overlay just before </body> (or at the end when there is none)."""
    at = page.rfind(b"</body>")
    return page + overlay if at < 0 else page[:at] + overlay + page[at:]


class _Watcher(Watcher):
    """Polls with our own scan (digests, not just mtimes) and rebuilds incrementally."""

    def __init__(self, on_poll: Callable[[], None]) -> None:
        super().__init__()
        self.on_poll = on_poll

    def start(self, callback: Callable[[], None]) -> bool:
        """Poll every POLL_MS instead of livereload's 800 ms, for a sub-second round trip."""
        PeriodicCallback(callback, POLL_MS).start()
        return True

    def examine(self) -> tuple[str | None, float | None]:
        """Rebuild if needed; we send the reload ourselves (livereload throttles to one per 3 s)."""
        if self._changes:  # livereload's reload of tabs left open across a server restart
            return self._changes.pop()
        self.on_poll()
        return None, None


class _Handler(StaticFileHandler):
    """Static files from the output folder, with the error overlay and a 404 for escapes."""

    def initialize(self, path: str, default_filename: str | None = None,
                   overlay: Callable[[], bytes] = bytes) -> None:
        super().initialize(path, default_filename)
        self.overlay = overlay

    def set_extra_headers(self, path: str) -> None:
        self.set_header("Cache-Control", "no-store")  # a preview must never be stale

    def compute_etag(self) -> str | None:
        """No ETags: pages change under the same URL, and overlaid pages are not files."""
        return None

    async def get(self, path: str, include_body: bool = True) -> None:
        """Serve a file; a path outside the output folder is simply not found (404, not 403)."""
        if "\0" in path:  # os.stat would raise ValueError: answer as for any bad name
            raise web.HTTPError(404)
        try:
            await self._get(path, include_body)
        except web.HTTPError as exc:
            if exc.status_code != 403:  # tornado's answer to '..' and to non-regular files
                raise
            raise web.HTTPError(404) from None

    async def _get(self, path: str, include_body: bool) -> None:
        """HTML gets the overlay while the build is broken; everything else is served as is."""
        overlay = self.overlay()
        if not overlay:
            return await super().get(path, include_body)
        self.path = self.parse_url_path(path)
        found = self.validate_absolute_path(self.root, self.get_absolute_path(self.root,
                                                                              self.path))
        if found is None:  # redirected to the folder's slash
            return None
        if not found.endswith(".html"):
            return await super().get(path, include_body)
        self._send_html(_inject(Path(found).read_bytes(), overlay), include_body)
        return None

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Not found: the site's own 404 page (with the overlay), as static hosting would."""
        page = Path(self.root) / "404.html"
        if status_code != 404:
            return super().write_error(status_code, **kwargs)
        body = page.read_bytes() if page.is_file() else b"<!DOCTYPE html><title>Not found</title>" \
            b"<h1>Not found</h1></body>"
        self._send_html(_inject(body, self.overlay()), self.request.method != "HEAD")
        return None

    def _send_html(self, body: bytes, include_body: bool) -> None:
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        if include_body:
            self.write(body)
        self.finish()


class _Server(Server):
    """livereload's Server, serving the output folder through `_Handler`."""

    def __init__(self, out: Path, overlay: Callable[[], bytes], watcher: Watcher) -> None:
        super().__init__(watcher=watcher)
        self.out = out
        self.overlay = overlay

    def _setup_logging(self) -> None:
        """Quiet: livereload logs every reload ('Reload 0 waiters: None') and connection,
        tornado every request and 404; our one line per rebuild says what matters. Their
        warnings and errors still show (tornado's 4xx request lines, warnings, do not)."""
        channel = logging.StreamHandler()
        channel.setFormatter(logging.Formatter("%(name)s: %(levelname)s: %(message)s"))
        for name, level in (("livereload", logging.WARNING), ("tornado", logging.WARNING),
                            ("tornado.access", logging.ERROR)):
            logging.getLogger(name).setLevel(level)
        for name in ("livereload", "tornado"):  # a handler also stops tornado adding its own
            logging.getLogger(name).addHandler(channel)

    def get_web_handlers(self, script: bytes) -> list[Any]:
        """One catch-all route to the output folder (livereload's own routes come first)."""
        return [(r"/(.*)", _Handler, {"path": str(self.out), "default_filename": "index.html",
                                      "overlay": self.overlay})]
