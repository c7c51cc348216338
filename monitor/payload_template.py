"""Payload templates for webhook targets with their own format (Teams, Discord, Mattermost, ntfy).

A template is either structured (a YAML mapping or list: the body is JSON) or a string (the body
is plain text). Placeholders ``{field}``, ``{field.sub}`` and ``{field:N}`` (at most N characters)
are filled from the alert payload; ``{{`` and ``}}`` are literal braces. In a structured template
a string that is exactly one placeholder takes the field's JSON value (a list stays a list);
everywhere else values are inserted as text, so feed text can never change the JSON structure.
Lookups go through dictionaries only: no attribute access, no code. Pure: no I/O.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["FIELDS", "TemplateError", "check_template", "render_template", "summary_line"]

FIELDS = (
    "version",
    "id",
    "type",
    "rule",
    "rule_title",
    "severity",
    "title",
    "url",
    "raw_url",
    "source",
    "published",
    "detected",
    "summary",
    "language",
    "matched",
    "entities",
    "snippet",
    "explanation",
    "story",
    "channel",
    "period",
    "count",
    "alerts",
    "text",
)
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)(?::(\d+))?\}")
_WHOLE = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\}$")


class TemplateError(ValueError):
    """A template names an unknown field or has an unbalanced brace."""


def check_template(template: Any) -> None:
    """Raise ``TemplateError`` naming the first problem in ``template``."""
    for text in _strings(template):
        rest = _PLACEHOLDER.sub("", text)
        if "{" in rest or "}" in rest:
            raise TemplateError(f"unbalanced brace in {text!r} (write {{{{ or }}}} for a literal)")
        for match in _PLACEHOLDER.finditer(text):
            name = match.group(1)
            if name is not None and name.split(".")[0] not in FIELDS:
                raise TemplateError(f"unknown field {{{name}}} (known: {', '.join(FIELDS)})")


def render_template(template: Any, payload: dict[str, Any]) -> Any:
    """The template filled from ``payload`` (a JSON-ready value, or a string)."""
    values = {**payload, "text": summary_line(payload)}
    return _render(template, values)


def summary_line(payload: dict[str, Any]) -> str:
    """One plain-text line describing any payload type (alert, follow-up, ops, digest, test)."""
    kind = payload.get("type")
    if kind == "digest":
        count = payload.get("count") or len(payload.get("alerts") or [])
        return f"treatywatch digest: {count} alert{'s' if count != 1 else ''}"
    severity = str(payload.get("severity") or "").upper()
    head = f"[{severity}] " if severity else ""
    if kind == "follow_up":
        head += "Follow-up: "
    elif kind == "ops":
        head = "[OPS] "
    elif kind == "test":
        head = "[TEST] "
    title = _text(payload.get("title")) or _text(payload.get("summary"))
    source = _text(payload.get("source"))
    line = head + title + (f" ({source})" if source else "")
    url = payload.get("url")
    if isinstance(url, str) and url:
        line += f" {url}"
    return line[:1000]


def _render(node: Any, values: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        return {key: _render(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [_render(value, values) for value in node]
    if isinstance(node, str):
        whole = _WHOLE.match(node)
        if whole:
            return _lookup(values, whole.group(1))
        return _fill(node, values)
    return node


def _fill(text: str, values: dict[str, Any]) -> str:
    def substitute(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        value = _text(_lookup(values, match.group(1)))
        limit = match.group(2)
        if limit is not None and len(value) > int(limit):
            cut = max(int(limit) - 1, 0)
            value = value[:cut] + "…" if int(limit) > 0 else ""
        return value

    return _PLACEHOLDER.sub(substitute, text)


def _lookup(values: dict[str, Any], path: str) -> Any:
    node: Any = values
    for part in path.split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdecimal() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_text(v)}" for k, v in value.items())
    return str(value)


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [text for value in node.values() for text in _strings(value)]
    if isinstance(node, list):
        return [text for value in node for text in _strings(value)]
    return []
