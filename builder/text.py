"""How values read on the page: dates at their precision, numbers, figures, event kinds."""

from __future__ import annotations

from . import models as m

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]

#: The event kinds as words (the chronology shows the kind as text, never colour alone).
KIND_LABELS = {
    "attack": "Attack", "threat-level": "Threat level", "force-announcement": "Force announcement",
    "operation": "Operation", "policy": "Policy", "report": "Report",
    "security-measure": "Security measure", "consultation": "Consultation",
}


def human_date(date: m.DateInfo | None) -> str:
    """'22 March 2017', 'around December 2016 (date inferred)', '2018 or later', '2017';
    'Undated in the articles' for an event the articles do not date."""
    if date is None:
        return "Undated in the articles"
    parts = date.value.split("-")
    if len(parts) == 3:
        text = f"{int(parts[2])} {MONTHS[int(parts[1]) - 1]} {parts[0]}"
    elif len(parts) == 2:
        text = f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
    else:
        text = parts[0]
    if date.approximate:
        text = f"around {text}"
    if date.not_before:
        text = f"{text} or later"
    if date.inferred:
        text += " (date inferred)"
    return text


def number(value: float) -> str:
    """283 -> '283'; 2280 -> '2,280'; 2.5 -> '2.5'."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"


def figure_value(f: m.Figure) -> str:
    """'more than 500 people', '90 per cent', '£125,000'."""
    prefix = {"more-than": "more than ", "up-to": "up to ", "about": "about "}.get(f.qualifier, "")
    if f.unit == "GBP":
        return f"{prefix}£{number(f.value)}"
    return f"{prefix}{number(f.value)} {unit(f.unit, f.value)}"


def unit(name: str, value: float) -> str:
    """A unit as it reads after the value: '1 person', '1 day', '2 days', '90 per cent'."""
    if value != 1 or not name.endswith("s"):
        return name
    return "person" if name == "people" else name[:-1]


def sentence(text: str) -> str:
    """The text with its first letter capitalised."""
    return text[:1].upper() + text[1:]
