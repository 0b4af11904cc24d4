"""The dev server over HTTP, and incremental rebuilds against full builds.

The server runs in a subprocess on a free loopback port; every wait is a bounded poll.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tornado.websocket import websocket_connect

from builder import inputs
from builder.build import build, check
from builder.errors import ContentError
from builder.incremental import YOUNG, Rebuilder
from tests.conftest import ROOT, make_site

START_TIMEOUT = 60.0
"""Seconds for the first build and the server to come up."""
CHANGE_TIMEOUT = 15.0
"""Seconds for an edit to show (it takes well under one)."""
FORCE = "content/forces/testshire.yaml"


@dataclass
class Running:
    """A dev server subprocess and where to find its site and logs."""

    proc: subprocess.Popen[bytes]
    root: Path
    port: int
    log: Path

    def url(self, path: str = "/") -> str:
        """Absolute URL of a path on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def output(self) -> str:
        """Everything the server printed so far (stdout and stderr)."""
        return self.log.read_text(encoding="utf-8", errors="replace")


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    """(status, body) of a GET; HTTP errors are answers too."""
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def raw_get(port: int, path: str) -> tuple[int, bytes]:
    """GET with the path sent byte for byte (no client-side normalising of '..')."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                     .encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.partition(b"\r\n\r\n")[2]


def wait_for(check: Callable[[], bool], timeout: float, what: str, server: Running) -> None:
    """Poll `check` until true; fail with the server's output after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.proc.poll() is None, f"server exited:\n{server.output()}"
        try:
            if check():
                return
        except OSError:
            pass  # not listening yet
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}\n{server.output()}")


def start(root: Path, tmp_path: Path, *args: str) -> Running:
    """Start `python -m builder serve` on a free port, with output into a log file."""
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", "builder", "--root", str(root), "serve", "--port", str(port),
             "--out", str(tmp_path / "out"), *args],
            cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT)
    return Running(proc, root, port, log)


def stop(server: Running) -> int:
    """Stop the server as Ctrl-C does; kill it if it does not stop in time."""
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGINT)
        try:
            server.proc.wait(timeout=30)  # generous: CI machines run browsers alongside
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(timeout=10)
    return server.proc.returncode


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Running]:
    """A dev server on the minimal site, up and serving its home page."""
    running = start(make_site(tmp_path), tmp_path)
    try:
        wait_for(lambda: get(running.url())[0] == 200, START_TIMEOUT, "the server", running)
        yield running
    finally:
        stop(running)


def edit(path: Path, old: str, new: str) -> None:
    """Replace text in a file, insisting that it was there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_template_edit_appears(server: Running) -> None:
    edit(server.root / "templates/page.html", "<h1>", '<h1 data-edited="yes">')
    wait_for(lambda: 'data-edited="yes"' in get(server.url("/methodology/"))[1],
             CHANGE_TIMEOUT, "the template edit", server)


def test_content_edit_appears_and_rebuilds_only_dependent_pages(server: Running) -> None:
    edit(server.root / FORCE, "name: Testshire Police", "name: Testshire Constabulary")
    wait_for(lambda: "Testshire Constabulary" in get(server.url("/forces/testshire/"))[1],
             CHANGE_TIMEOUT, "the content edit", server)
    counts = re.findall(r"rebuilt (\d+) of (\d+) pages in \d+ ms", server.output())
    assert len(counts) >= 2, server.output()
    done, total = map(int, counts[-1])
    assert 0 < done < total, server.output()  # the source page of another kind stays as it was


def test_browser_is_told_to_reload(server: Running) -> None:
    async def reload_message() -> dict[str, object]:
        ws = await websocket_connect(f"ws://127.0.0.1:{server.port}/livereload")
        await ws.write_message(json.dumps({"command": "hello"}))
        await asyncio.wait_for(ws.read_message(), CHANGE_TIMEOUT)
        await ws.write_message(json.dumps({"command": "info", "url": server.url()}))
        await asyncio.sleep(0.3)  # let the server register the tab before the edit
        edit(server.root / FORCE, "name: Testshire Police", "name: Testshire Reloaded")
        while True:
            message = json.loads(await asyncio.wait_for(ws.read_message(), CHANGE_TIMEOUT))
            if "Testshire Reloaded" in get(server.url("/forces/testshire/"))[1]:
                return message

    message = asyncio.run(reload_message())
    assert message["command"] == "reload" and message["path"] == "*"


def test_broken_yaml_shows_overlay_and_fixing_clears_it(server: Running) -> None:
    path = server.root / FORCE
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("short_name: Testshire", "short_name: [Testshire"),
                    encoding="utf-8")
    overlay = 'id="builder-errors"'
    wait_for(lambda: overlay in get(server.url("/"))[1], CHANGE_TIMEOUT, "the overlay", server)
    status, body = get(server.url("/forces/testshire/"))
    assert status == 200 and overlay in body
    assert "Testshire Police" in body  # the last good page is still served under the overlay
    assert re.search(r"content/forces/testshire\.yaml:\d+:\d+: YAML syntax error", body), body
    assert "content/forces/testshire.yaml:" in server.output()  # the same message, in the log
    status, body = get(server.url("/no-such-page/"))
    assert status == 404 and overlay in body
    path.write_text(good, encoding="utf-8")
    wait_for(lambda: overlay not in get(server.url("/"))[1], CHANGE_TIMEOUT,
             "the overlay to go", server)


def test_broken_template_shows_overlay_escaped(server: Running) -> None:
    page = server.root / "templates/page.html"
    good = page.read_text(encoding="utf-8")
    page.write_text(good.replace("<h1>", "<h1>{% if <b> %}", 1), encoding="utf-8")
    wait_for(lambda: "templates/page.html:" in get(server.url("/"))[1], CHANGE_TIMEOUT,
             "the template error", server)
    body = get(server.url("/methodology/"))[1]
    assert "<b>" not in body.split('id="builder-errors"', 1)[1]  # messages are escaped
    page.write_text(good, encoding="utf-8")
    wait_for(lambda: 'id="builder-errors"' not in get(server.url("/"))[1], CHANGE_TIMEOUT,
             "the overlay to go", server)


ESCAPES = [
    "/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
    "/forces/../../secret.txt", "/..%5csecret.txt", "/%5c..%5csecret.txt", "//secret.txt",
    "/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/%00", "/.%2e/secret.txt",
    "/..\\secret.txt", "/%252e%252e/secret.txt",
]


def test_no_request_escapes_the_output_folder(server: Running, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("SECRET", encoding="utf-8")  # beside the output
    for path in ESCAPES:
        status, body = raw_get(server.port, path)
        assert (status, b"SECRET" in body, b"root:" in body) == (404, False, False), path
    assert raw_get(server.port, "/forces/testshire/")[0] == 200


def test_port_in_use_is_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "builder", "--root", str(make_site(tmp_path)), "serve",
             "--port", str(port)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "Traceback" not in result.stderr


def test_ctrl_c_stops_cleanly(server: Running) -> None:
    assert stop(server) == 0
    assert "stopped" in server.output() and "Traceback" not in server.output()


def _mutate(text: str) -> str:
    """Edit every plain display string (names, titles, labels) of a YAML or Markdown file."""
    keys = "name|short_name|title|label|role|counts|question|headline|publisher|context|area"
    return re.sub(rf"^(\s*(?:- )?(?:{keys}): )([A-Za-z][^\n#:]*)$", r"\1\2 Edited", text,
                  flags=re.M)


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def _full(root: Path, out: Path) -> dict[str, bytes]:
    """What a full build (`python -m builder build`) writes."""
    build(root, out)
    return _files(out)


def _differences(inc: Path, root: Path, scratch: Path) -> list[str]:
    """Files in which the incremental output `inc` differs from a full build of `root`."""
    full = _full(root, scratch)
    shutil.rmtree(scratch)
    mine = _files(inc)
    return sorted(k for k in mine.keys() | full.keys() if mine.get(k) != full.get(k))


@pytest.mark.parametrize("name", sorted(
    p.relative_to(ROOT / "tests/sites/minimal").as_posix()
    for p in (ROOT / "tests/sites/minimal").rglob("*") if p.is_file()
    and p.suffix in (".yaml", ".md")))
def test_incremental_rebuild_equals_full_build(tmp_path: Path, name: str) -> None:
    root = make_site(tmp_path)
    rebuilder = Rebuilder(root, tmp_path / "inc")
    first = rebuilder.poll()
    assert first is not None and not first.problems
    path = root / name
    mutated = _mutate(path.read_text(encoding="utf-8"))
    if mutated == path.read_text(encoding="utf-8"):
        pytest.skip("no display string to edit")
    path.write_text(mutated, encoding="utf-8")
    result = rebuilder.poll()
    assert result is not None and not result.problems, result
    assert result.rendered <= first.rendered
    assert _differences(tmp_path / "inc", root, tmp_path / "full") == []


def _real_site(tmp_path: Path) -> Path:
    root = tmp_path / "real"
    root.mkdir()
    for part in ("site.yaml", "content", "templates", "assets"):
        src = ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / part)
    return root


def test_one_force_edit_rerenders_only_its_dependents(tmp_path: Path) -> None:
    root = _real_site(tmp_path)
    rebuilder = Rebuilder(root, tmp_path / "out")
    first = rebuilder.poll()
    assert first is not None and not first.problems, first
    edit(root / "content/forces/dorset.yaml", "name: Dorset Police", "name: Dorset Police X")
    result = rebuilder.poll()
    assert result is not None and not result.problems
    assert 0 < result.rendered < result.pages / 2, result.line()
    # Hampshire's page did not read Dorset's name, so it was not made again.
    assert ("rec", "forces", "dorset", "name") not in rebuilder.warm.registry.keys_read(
        "forces/hampshire/index.html")
    assert rebuilder.poll() is None  # nothing changed: nothing rebuilt


# Files whose records other pages show: neighbours, alliance partners, citations, events.
REAL_EDITS = ["content/forces/hampshire.yaml", "content/forces/leicestershire.yaml",
              "content/sources/hampshire-christmas.yaml", "content/timeline/2017.yaml",
              "content/organisations/npcc.yaml", "content/alliances/emopps.yaml"]


def test_incremental_equals_full_build_on_the_real_site(tmp_path: Path) -> None:
    root = _real_site(tmp_path)
    rebuilder = Rebuilder(root, tmp_path / "inc")
    assert not rebuilder.poll().problems  # type: ignore[union-attr]
    for name in REAL_EDITS:
        path = root / name
        path.write_text(_mutate(path.read_text(encoding="utf-8")), encoding="utf-8")
        result = rebuilder.poll()
        assert result is not None and not result.problems, (name, result)
        assert _differences(tmp_path / "inc", root, tmp_path / "full") == [], name


def test_broken_link_shows_the_overlay_and_keeps_the_site(server: Running) -> None:
    page = server.root / "content" / "pages" / "methodology.md"
    good = page.read_text()
    page.write_text(good + "\nSee [nowhere](/no-such-page/).\n")
    overlay = 'id="builder-errors"'
    wait_for(lambda: overlay in get(server.url("/methodology/"))[1], CHANGE_TIMEOUT,
             "the overlay", server)
    status, body = get(server.url("/methodology/"))
    assert status == 200 and "broken link &#x27;/no-such-page/&#x27;" in body
    assert "nowhere" not in body  # the last good page, not the broken one
    page.write_text(good)
    wait_for(lambda: overlay not in get(server.url("/methodology/"))[1], CHANGE_TIMEOUT,
             "the overlay to go", server)


NEW_ORGANISATION = """id: test-body
name: Test Body
kind: test organisation
summary: Added by a test.
sources: [met-temperer]
"""

NEW_PERSON = """  - id: test-person
    name: Test Person
    role: Tester
    organisation: hampshire
    source: met-temperer
    evidence: one day into Operation Temperer
"""

NEW_FIGURE = """figures:
  - id: test-figure
    value: 3800
    qualifier: up-to
    unit: military personnel
    counts: military personnel who can be mobilised
    source: met-temperer
    evidence: up to 3,800 military personnel can be mobilised to support police
"""

# One edit of each kind of field, applied in turn: (file, text, replacement); None as the text
# writes the file, None as the replacement deletes it. Each is a fact some other page shows,
# so a dependency finer than the truth leaves a stale page and fails the comparison.
KINDS_OF_EDIT = [
    ("content/forces/hampshire.yaml", "The article calls the force both",
     "The article names the force both"),  # a summary: its own page only
    ("content/forces/surrey.yaml", "short_name: Surrey", "short_name: A Surrey"),  # sorts first
    ("content/forces/leicestershire.yaml", "name: Leicestershire Police",
     "name: Leicestershire Police X"),  # its alliance lists members by name
    ("content/forces/hampshire.yaml", "value: announced", "value: none-planned"),  # a position
    ("content/forces/hampshire.yaml", 'Armed officers "will patrol" busy streets',
     'Armed officers "will patrol" the busy streets'),  # a position's detail
    ("content/forces/hampshire.yaml", "period: the 12 months to March 2018",
     "period: the twelve months to March 2018"),  # a charted figure
    ("content/forces/hampshire.yaml", "context: On the Christmas patrols",
     "context: About the Christmas patrols"),  # a statement's context: people, citations
    ("content/timeline/2017.yaml", "forces: [metropolitan]",
     "forces: [metropolitan, hampshire]"),  # an event's forces: Hampshire's page lists it
    ("content/timeline/2017.yaml", "title: Attack at Westminster",
     "title: The attack at Westminster"),  # an event's title
    ("content/sources/hampshire-christmas.yaml", "label: Hampshire's armed Christmas patrols",
     "label: Hampshire's Christmas patrols"),  # a source's title: every citing page
    # (a person's body is not edited alone: their statements must then move files too)
    ("content/people.yaml", "role: Police and Crime Commissioner",
     "role: Hampshire's Police and Crime Commissioner"),
    ("content/people.yaml", "name: Michael Lane", "name: Mike Lane"),  # shown beside quotes
    ("content/alliances/emopps.yaml", "short_name: EMOpPS", "short_name: EMOPS"),
    ("content/people.yaml", "", NEW_PERSON),  # appended: someone sourced to another article
    ("content/forces/hampshire.yaml", "speaker_label: Hampshire Police",
     "speaker: test-person"),  # who is quoted citing hampshire-christmas
    ("content/people.yaml", "name: Test Person", "name: Tess Person"),  # that source's page
    ("content/organisations/jtac.yaml", "", NEW_FIGURE),  # one more figure, one more claim
    ("content/organisations/npcc.yaml", "name: National Police Chiefs' Council",
     "name: The National Police Chiefs' Council"),
    ("content/conflicts.yaml", "title: Deaths and injuries in the Manchester Arena attack",
     "title: Deaths and injuries at the Manchester Arena"),
    ("content/conflicts.yaml", ", manchester-injured-body, manchester-injured-timeline]",
     ", manchester-injured-body]"),  # a figure no longer disputed
    ("content/attributes.yaml", "label: Extra armed patrols", "label: More armed patrols"),
    ("content/pages/methodology.md", "title: Methodology", "title: How it was made"),  # nav
    ("content/pages/index.md", "title: Armed police on patrol in crowded places",
     "title: Armed police in crowded places"),
    ("site.yaml", 'published: "2026-11-21"', 'published: "2026-11-22"'),
    ("content/glossary.yaml", "title: Armed Response Vehicle", "title: Armed response vehicle"),
    ("content/glossary.yaml", "forms: [ARVs]", "forms: [ARVs, Armed Response Vehicle]"),
    ("content/updates.yaml", 'date: "2026-11-30"', 'date: "2026-12-01"'),
    ("content/updates.yaml", "      - dcc\n", "      - dcc\n      - hampshire\n"),
    ("templates/force.html", "<h1>{{ force.name }}</h1>", '<h1 class="x">{{ force.name }}</h1>'),
    ("templates/partials/cite.html", '<figure class="quote"', '<figure class="quote x"'),
    ("assets/site.css", "", "/* edited */\n"),  # appended: every page's fingerprinted link
    ("content/organisations/test-body.yaml", None, NEW_ORGANISATION),  # a file added
    ("content/organisations/test-body.yaml", NEW_ORGANISATION, None),  # and removed
]


def test_incremental_equals_full_build_after_each_kind_of_edit(tmp_path: Path) -> None:
    root = _real_site(tmp_path)
    rebuilder = Rebuilder(root, tmp_path / "inc")
    first = rebuilder.poll()
    assert first is not None and not first.problems, first
    for name, old, new in KINDS_OF_EDIT:
        path = root / name
        if new is None:
            path.unlink()
        elif old is None:
            path.write_text(new, encoding="utf-8")
        elif old == "":
            path.write_text(path.read_text(encoding="utf-8") + new, encoding="utf-8")
        else:
            edit(path, old, new)
        result = rebuilder.poll()
        assert result is not None and not result.problems, (name, new, result)
        assert _differences(tmp_path / "inc", root, tmp_path / "full") == [], (name, new)


def test_summary_edit_rerenders_only_its_page(tmp_path: Path) -> None:
    root = _real_site(tmp_path)
    rebuilder = Rebuilder(root, tmp_path / "inc")
    assert not rebuilder.poll().problems  # type: ignore[union-attr]
    edit(root / "content/forces/hampshire.yaml", "The article calls the force both",
         "The article names the force both")
    result = rebuilder.poll()
    assert result is not None and not result.problems and result.rendered == 1, result


def test_rebuild_after_a_failure_compares_with_the_last_good_build(tmp_path: Path) -> None:
    root = _real_site(tmp_path)
    rebuilder = Rebuilder(root, tmp_path / "inc")
    threshold = gc.get_threshold()
    seen: list[int] = []
    build = rebuilder._build
    rebuilder._build = lambda snapshot: seen.append(gc.get_threshold()[0]) or build(snapshot)
    assert not rebuilder.poll().problems  # type: ignore[union-attr]
    edit(root / "content/forces/surrey.yaml", "short_name: Surrey", "short_name: Surrey Y")
    edit(root / "content/forces/dorset.yaml", "neighbours: []", "neighbours: [nowhere]")
    failed = rebuilder.poll()
    assert failed is not None and failed.problems
    assert any("content/forces/dorset.yaml:" in p and "unknown force 'nowhere'" in p
               for p in failed.problems), failed.problems
    edit(root / "content/forces/dorset.yaml", "neighbours: [nowhere]", "neighbours: []")
    result = rebuilder.poll()
    assert result is not None and not result.problems, result
    assert _differences(tmp_path / "inc", root, tmp_path / "full") == []
    # Fewer young collections while building, the process's own between builds and after
    # a failed one.
    assert seen == [YOUNG] * 3 and gc.get_threshold() == threshold


def test_a_broken_link_left_by_a_removed_page_fails_the_rebuild(tmp_path: Path) -> None:
    root = _real_site(tmp_path)
    rebuilder = Rebuilder(root, tmp_path / "inc")
    assert not rebuilder.poll().problems  # type: ignore[union-attr]
    (root / "content/pages/methodology.md").unlink()  # every page's footer links to it
    updates = root / "content/updates.yaml"  # which must no longer name it
    updates.write_text(updates.read_text(encoding="utf-8").replace("      - methodology\n", ""),
                       encoding="utf-8")
    result = rebuilder.poll()
    assert result is not None and result.problems
    assert any("broken link" in p and "methodology" in p for p in result.problems)


def test_a_fragment_whose_id_moved_fails_the_rebuild_of_another_page(tmp_path: Path) -> None:
    """A page not made again (methodology reads no force) links to an id of a page that is
    (the force's, whose statement is renamed): its fragment is checked all the same."""
    page = "content/pages/methodology.md"
    root = make_site(tmp_path)
    text = (root / page).read_text(encoding="utf-8")
    (root / page).write_text(text + "\nSee [a statement](/forces/testshire/#testshire-"
                             "precaution).\n", encoding="utf-8")
    rebuilder = Rebuilder(root, tmp_path / "inc")
    assert not rebuilder.poll().problems  # type: ignore[union-attr]
    # The page reads nothing of the force, so it is not made again: its links are checked
    # from what the last build kept of them.
    assert not any(key[1] == "forces" for key in rebuilder.warm.registry.keys_read(
        "methodology/index.html") if key[0] in ("rec", "has", "keys"))
    force = root / "content/forces/testshire.yaml"
    force.write_text(force.read_text(encoding="utf-8").replace(
        "id: testshire-precaution", "id: testshire-caution"), encoding="utf-8")
    result = rebuilder.poll()
    assert result is not None and result.problems == [
        "content/pages/methodology.md:8:19: broken link '/forces/testshire/#testshire-precaution'"
        ": no element with id 'testshire-precaution' on /forces/testshire/; did you mean "
        "'/forces/testshire/#testshire-caution'?"], result.problems


ARCHIVE = (ROOT / "../shared/sources").resolve()

# Mistakes a warm rebuilder must report exactly as a full check does: (file, text, mistake).
MISTAKES = [
    ("content/forces/hampshire.yaml", "neighbours: [surrey, wiltshire]",
     "neighbours: [surrey, wiltshir]"),  # a reference, in the edited file
    ("content/sources/hampshire-christmas.yaml", "id: hampshire-christmas",
     "id: hampshire-xmas"),  # an id others cite: references break in unchanged files
    ("content/forces/hampshire.yaml", "quote: precautionary measure",
     "quote: precautionary measures taken"),  # a quote
    ("content/forces/dorset.yaml", "short_name: Dorset", "short_nam: Dorset"),  # the schema
    # A duplicate (the first entry takes the second's id, so that undoing the edit, which
    # replaces the first occurrence, restores the file).
    ("content/people.yaml", "  - id: michael-lane", "  - id: dave-shields"),
    ("content/alliances/emopps.yaml", "members: [leicestershire, ",
     "members: ["),  # a membership one side lists
    ("content/forces/metropolitan.yaml", "(/organisations/jtac/)",
     "(/forces/metropolitn/)"),  # a link in Markdown, found on the rendered page
    ("content/forces/metropolitan.yaml", "    value: begun",
     "   value: begun"),  # an unreadable file, whose ids others cite
]


@pytest.mark.skipif(not ARCHIVE.is_dir(), reason=f"no source archive at {ARCHIVE}")
@pytest.mark.parametrize("name,text,mistake", MISTAKES)
def test_rebuild_reports_what_a_full_check_reports(tmp_path: Path, name: str, text: str,
                                                    mistake: str) -> None:
    root = _real_site(tmp_path)
    shutil.copytree(ARCHIVE, tmp_path / "shared" / "sources")  # where site.yaml points
    rebuilder = Rebuilder(root, tmp_path / "inc")
    assert not rebuilder.poll().problems  # type: ignore[union-attr]
    edit(root / name, text, mistake)
    result = rebuilder.poll()
    assert result is not None and result.problems
    with pytest.raises(ContentError) as full:
        check(root)
    assert result.problems == [str(p) for p in full.value.problems]
    assert all(re.match(r"content/[\w/.-]+:(\d+:\d+:| references to the ids) ", p)
               for p in result.problems), result
    edit(root / name, mistake, text)  # mended: the rebuild succeeds again
    assert not rebuilder.poll().problems  # type: ignore[union-attr]


@pytest.mark.skipif(not ARCHIVE.is_dir(), reason=f"no source archive at {ARCHIVE}")
def test_an_edited_article_is_checked_again(tmp_path: Path) -> None:
    root = _real_site(tmp_path)
    archive = tmp_path / "shared" / "sources"
    shutil.copytree(ARCHIVE, archive)
    rebuilder = Rebuilder(root, tmp_path / "inc")
    assert not rebuilder.poll().problems  # type: ignore[union-attr]
    article = archive / "000_69af8e6a769ae3d6.txt"  # hampshire-christmas
    article.write_text(article.read_text(encoding="utf-8").replace("precautionary measure",
                                                                    "precaution"),
                       encoding="utf-8")
    edit(root / "content/forces/surrey.yaml", "short_name: Surrey", "short_name: Surrey X")
    result = rebuilder.poll()  # the archive is not watched: the next rebuild sees it
    assert result is not None and result.problems
    with pytest.raises(ContentError) as full:
        check(root)
    assert result.problems == [str(p) for p in full.value.problems]
    assert any("content/forces/hampshire.yaml:" in p for p in result.problems)


FILE_CHANGES = [  # (file, text or None to remove it): each a file that comes or goes
    ("content/forces/notes.txt", "not a record\n"),  # a stray: the load's own problem
    ("content/forces/notes.txt", None),  # gone again: fixed
    ("content/pages/extra.md",  # a page added
     "---\ntitle: Extra\ndescription: An extra page.\n---\nIt is extra.\n"),
    ("content/README.md", "Notes for authors.\n"),  # not content: nothing changes
    ("content/pages/extra.md", None),
    ("content/forces/sub/x.yaml", "id: x\n"),  # a folder inside a kind's: a stray
    ("content/forces/sub/x.yaml", None),
]


def test_files_that_come_and_go_are_loaded_as_a_whole_load_would(tmp_path: Path) -> None:
    """The dev server loads again only what changed; a file that comes or goes is read,
    left out or reported (a stray) exactly as `check` reports it and a build builds it."""
    root = make_site(tmp_path)
    rebuilder = Rebuilder(root, tmp_path / "inc")
    assert not rebuilder.poll().problems  # type: ignore[union-attr]
    for name, text in FILE_CHANGES:
        path = root / name
        if text is None:
            path.unlink()
            if not any(path.parent.iterdir()) and path.parent.name == "sub":
                path.parent.rmdir()
        else:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
        result = rebuilder.poll()
        assert result is not None, name
        try:
            check(root)
        except ContentError as exc:
            assert result.problems == [str(p) for p in exc.problems], (name, result.problems)
        else:
            assert not result.problems, (name, result.problems)
            assert _differences(tmp_path / "inc", root, tmp_path / "full") == [], name


def _without_scanning(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, statting every input fails the test: the kernel's events must do."""
    def refuse(root: str) -> list[object]:
        raise AssertionError("every input was statted")

    monkeypatch.setattr(inputs, "_input_files", refuse)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")
def test_a_poll_looks_only_at_what_the_kernel_says_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site(tmp_path)
    rebuilder = Rebuilder(root, tmp_path / "inc")
    assert rebuilder.watch is not None
    assert not rebuilder.poll().problems  # type: ignore[union-attr]
    _without_scanning(monkeypatch)
    assert rebuilder.poll() is None  # nothing changed, nothing statted
    force = root / "content/forces/testshire.yaml"
    edit(force, "name: Testshire Police", "name: Testshire Polics")  # the same size
    before = force.stat()
    os.utime(force, ns=(before.st_atime_ns, rebuilder.seen[FORCE][0]))  # and mtime
    result = rebuilder.poll()  # a scan would take the file as unchanged: same mtime and size
    assert result is not None and not result.problems and result.rendered > 0, result
    # An editor's save: a new file renamed over the old one.
    scratch = force.with_name(".testshire.yaml.tmp")
    scratch.write_text(force.read_text(encoding="utf-8").replace("Polics", "Police"),
                       encoding="utf-8")
    scratch.replace(force)
    result = rebuilder.poll()
    assert result is not None and not result.problems and result.rendered > 0, result
    assert _differences(tmp_path / "inc", root, tmp_path / "full") == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify is Linux's")
def test_a_folder_that_comes_is_watched_and_looked_into(tmp_path: Path) -> None:
    root = make_site(tmp_path)
    rebuilder = Rebuilder(root, tmp_path / "inc")
    assert not rebuilder.poll().problems  # type: ignore[union-attr]
    partials = root / "templates/extra"
    partials.mkdir()
    (partials / "note.html").write_text("<p>note</p>\n", encoding="utf-8")
    assert rebuilder.poll() is not None  # a scan: the folder came with a file in it
    assert "templates/extra/note.html" in rebuilder.seen
    (partials / "note.html").write_text("<p>edited</p>\n", encoding="utf-8")
    assert rebuilder.watch is not None and rebuilder.watch.changed() == {
        "templates/extra/note.html"}  # the new folder is watched


def test_without_inotify_every_poll_scans(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    monkeypatch.setattr(inputs.Watch, "start", classmethod(lambda cls, root: None))
    root = make_site(tmp_path)
    rebuilder = Rebuilder(root, tmp_path / "inc")
    assert rebuilder.watch is None
    assert not rebuilder.poll().problems  # type: ignore[union-attr]
    edit(root / "content/forces/testshire.yaml", "name: Testshire Police",
         "name: Testshire Constabulary")
    result = rebuilder.poll()
    assert result is not None and not result.problems and result.rendered > 0, result


_BIG_BLOCK_MEMORY = """
import ctypes, sys
from pathlib import Path
import builder.incremental
from builder.incremental import Rebuilder

class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split())]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info

def mapped():
    passing = bytearray(8 << 20)  # a passing block of 8 MB
    del passing
    before = libc.mallinfo2().hblkhd
    block = bytearray(1 << 20)
    return libc.mallinfo2().hblkhd - before  # memory of its own: returned when freed

if sys.argv[1] == "plain":
    print(mapped())
    sys.exit()
seen = []
real = builder.incremental.run
def run(*args, **kwargs):
    seen.append(mapped())
    return real(*args, **kwargs)
builder.incremental.run = run
root = Path(sys.argv[2])
rebuilder = Rebuilder(root, Path(sys.argv[3]))
rebuilder.poll()
force = root / "content/forces/testshire.yaml"
force.write_text(force.read_text().replace("Testshire Police", "Testshire Constabulary"))
rebuilder.poll()
print(*seen)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_the_dev_servers_first_build_gives_big_blocks_memory_of_their_own(
        site: Path, tmp_path: Path) -> None:
    """glibc's malloc by default cuts any block smaller than the biggest one freed from the
    heap, where the holes a big first build leaves stay for the dev server's life: during
    its first build, the dev server gives big blocks memory of their own (returned when
    freed); during edits, the heap (memory of its own is zeroed page by page each time)."""
    def mapped(*args: str) -> list[int]:
        run = subprocess.run([sys.executable, "-c", _BIG_BLOCK_MEMORY, *args], cwd=ROOT,
                             capture_output=True, text=True, check=False)
        if "mallinfo2" in run.stderr:
            pytest.skip("the C library is not glibc 2.33 or later")
        assert run.returncode == 0, run.stderr
        return list(map(int, run.stdout.split()))

    assert mapped("plain") == [0]  # glibc's own: from the heap, after the 8 MB block
    first, edit = mapped("dev-server", str(site), str(tmp_path / "out"))
    assert first >= 1 << 20
    assert edit == 0
