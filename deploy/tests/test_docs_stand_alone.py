"""The documentation stands alone: README.md and docs/*.md cite nothing outside the
repository, and every relative link in them leads to a file that exists."""

from __future__ import annotations

import pathlib
import re

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("**/*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
# A path on the machine the docs were written on, not in the repository.
ABSOLUTE = re.compile(r"(?<![\w.:/-])/(?:work|home|tmp|Users)/")


def _inside(path: pathlib.Path) -> bool:
    return path.resolve().is_relative_to(REPO)


@pytest.mark.parametrize("doc", DOCS, ids=[str(d.relative_to(REPO)) for d in DOCS])
def test_docs_cite_nothing_outside_the_repository(doc: pathlib.Path) -> None:
    text = doc.read_text()
    assert not ABSOLUTE.findall(text), f"{doc.name} cites an absolute path"
    # Paths in prose (`services/…`) are read from the repository root.
    escaping = [span for span in CODE_SPAN.findall(text)
                if span.startswith("../") and not _inside(REPO / span.split()[0])]
    assert not escaping, f"{doc.name} cites paths outside the repository: {escaping}"


@pytest.mark.parametrize("doc", DOCS, ids=[str(d.relative_to(REPO)) for d in DOCS])
def test_relative_links_lead_to_files_in_the_repository(doc: pathlib.Path) -> None:
    broken = []
    for target in LINK.findall(doc.read_text()):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # a URL (https:, mailto:) or an anchor of this page
        path = doc.parent / target.split("#", 1)[0]
        if target.startswith("/") or not _inside(path) or not path.exists():
            broken.append(target)
    assert not broken, f"{doc.name}: links outside the repository or to no file: {broken}"
