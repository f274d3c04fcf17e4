"""A problem a rule finds in what was entered, named by the field it belongs to."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    field: str  # "household.<attr>", "member.<index>.<attr>" or "income.<index>.<attr>"
    message: str
    severity: str = ERROR


class ValidationFailed(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(p.message for p in problems))
        self.problems = problems
