"""Problems in a scenario, each with the file and the path to the field, collected before raising."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem with a scenario: where it is, what was expected and what was found."""

    file: str
    path: str
    expected: str
    found: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}:{self.column or 1}"
        field = f" {self.path}:" if self.path else ""
        text = f"{where}:{field} expected {self.expected}, found {self.found}"
        # One problem, one line: a name with a newline in it is shown escaped, as repr would.
        return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class ScenarioError(Exception):
    """Every problem found in a scenario; raised once, at the end of loading."""

    def __init__(self, issues: list[Issue]):
        self.issues = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


def shown(value: object, limit: int = 60) -> str:
    """The value as the user wrote it, short enough for one line."""
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
