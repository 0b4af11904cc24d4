"""On-disk caches under `.build-cache/`: they only make builds faster, never change them.

Each cache is one marshal file whose name carries the versions that could change its entries,
so an upgrade starts afresh instead of trusting stale results. A missing, corrupt or
unwritable cache is simply ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import markdown
import nh3
import yaml

FORMAT = 1
"""Bump when what a cache stores changes shape."""


def cache_path(root: Path, name: str, *producers: Path) -> Path:
    """The file for cache `name`, named after everything its entries depend on: library
    versions and the source of the `producers` (our modules that compute the entries), so
    editing e.g. the Markdown sanitiser's allowed tags starts a new cache."""
    py = f"{sys.version_info[0]}{sys.version_info[1]}"
    versions = (f"{FORMAT}-py{py}-yaml{yaml.__version__}-md{markdown.__version__}"
                f"-nh3{getattr(nh3, '__version__', '0')}")
    code = hashlib.blake2b(digest_size=6)
    for module in producers:
        code.update(module.read_bytes())
    return root / ".build-cache" / f"{name}-{versions}-{code.hexdigest()}.marshal"


def load(path: Path) -> dict[Any, Any]:
    """The cache's entries, or {} if it is missing or unreadable."""
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return data if isinstance(data, dict) else {}


def save(path: Path, entries: dict[Any, Any]) -> None:
    """Replace the cache file atomically; give up silently if it cannot be written."""
    with contextlib.suppress(OSError, ValueError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(marshal.dumps(entries))
        os.replace(tmp, path)
        for stale in path.parent.glob(f"{path.name.split('-', 1)[0]}-*.marshal"):
            if stale != path:
                stale.unlink(missing_ok=True)  # caches of older versions
