"""Triage Linux VM serial console logs: how far each boot got and what stopped it.

The engine and rules of the `bootrules` command line; results are the file objects of
`bootrules check --format jsonl` (see the JSON contract in the README).
"""

from os import PathLike
from typing import Any, Optional, Sequence, Union

__version__: str

class Diagnostic:
    """A problem at a place in a rule file; `str()` is the command line's text for it."""

    @property
    def severity(self) -> str:
        """`"error"` or `"warning"`."""
    @property
    def code(self) -> str:
        """The stable kebab-case code of the kind of problem (`"bad-regex"`)."""
    @property
    def file(self) -> str:
        """The rule file (or the option) the problem is in."""
    @property
    def line(self) -> Optional[int]:
        """1-based line; None for a problem of the whole file."""
    @property
    def column(self) -> Optional[int]:
        """1-based column in characters; None for a problem of the whole file."""
    @property
    def rule(self) -> Optional[str]:
        """The id of the rule the problem is about, if it is about one rule."""
    @property
    def message(self) -> str:
        """What is wrong."""
    @property
    def help(self) -> Optional[str]:
        """What to do about it, if there is a hint."""

class InvalidRules(ValueError):
    """The rule packs could not be loaded; the message is what `bootrules check --rules` prints."""

    diagnostics: list[Diagnostic]
    """Every error, typed."""

class RulePack:
    """A compiled rule pack: the default pack plus rule folders, loaded once and reused."""

    def __init__(
        self,
        rule_dirs: Optional[Sequence[Union[str, PathLike[str]]]] = None,
        *,
        default_rules: bool = True,
        disable: Optional[Sequence[str]] = None,
        max_member_mib: int = 4096,
        max_members: int = 100000,
    ) -> None: ...
    @staticmethod
    def shared(
        rule_dirs: Optional[Sequence[Union[str, PathLike[str]]]] = None,
        *,
        default_rules: bool = True,
        disable: Optional[Sequence[str]] = None,
        max_member_mib: int = 4096,
        max_members: int = 100000,
    ) -> "RulePack":
        """The pack for these options, compiled once per process."""
    def check(self, name: str, data: Union[bytes, bytearray]) -> dict[str, Any]:
        """The file object of one log; ValueError for an archive of several files (use check_all)."""
    def check_all(self, name: str, data: Union[bytes, bytearray]) -> list[dict[str, Any]]:
        """Every file object of one input: one for a log, one per archive member."""
    def check_jsonl(self, name: str, data: Union[bytes, bytearray]) -> list[str]:
        """Like check_all, each file object as its `--format jsonl` line (without the newline)."""
    def check_arrow(
        self, path_offsets: bytes, path_data: bytes, content_offsets: bytes, content_data: bytes
    ) -> tuple[int, list[list[Optional[bytes]]]]:
        """A batch given as two Arrow binary columns (offsets as little-endian i32, data), checked
        at once; returns the row count and, for each column of the Spark job's session schema,
        its Arrow buffers (validity or None, then offsets and data, values, or a list's offsets
        and its items' offsets and data)."""
    @property
    def warnings(self) -> list[Diagnostic]:
        """The warnings the command line prints when it loads the same packs."""
    @property
    def counts(self) -> tuple[int, int, int]:
        """Stages, signatures and ignores in the pack."""
