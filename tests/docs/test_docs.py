"""The repository explains itself: every document a tracked file names is in the
repository, every section it cites exists, every Markdown link resolves, and every key of
the scenario reference links to the section of docs/model.md that uses it.

Citation forms checked:
- a path `docs/<name>.md` anywhere in a tracked file: the file must exist;
- `docs/<name>.md §N.M` (optionally with backticks, and lists such as "§1, §2" or
  "§4 to §8"): that page must have a heading numbered N.M ("## N." or "### N.M");
- a bare `§N.M` in docs/model.md, docs/validation.md or docs/sources.md: a section of
  that same page;
- Markdown links `[text](path#anchor)` in tracked .md files: the path exists and, for a
  .md target, the anchor is the GitHub slug of one of its headings.
"""
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(os.environ.get("CYBERDETER_SOURCE", Path(__file__).resolve().parents[2]))

# Design texts that were never part of the repository; built so that this file does not
# name them itself.
GONE = re.compile(r"\b(?:" + "|".join(["MODEL", "VALIDATION", "FACTS", "DESIGN", "STYLE"])
                  + r")\.md\b|\.\./shared/")
DOC_PATH = re.compile(r"(?<![\w./-])docs/([\w./-]*?\.md)\b")
CITE = re.compile(r"docs/([\w-]+\.md)`?((?:[ \t]*[\r\n]?[ \t]*(?://|#)?[ \t]*(?:,|and|to|or)?"
                  r"[ \t]*§\d+(?:\.\d+)*)+)")
SECTION = re.compile(r"§(\d+(?:\.\d+)*)")
HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*$", re.M)
NUMBERED = re.compile(r"^(\d+(?:\.\d+)*)\.?[ \t]")
LINK = re.compile(r"\]\(([^)\s]+)\)")
SELF_CITING = ["docs/model.md", "docs/validation.md", "docs/sources.md"]


def tracked_files():
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked files are unknown")
    return [p for p in out.decode().split("\0") if p and (ROOT / p).is_file()]


def read_text(path):
    data = (ROOT / path).read_bytes()
    if b"\0" in data[:8192]:
        return None  # binary
    return data.decode("utf-8", errors="replace")


@pytest.fixture(scope="module")
def texts():
    out = {}
    for p in tracked_files():
        text = read_text(p)
        if text is not None:
            out[p] = text
    return out


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    h = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return h.replace(" ", "-")


def headings(text):
    """(level, title) of every Markdown heading, fenced code blocks excluded."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.M | re.S)
    return [(len(m.group(1)), m.group(2)) for m in HEADING.finditer(text)]


def section_numbers(text):
    return {m.group(1) for _, title in headings(text) if (m := NUMBERED.match(title))}


def anchors(text):
    return {slug(title) for _, title in headings(text)}


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def test_no_tracked_file_names_a_document_that_is_not_in_the_repository(texts):
    bad = []
    for path, text in texts.items():
        for m in GONE.finditer(text):
            bad.append(f"{path}:{line_of(text, m.start())}: names {m.group(0)!r}")
        for m in DOC_PATH.finditer(text):
            if not (ROOT / "docs" / m.group(1)).is_file():
                bad.append(f"{path}:{line_of(text, m.start())}: docs/{m.group(1)} does not exist")
    assert not bad, "\n".join(bad)


def test_every_cited_section_exists(texts):
    numbers = {}
    bad = []

    def known(doc):
        if doc not in numbers:
            numbers[doc] = section_numbers(texts.get(doc, ""))
        return numbers[doc]

    for path, text in texts.items():
        for m in CITE.finditer(text):
            doc = "docs/" + m.group(1)
            for s in SECTION.findall(m.group(2)):
                if s not in known(doc):
                    bad.append(f"{path}:{line_of(text, m.start())}: {doc} has no section {s}")
    for doc in SELF_CITING:
        text = texts[doc]
        rest = CITE.sub(lambda m: " " * len(m.group(0)), text)  # keep line numbers
        for m in SECTION.finditer(rest):
            if m.group(1) not in known(doc):
                bad.append(f"{doc}:{line_of(text, m.start())}: no section §{m.group(1)} here")
    assert not bad, "\n".join(bad)


def test_markdown_links_resolve(texts):
    bad = []
    for path, text in texts.items():
        if not path.endswith(".md"):
            continue
        body = re.sub(r"^```.*?^```", lambda m: "\n" * m.group(0).count("\n"), text,
                      flags=re.M | re.S)
        for m in LINK.finditer(body):
            target = m.group(1)
            if re.match(r"[a-z]+:", target):
                continue  # http:, https:, mailto:
            file, _, anchor = target.partition("#")
            dest = (ROOT / path).parent / file if file else ROOT / path
            where = f"{path}:{line_of(body, m.start())}: {target}"
            if not dest.exists():
                bad.append(f"{where}: no such file")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest.read_text()):
                bad.append(f"{where}: no heading with anchor #{anchor}")
    assert not bad, "\n".join(bad)


def model_sections():
    """docs/model.md: anchor -> the text of its section, subsections included."""
    text = (ROOT / "docs/model.md").read_text()
    marks = [(m.start(), len(m.group(1)), slug(m.group(2))) for m in HEADING.finditer(text)]
    out = {}
    for i, (start, level, anchor) in enumerate(marks):
        end = next((s for s, lv, _ in marks[i + 1:] if lv <= level), len(text))
        out[anchor] = text[start:end]
    return out


def reference_keys():
    """(line, key, row) of every key row in the tables of docs/scenario-reference.md."""
    rows = []
    header_is_key = False
    in_table = False
    for n, line in enumerate((ROOT / "docs/scenario-reference.md").read_text().splitlines(), 1):
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not in_table:
            in_table, header_is_key = True, cells[0] == "key"
        elif header_is_key and not re.fullmatch(r"-+", cells[0]):
            m = re.fullmatch(r"`(\w+)`", cells[0])
            assert m, f"docs/scenario-reference.md:{n}: a key row must start with `key`"
            rows.append((n, m.group(1), cells))
    return rows


def test_every_scenario_key_links_to_the_model_section_that_uses_it():
    sections = model_sections()
    rows = reference_keys()
    assert len(rows) > 90, "the key tables of docs/scenario-reference.md were not found"
    bad = []
    for n, key, cells in rows:
        links = re.findall(r"\]\(model\.md#([\w-]+)\)", cells[-1])
        where = f"docs/scenario-reference.md:{n}: `{key}`"
        if not links:
            bad.append(f"{where}: no link to a section of docs/model.md in the last column")
        for anchor in links:
            if anchor not in sections:
                bad.append(f"{where}: docs/model.md has no section #{anchor}")
            elif not re.search(r"`(?:[\w.\"\[\]]+\.)?" + key + "`", sections[anchor]):
                bad.append(f"{where}: docs/model.md#{anchor} does not mention the key")
    assert not bad, "\n".join(bad)


def test_licence_and_citation_name_the_version_of_the_build():
    version = re.search(r"project\(cyberdeter\s+VERSION\s+([\d.]+)",
                        (ROOT / "CMakeLists.txt").read_text()).group(1)
    cff = (ROOT / "CITATION.cff").read_text()
    assert re.search(r"^cff-version: 1\.2\.0$", cff, re.M)
    assert re.search(rf"^version: {re.escape(version)}$", cff, re.M), "CITATION.cff version"
    assert re.search(r"^license: MIT$", cff, re.M)
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    readme = (ROOT / "README.md").read_text()
    cite = readme[readme.index("## How to cite"):]
    assert f"version {version}" in cite and "git_revision" in cite and "program_version" in cite


@pytest.mark.parametrize("page, template", [
    ("docs/wargame.md", "scripts/docs-wargame/wargame.md.in"),
    ("docs/studies.md", "scripts/docs-studies/studies.md.in"),
])
def test_generated_pages_and_their_templates_hold_the_same_prose(page, template):
    # The generators fill the template with program output and overwrite the page: a
    # paragraph written into the page alone would be lost at the next regeneration (the
    # war-game page's seat protocol once was). Every prose line of the template, outside
    # code blocks and placeholders, must be in the page, and every heading of the page in
    # the template.
    text = (ROOT / page).read_text()
    tmpl = (ROOT / template).read_text()

    def prose(t):
        out, code = [], False
        for line in t.splitlines():
            if line.startswith("```"):
                code = not code
            elif not code and line.strip() and "@@" not in line:
                out.append(line)
        return out

    page_lines = set(text.splitlines())
    missing = [line for line in prose(tmpl) if line not in page_lines]
    assert not missing, f"{template} has lines {page} lacks: {missing[:5]}"
    headings = [l for l in prose(text) if l.startswith("#")]
    template_lines = set(tmpl.splitlines())
    extra = [h for h in headings if h not in template_lines]
    assert not extra, f"{page} has headings its template lacks: {extra}"
