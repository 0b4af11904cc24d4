"""The checks across files and articles (truth.py, facts.py, accounting.py), run one file or
one article at a time, each through a cache of the memo keyed by exactly what it reads: a
file's own records (the file's conversion, compared by identity), the articles it cites and
the names it prints. An edit to one force file checks that file again, and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import chain
from operator import attrgetter

from .accounting import SourceAccount, account, unaccounted
from .errors import Problem
from .facts import order_problems
from .memo import Memo, joined
from .outline import BODIES, Excerpts, Naming
from .perfile import Converted, FileResult
from .truth import Article, Named, Names, article, attribution_problems, passage_problems

Found = tuple[Article | None, ...]
"""The articles of one source file's sources, in file order (None: no text)."""


def check(done: Converted, texts: Mapping[str, str], memo: Memo, complete: bool = True,
          failed: frozenset[str] = frozenset()) -> tuple[list[Problem], list[SourceAccount]]:
    """Every attribution, accounting and order problem; and the accounting itself. Sentences
    left unaccounted are problems only when the records are `complete` (none failed to load
    or to match its article): otherwise they follow from the problems already reported.
    Ids in `failed` belong to records that failed to load: naming them is not a mistake."""
    naming = tuple(done.every("naming"))
    named = memo.names.get(naming, _names, naming)
    found = _articles(done.holding["sources"], texts, memo)
    problems = _passages(done.holding["sources"], found, named, failed, memo)
    # The last source of an id is the one its id names (as in Records.sources).
    by_source = {s.id: a for f in done.holding["sources"]
                 for (s, _, _), a in zip(f.items["sources"], found[f], strict=True)
                 if a is not None}
    memo.attribution.within(named)
    attributed = memo.attribution.combined(  # every body's file
        done.holding["statements"], lambda f, cited: _attribution(f, cited, named), _both,
        attrgetter("cited"), by_source)
    problems += chain.from_iterable(said for said, _ in attributed)
    problems += chain.from_iterable(positions for _, positions in attributed)
    events = tuple(done.holding["events"])
    problems += memo.orders.get((events, failed), _orders, events, failed)
    # Figures were checked with their file: the check reads nothing else.
    problems += chain.from_iterable(p.figures.get(holder, ()) for holder in BODIES
                                    for p in done.parts)
    accounts = _accounts(done, texts, memo)
    problems += unaccounted(done.kinds["sources"], accounts) if complete else []
    return problems, accounts


def _names(parts: tuple[Naming, ...]) -> Names:
    """How speakers are named, from how every file names them (an id's last record, as in
    Records; a body id of several kinds, its alliance's, organisation's, then force's)."""
    people = {i: Named(name, org) for p in parts for i, name, org in p.people}
    bodies: dict[str, dict[str, Named]] = {kind: {} for kind in BODIES}
    for p in parts:
        for kind, i, name in p.bodies:
            bodies[kind][i] = Named(name)
    return Names(people, {i: n for kind in BODIES for i, n in bodies[kind].items()})


def _articles(files: Sequence[FileResult], texts: Mapping[str, str], memo: Memo
              ) -> dict[FileResult, Found]:
    """The article of each source of each source file, as its passages find it."""
    return dict(chain.from_iterable(memo.found.combined(
        files, lambda f, seen: (f, _found(f, seen)), tuple, _sources, texts)))


def _sources(f: FileResult) -> tuple[str, ...]:
    return tuple(s.id for s, _, _ in f.items["sources"])


def _found(f: FileResult, texts: tuple[str | None, ...]) -> Found:
    """The article of each of a source file's sources (`texts`, their texts)."""
    return tuple(None if text is None else article(text, tuple(s.passages), s.narrator)
                 for (s, _, _), text in zip(f.items["sources"], texts, strict=True))


def _passages(files: Sequence[FileResult], found: Mapping[FileResult, Found], named: Names,
              failed: frozenset[str], memo: Memo) -> list[Problem]:
    """Passage problems of every source file."""
    memo.passages.within((named, failed))
    problems: list[Problem] = []
    for f in files:
        problems += memo.passages.get((f, found[f]), passage_problems, f.items["sources"],
                                      found[f], named, failed)
    return problems


def _attribution(f: FileResult, cited: tuple[Article | None, ...], named: Names
                 ) -> tuple[list[Problem], list[Problem]]:
    """Statement and position problems of one body file, which cites `cited` (the articles
    of f.cited, None where there is none)."""
    articles = {source: a for source, a in zip(f.cited, cited, strict=True) if a is not None}
    return attribution_problems(f.items, articles, named)


def _both(found: tuple[tuple[list[Problem], list[Problem]], ...]
          ) -> tuple[list[Problem], list[Problem]]:
    """Every statement problem and every position problem of some files."""
    return joined(tuple(s for s, _ in found)), joined(tuple(p for _, p in found))


def _orders(events: tuple[FileResult, ...], failed: frozenset[str]) -> list[Problem]:
    """Order problems of the events of the timeline files `events`."""
    return order_problems([e for f in events for e in f.items["events"]], failed)


def _accounts(done: Converted, texts: Mapping[str, str], memo: Memo) -> list[SourceAccount]:
    """The accounting of every article with a text, in source order."""
    quoting: dict[str, list[Excerpts]] = {}
    for p in done.parts:
        for source, words in p.quoting.items():
            quoting.setdefault(source, []).extend(words)
    accounts = []
    for s, _, _ in done.kinds["sources"]:
        text = texts.get(s.id)
        if text is None:
            continue
        words = tuple(quoting.get(s.id, ()))
        found = memo.accounts.get((s.id, s.file, text, words), _account, s.id, s.file, text,
                                  words)
        if found is not None:
            accounts.append(found)
    return accounts


def _account(source: str, file: str, text: str, words: tuple[Excerpts, ...]
             ) -> SourceAccount | None:
    """See accounting.account; `words`, the excerpts citing the article, file by file."""
    return account(source, file, text, chain.from_iterable(w.marked() for w in words))
