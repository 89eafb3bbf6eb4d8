"""The examples of every page in docs/ run as written: ``>>>`` examples as doctests, and plain
```python blocks as scripts (each in a fresh namespace, on the C core)."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

DOCS = sorted((Path(__file__).resolve().parent.parent / "docs").glob("*.md"))
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def scripts(page: Path) -> list[str]:
    return [code for code in BLOCK.findall(page.read_text()) if ">>>" not in code]


@pytest.mark.parametrize("page", DOCS, ids=[p.stem for p in DOCS])
def test_docs_page_examples(page):
    failed, attempted = doctest.testfile(str(page), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert not failed, f"{page.name}: {failed} of {attempted} examples failed"
    for code in scripts(page):
        exec(compile(code, str(page), "exec"), {"__name__": f"docs.{page.stem}"})
    assert attempted or scripts(page), f"{page.name} has no runnable example"
