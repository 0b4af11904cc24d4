"""Checks of what records state against themselves: a figure's value and qualifier against its
evidence, and the orders the articles state between events."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping

from . import models as m
from .convert import Located, problem
from .errors import Problem
from .numbers import numbers, qualifier_before


def figure_problems(figures: Located) -> list[Problem]:
    """A figure's value is a number its evidence gives, and qualified as the evidence does."""
    problems = []
    for f, doc, path in figures:
        fault = figure_fault(f.evidence, f.value, f.qualifier)
        if fault is not None:
            where, message, hint = fault
            problems.append(problem(doc, (*path, *where), message, hint))
    return problems


def figure_fault(evidence: str, value: float, qualifier: str
                 ) -> tuple[tuple[str, ...], str, str] | None:
    """Where in the figure (a field, or the figure itself), what and why its `value` or
    `qualifier` disagrees with its `evidence`; None when they agree."""
    found = list(numbers(evidence))
    here = [at for number, at, _ in found if number == value]
    if not here:
        given = ", ".join(dict.fromkeys(f"'{words}'" for _, _, words in found)) or "none"
        return (("value",), f"{value:g} is not a number the evidence gives (it gives: "
                f"{given})", "make 'value' the article's number, or cite the words that give it")
    said = {qualifier_before(evidence, at) for at in here} - {None}
    if said and qualifier not in said:
        words = sorted(said)[0]
        return (("qualifier",) if qualifier != "exact" else (),
                f"the evidence qualifies {value:g} as '{words}', but the figure's qualifier "
                f"is '{qualifier}'", f"set 'qualifier: {words}'")
    return None


def order_problems(events: Located, failed: Collection[str]) -> list[Problem]:
    """Every problem of the orders stated between `events` (see _orders)."""
    return list(_orders(events, failed))


def _orders(events: Located, failed: Collection[str]) -> Iterator[Problem]:
    """Orders the articles state: each must name an event, and dates may not contradict."""
    by_id = {e.id: e for e, _, _ in events}
    for e, doc, path in events:
        if e.date is None and not e.clues:
            yield problem(doc, (*path, "clues"), "an undated event needs its clues",
                          "add 'clues:' saying what the article gives about when")
        for i, order in enumerate(e.follows):
            before = by_id.get(order.after)
            here = (*path, "follows", i, "after")
            if before is None and order.after in failed:
                continue
            if before is None:
                yield problem(doc, here, f"unknown event '{order.after}'",
                              "name an event id from the timeline files")
            elif before is e or e.id in _ancestors(before, by_id):
                yield problem(doc, here, f"'{order.after}' cannot come both before and after "
                              "this event", "remove one of the two orders")
            elif e.date and before.date:
                k = min(len(e.date.value), len(before.date.value))
                if e.date.value[:k] < before.date.value[:k]:
                    yield problem(doc, here, f"the article puts this event after "
                                  f"'{order.after}' ({before.date.value}), but it is dated "
                                  f"{e.date.value}", "correct one of the two dates")


def _ancestors(event: m.Event, by_id: Mapping[str, m.Event]) -> set[str]:
    """Ids of the events `event` follows, directly or not."""
    seen: set[str] = set()
    todo = [o.after for o in event.follows]
    while todo:
        ident = todo.pop()
        if ident not in seen and ident in by_id:
            seen.add(ident)
            todo += [o.after for o in by_id[ident].follows]
    return seen
