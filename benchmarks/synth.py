"""Synthetic content in the project's own schema, at any number of forces.

Every record validates: ids resolve, every force has a position on every attribute, and every
quote, evidence and figure is a verbatim sentence of a generated article in the archive, so the
benchmark also measures the quote check. Output is deterministic for a given size.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
"""The project root (real templates, assets, attributes and pages are copied from it)."""

FORCES_PER_SOURCE = 10
EVENTS_PER_FORCE = 5
EVENTS_PER_YEAR = 400
"""Keeps each timeline file far below the loader's 1 MB and 100,000-value limits."""
KINDS = ("attack", "threat-level", "force-announcement", "operation", "policy", "report",
         "security-measure", "consultation")
WORDS = ("armed", "officers", "patrol", "busy", "streets", "markets", "stations", "visible",
         "reassure", "public", "threat", "level", "festive", "season", "shopping", "centres",
         "response", "unit", "trained", "specialist", "crowded", "events", "county", "city")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def q(value: object) -> str:
    """A YAML scalar: JSON's double-quoted strings are valid YAML."""
    return json.dumps(value, ensure_ascii=False)


RECORD_LINK = re.compile(r"\[([^\]]*)\]\(/(?:sources|forces|organisations|alliances|people|"
                         r"chronology|glossary)/[^)]*\)")
"""A Markdown link to one of the real site's records (the synthetic site has other ids)."""


@dataclass
class Article:
    """One synthetic news article: its sentences, in order."""

    sid: str
    sentences: list[str] = field(default_factory=list)
    passages: list[str] = field(default_factory=list)
    """YAML lines of the source's `passages`: who speaks each quoted sentence."""

    def say(self, text: str) -> str:
        """Add a sentence to the article and return it (for use as a verbatim excerpt)."""
        self.sentences.append(text)
        return text

    def quote(self, text: str, speaker: str) -> str:
        """Add a sentence spoken by `speaker` ('person: id' or 'body: id'); return it."""
        self.passages += [f"  - start: {q(text)}", f"    end: {q(text)}", f"    {speaker}"]
        return self.say(text)


class Generator:
    """Writes a complete site for `forces` forces under a root folder."""

    def __init__(self, forces: int, seed: int = 7) -> None:
        self.n = forces
        self.rng = random.Random(seed)
        self.attributes = yaml.safe_load(
            (ROOT / "content" / "attributes.yaml").read_text(encoding="utf-8"))["attributes"]
        self.sources = max(1, -(-forces // FORCES_PER_SOURCE))
        self.people = max(1, forces // 10)
        self.orgs = max(1, forces // 100)
        self.alliances = max(1, forces // 50)
        self.articles = [Article(f"src-{i:05d}") for i in range(self.sources)]

    # -- ids and small helpers --------------------------------------------------------------

    @staticmethod
    def fid(i: int) -> str:
        return f"force-{i:05d}"

    def source_of(self, i: int) -> Article:
        return self.articles[i // FORCES_PER_SOURCE]

    def phrase(self, k: int = 6) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(k))

    def person_of(self, i: int) -> str | None:
        """Every tenth force has a named chief (a person record); the others do not."""
        return f"person-{i // 10:05d}" if i % 10 == 0 and i // 10 < self.people else None

    # -- writers ----------------------------------------------------------------------------

    def write(self, root: Path) -> None:
        """Write site.yaml, content/, archive/, templates/ and assets/ under `root`."""
        if root.exists():
            shutil.rmtree(root)
        content = root / "content"
        for sub in ("forces", "sources", "organisations", "alliances", "timeline", "pages"):
            (content / sub).mkdir(parents=True)
        (root / "site.yaml").write_text(
            "title: Armed police patrols (synthetic)\n"
            "description: Synthetic content for the scale benchmark.\n"
            "base_url: http://127.0.0.1:8000/\npublished: \"2026-11-21\"\n"
            "sources_archive: archive\n", encoding="utf-8")
        shutil.copy(ROOT / "content" / "attributes.yaml", content / "attributes.yaml")
        for page in (ROOT / "content" / "pages").glob("*.md"):  # the real prose, its links
            text = page.read_text(encoding="utf-8")  # to real records made plain text
            (content / "pages" / page.name).write_text(RECORD_LINK.sub(r"\1", text),
                                                        encoding="utf-8")
        for folder in ("templates", "assets"):
            shutil.copytree(ROOT / folder, root / folder)
        figures: list[str] = []
        people_lines: list[str] = []
        for i in range(self.n):
            text, figs, person = self.force(i)
            (content / "forces" / f"{self.fid(i)}.yaml").write_text(text, encoding="utf-8")
            figures += figs
            if person:
                people_lines.append(person)
        self.write_people(content, people_lines)
        self.write_orgs(content)
        self.write_alliances(content)
        self.write_timeline(content)
        self.write_conflicts(content, figures)
        self.write_sources(root, content)

    def force(self, i: int) -> tuple[str, list[str], str | None]:
        """One force's YAML, its figure ids, and its person record (YAML lines) if any."""
        fid, art = self.fid(i), self.source_of(i)
        short = f"Force {i:05d}"
        neighbours = [self.fid(j) for j in (i - 1, i + 1) if 0 <= j < self.n]
        alliance = f"alliance-{i // 50:05d}" if i % 50 < 2 and i // 50 < self.alliances else None
        lines = [
            f"id: {fid}", f"name: {q(short + ' Constabulary')}", f"short_name: {q(short)}",
            f"region: {q(f'Region {i % 12}') if i % 3 else 'null'}",
            f"area: {q(f'Town {i} and the county around it')}",
            f"alliances: [{alliance or ''}]", f"neighbours: [{', '.join(neighbours)}]",
            "summary: |",
            f"  {short} said it would put *visibly armed* officers on patrol in {self.phrase()}.",
            f"  The [article](/sources/{art.sid}/) says the patrols were \"a precaution\" and",
            f"  not a response to any particular threat; {self.phrase(10)}.",
            "",
            f"  It names {len(neighbours)} neighbouring forces and gives no numbers of officers.",
            f"sources: [{art.sid}]", "positions:",
        ]
        for a in self.attributes:
            values = [v["id"] for v in a["values"]]
            label = a["label"].lower()
            value = values[(i + len(a["id"])) % len(values)]
            lines += [f"  {a['id']}:", f"    value: {value}",
                      f"    detail: {q(f'{short} on {label}: {self.phrase(5)}.')}",
                      f"    source: {art.sid}"]
            if value != "not-stated":
                ev = art.say(f"{short} told the paper about {a['id']}: {self.phrase(8)}.")
                lines.append(f"    evidence: {q(ev)}")
        person = self.person_of(i)
        speaker = f"speaker: {person}" if person else f"speaker_label: {q(f'A {short} spokesman')}"
        who, body = f"person: {person}" if person else f"body: {fid}", f"body: {fid}"
        safe = art.quote(f"We want {short} residents to feel safe: {self.phrase()}.", who)
        threat = art.quote(f"There is no specific threat to {short}: {self.phrase(7)}.", body)
        talk = art.quote(f"Officers will be happy to talk to people: {self.phrase(6)}.", body)
        lines += [
            "statements:", f"  - id: {fid}-reassurance", f"    {speaker}",
            f"    quote: {q(safe)}",
            f"    source: {art.sid}", f"    context: {q('On why the patrols were added.')}",
            f"  - id: {fid}-no-threat", f"    speaker_label: {q(f'A {short} spokeswoman')}",
            "    quote:",
            f"      - {q(threat)}",
            f"      - {q(talk)}",
            f"    source: {art.sid}",
            "figures:",
        ]
        figs = []
        for k, (unit, counts) in enumerate((("operations", "armed operations in a year"),
                                           ("officers", "authorised firearms officers"))):
            value = 100 + (i * 37 + k * 11) % 900
            figs.append(f"{fid}-figure-{k}")
            ev = art.say(f"{short} reported {value:,} {counts} in {self.phrase(4)}.")
            lines += [f"  - id: {fid}-figure-{k}", f"    value: {value}",
                      f"    qualifier: {('exact', 'more-than')[k]}", f"    unit: {unit}",
                      f"    counts: {q(counts)}", f"    period: {q('the 12 months to March')}",
                      f"    source: {art.sid}", f"    evidence: {q(ev)}",
                      f"    series: {unit}-series"]
        record = None
        if person:
            name = f"Chief Constable {short.replace('Force', 'Chief')}"
            ev = art.say(f"{name}, who leads {short}, said the patrols would start soon.")
            record = "\n".join([
                f"  - id: {person}", f"    name: {q(name)}",
                f"    role: {q('Chief Constable')}", f"    organisation: {fid}",
                f"    source: {art.sid}", f"    evidence: {q(ev)}"])
        return "\n".join(lines) + "\n", figs, record

    def write_people(self, content: Path, records: list[str]) -> None:
        (content / "people.yaml").write_text("people:\n" + "\n".join(records) + "\n",
                                             encoding="utf-8")

    def write_orgs(self, content: Path) -> None:
        for k in range(self.orgs):
            oid, art = f"org-{k:05d}", self.articles[k % self.sources]
            quote = art.quote(f"The council backs the patrols in district {k}: {self.phrase(8)}.",
                              f"body: {oid}")
            (content / "organisations" / f"{oid}.yaml").write_text("\n".join([
                f"id: {oid}", f"name: {q(f'District Council {k}')}", "kind: council",
                f"summary: {q(f'A council that *supported* the patrols; {self.phrase(8)}.')}",
                f"sources: [{art.sid}]", "statements:", f"  - id: {oid}-support",
                f"    speaker_label: {q('A council spokesman')}", f"    quote: {q(quote)}",
                f"    source: {art.sid}"]) + "\n", encoding="utf-8")

    def write_alliances(self, content: Path) -> None:
        for k in range(self.alliances):
            members = [self.fid(j) for j in (k * 50, k * 50 + 1) if j < self.n]
            art = self.source_of(k * 50)
            aid = f"alliance-{k:05d}"
            ev = art.say(f"The shared unit {k} provides firearms officers for {len(members)} "
                         "forces.")
            (content / "alliances" / f"{aid}.yaml").write_text("\n".join([
                f"id: {aid}", f"name: {q(f'Shared Operations Unit {k}')}",
                f"short_name: {q(f'SOU{k}')}", f"members: [{', '.join(members)}]",
                f"summary: {q(f'A unit shared by {len(members)} forces; {self.phrase(8)}.')}",
                f"source: {art.sid}", f"evidence: {q(ev)}"]) + "\n", encoding="utf-8")

    def write_timeline(self, content: Path) -> None:
        total = self.n * EVENTS_PER_FORCE
        years = max(2, -(-total // EVENTS_PER_YEAR))
        by_year: dict[int, list[str]] = {}
        for e in range(total):
            i = e // EVENTS_PER_FORCE
            art, short = self.source_of(i), f"Force {i:05d}"
            year, month, day = 1900 + e % years, 1 + e % 12, 1 + e % 28
            ev = art.say(f"On {day} {MONTHS[month - 1]} {short} {self.phrase(7)} (event {e}).")
            by_year.setdefault(year, []).append("\n".join([
                f"  - id: event-{e:06d}", f"    title: {q(f'{short}: {self.phrase(4)}')}",
                f"    kind: {KINDS[e % len(KINDS)]}", "    date:",
                f"      stated: {q(f'{day} {MONTHS[month - 1]}')}",
                f"      value: \"{year}-{month:02d}-{day:02d}\"",
                f"    description: {q(f'{short} *announced* {self.phrase(12)}.')}",
                f"    source: {art.sid}", f"    evidence: {q(ev)}",
                f"    forces: [{self.fid(i)}]"]))
        for year, events in by_year.items():
            (content / "timeline" / f"{year}.yaml").write_text(
                "events:\n" + "\n".join(events) + "\n", encoding="utf-8")

    def write_conflicts(self, content: Path, figures: list[str]) -> None:
        lines = ["conflicts:"]
        for k in range(0, min(len(figures) - 1, self.n // 5), 20):
            lines += [f"  - id: conflict-{k:05d}", f"    title: {q(f'Disagreement {k}')}",
                      f"    description: {q('The two figures *differ*; both are shown.')}",
                      f"    figures: [{figures[k]}, {figures[k + 1]}]"]
        (content / "conflicts.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def write_sources(self, root: Path, content: Path) -> None:
        archive = root / "archive"
        archive.mkdir()
        for k, art in enumerate(self.articles):
            (archive / f"{art.sid}.txt").write_text(
                f"Armed patrols article {k}\n\n" + "\n\n".join(art.sentences) + "\n",
                encoding="utf-8")
            (content / "sources" / f"{art.sid}.yaml").write_text("\n".join([
                f"id: {art.sid}", f"file: {art.sid}.txt", f"label: {q(f'Article {k}')}",
                f"headline: {q(f'Armed patrols article {k}')}",
                "date:", f"  value: \"{2000 + k % 25}\"", "  inferred: true",
                f"  reasoning: {q('The text gives no date; its events place it.')}",
                f"subject: {q(f'Armed patrols in {FORCES_PER_SOURCE} forces; {self.phrase()}.')}",
                "takeaways:", f"  - {q('Forces added visibly armed patrols.')}",
                *(["passages:", *art.passages] if art.passages else [])]) + "\n",
                encoding="utf-8")


def generate(root: Path, forces: int) -> Path:
    """Write a synthetic site of `forces` forces at `root`; return root."""
    Generator(forces).write(root)
    return root
