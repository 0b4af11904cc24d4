"""What a build writes: each output of the site, planned by the views, made by the render
stage or given as bytes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import ContentError, Problem


@dataclass(frozen=True)
class Output:
    """One file of the site: a template rendered with a context, raw bytes, or a download's
    chunks."""

    path: str
    """Path inside the output folder, e.g. 'forces/hampshire/index.html'."""
    template: str | None = None
    """Template name under templates/, or None for raw data."""
    context: Mapping[str, Any] = field(default_factory=dict)
    """What the template sees (built by a view function)."""
    data: bytes | None = None
    """Raw bytes, for assets and the host's files."""
    chunks: Iterable[bytes] | None = None
    """A download's bytes as they are made, a run of rows at a time (a big site's tables are
    tens of MB: never whole in memory)."""


def refuse_clashes(outputs: Sequence[Output]) -> None:
    """Two outputs on one path is an error naming both (outputs, or anything with their
    `path` and `template`, such as views.Planned)."""
    claimed: dict[str, str] = {}
    for out in outputs:
        if out.path in claimed:
            raise ContentError([Problem(out.path, None, None, "",
                                        f"two pages claim this path ({claimed[out.path]} and "
                                        f"{out.template or 'data'})",
                                        "give one of the records another id")])
        claimed[out.path] = out.template or "data"
