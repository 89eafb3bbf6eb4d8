"""argparse's side of the ``prozchain`` command line: the parser and help formatter classes
every command group's parser is made of (:func:`prozchain.cli.build_parser`). Apart from
:mod:`prozchain.cli`, so that a command read without argparse (:data:`prozchain.cli.PLAIN`)
imports none of it."""

from __future__ import annotations

import argparse
import os
import sys


class Formatter(argparse.HelpFormatter):
    """argparse's help formatter, sized as argparse sizes it (``$COLUMNS``, else the terminal's
    width, else 80) without importing shutil to ask: argparse makes a formatter for every
    argument it adds, and shutil brings bz2, lzma and zlib, which no command's start needs."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


def _columns() -> int:
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):  # no stdout, or not a terminal
        return 80


class Parser(argparse.ArgumentParser):
    """An ArgumentParser with :class:`Formatter` unless told otherwise; its sub-parsers are of
    this class too (argparse makes them of the parent's class)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)
