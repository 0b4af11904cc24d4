"""The dev server's terminal: one line per rebuild, 'fixed: build OK' when a failure clears,
no library chatter; and the index pages of organisations and alliances."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import make_site, run_cli
from tests.test_serve import (
    CHANGE_TIMEOUT,
    FORCE,
    START_TIMEOUT,
    edit,
    get,
    start,
    stop,
    wait_for,
)

COUNTS = "1 force, 0 organisations, 0 alliances, 1 source, 1 event, 1 statement"


def test_one_line_per_rebuild_and_fixed_after_a_failure(tmp_path: Path) -> None:
    server = start(make_site(tmp_path), tmp_path)
    try:
        wait_for(lambda: get(server.url())[0] == 200, START_TIMEOUT, "the server", server)
        get(server.url("/no-such-page/"))  # a 404: tornado would log it
        edit(server.root / FORCE, "short_name: Testshire", "short_name: [Testshire")
        wait_for(lambda: "build failed" in server.output(), CHANGE_TIMEOUT, "the failure",
                 server)
        edit(server.root / FORCE, "short_name: [Testshire", "short_name: Testshire")
        wait_for(lambda: "fixed:" in server.output(), CHANGE_TIMEOUT, "the fix", server)
        edit(server.root / FORCE, "name: Testshire Police", "name: Testshire Constabulary")
        wait_for(lambda: server.output().count("rebuilt ") == 3, CHANGE_TIMEOUT, "the edit",
                 server)
    finally:
        assert stop(server) == 0
    lines = [re.sub(r"\d+ ms", "N ms", line) for line in server.output().splitlines()]
    assert lines == [
        f"rebuilt 14 of 14 pages in N ms ({COUNTS})",
        f"serving {server.url()} (Ctrl-C to stop)",
        "content/forces/testshire.yaml:4:8: YAML syntax error: did not find expected ',' or "
        "']'; check the indentation, colons and quotes here",
        "content/forces/testshire.yaml: references to the ids this file may define "
        "(testshire, testshire-precaution, testshire-operations) are not checked until it "
        "reads; fix its error above",
        "build failed: 1 problem; still serving the last good build",
        f"fixed: build OK; rebuilt 0 of 14 pages in N ms ({COUNTS})",
        lines[-2],  # the edit's line: how many pages it re-rendered is another test's matter
        "stopped"]
    assert re.fullmatch(r"rebuilt \d+ of 14 pages in N ms", lines[-2])


def test_organisations_and_alliances_have_index_pages(tmp_path: Path) -> None:
    root = make_site(tmp_path, "voices")
    assert run_cli(root, "build").returncode == 0
    page = (root / "output/organisations/index.html").read_text(encoding="utf-8")
    assert '<h1>Organisations</h1>' in page
    assert '<a href="/organisations/testshire-council/">' in page
    assert not (root / "output/alliances").exists()  # no alliance: no empty index
    member = (root / "output/organisations/testshire-council/index.html").read_text(
        encoding="utf-8")
    assert '<p class="kicker"><a href="/organisations/">Organisations</a></p>' in member
