"""The root of treatywatch's error tree, and the rule errors.

Every error treatywatch raises on purpose derives from :class:`TreatywatchError`, so a caller
can catch the whole family in one place (for example per source in the polling loop). The
subtrees are grouped by how a caller reacts to them::

    TreatywatchError
    ├── RuleError          a rule file or query is invalid: fix the file (rules)
    ├── state.StoreError   the database failed (state)
    └── monitor.*Error     configuration, fetch, parse and delivery errors (monitor)

``rules`` defines the root and :class:`RuleError`; ``state`` and ``monitor`` subclass the root.
"""

from __future__ import annotations

__all__ = ["RuleError", "TreatywatchError"]


class TreatywatchError(Exception):
    """The root of every error raised by treatywatch."""


class RuleError(TreatywatchError):
    """A rule file, vocabulary or query is invalid.

    ``file``, ``line`` and ``column`` (both 1-based) locate the problem when known; ``offset``
    is the 0-based character offset inside the query string when the error came from a query;
    ``hint`` suggests a fix. ``str(err)`` reads like
    ``rules/custom.yaml:12:18: unknown vocabulary '@treatys' (hint: did you mean '@treaties'?)``.
    """

    file: str | None
    line: int | None
    column: int | None
    offset: int | None
    hint: str | None
    message: str

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        offset: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.offset = offset
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        place = [str(part) for part in (self.file, self.line, self.column) if part is not None]
        text = self.message
        if self.hint:
            text = f"{text} (hint: {self.hint})"
        return f"{':'.join(place)}: {text}" if place else text

    def __str__(self) -> str:
        return self._render()

    def relocated(self, *, file: str | None, line: int | None, column: int | None) -> RuleError:
        """Return a copy of this error placed at ``file:line:column`` (keeps offset and hint)."""
        return RuleError(
            self.message,
            file=file,
            line=line,
            column=column,
            offset=self.offset,
            hint=self.hint,
        )
