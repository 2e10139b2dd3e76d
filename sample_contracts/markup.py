"""Parser for the sample-contract source markup (see README.md in this folder).

Pure standard library, so the tests can read sources without the generator's dependencies
(reportlab, Pillow). `build.py` renders the parsed blocks to PDF or DOCX; `plain_text` gives the
text a reader sees in the signed document (tracked changes accepted), against which the quotes
in `expected/*.json` are checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Union

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
EXPECTED = HERE / "expected"

PAGE_BREAK = "[[pagebreak]]"
IMAGE_PAGE_OPEN = "[[image-page]]"
IMAGE_PAGE_CLOSE = "[[/image-page]]"

_INLINE = re.compile(r"\*\*(?P<bold>.+?)\*\*|\{\+\+(?P<ins>.+?)\+\+\}|\{--(?P<dele>.+?)--\}", re.S)
_CLAUSE_NUMBER = re.compile(r"^(?:(?:Article|ARTICLE|Section|SECTION)\s+)?(\d+(?:\.\d+)*)\.?\s+")


@dataclass(frozen=True)
class Meta:
    slug: str
    title: str
    kind: str
    format: Literal["pdf", "docx"]
    page_size: Literal["letter", "a4"] = "letter"
    header_left: str = ""
    header_right: str = ""
    footer_left: str = ""
    numbering: Literal["text", "word"] = "text"
    author: str = "pactwatch sample generator"
    change_author: str = "Legal Department"
    change_date: str = "2024-01-01T00:00:00Z"

    @property
    def output_name(self) -> str:
        return f"{self.slug}.{self.format}"


@dataclass(frozen=True)
class Span:
    """A piece of inline text. `change` marks a tracked insertion or deletion."""

    text: str
    bold: bool = False
    change: Literal["ins", "del"] | None = None


@dataclass(frozen=True)
class Title:
    text: str


@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 1 for "##", 2 for "###"


@dataclass(frozen=True)
class Paragraph:
    text: str  # inline markup kept; hard line breaks as "\n"
    align: Literal["justify", "center", "left"] = "justify"
    indent: int = 0  # indentation steps (each ">" adds one)


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, ...], ...]
    header: bool  # True: first row is a header and the table is ruled; False: layout table


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class ImagePage:
    """A page that is rendered as a scanned image (no text layer)."""

    blocks: tuple[Block, ...]


Block = Union[Title, Heading, Paragraph, Table, PageBreak, ImagePage]


@dataclass
class Contract:
    meta: Meta
    blocks: list[Block] = field(default_factory=list)
    source: Path | None = None


# ---------------------------------------------------------------------------------------------
# Parsing


def parse_front_matter(lines: list[str], slug: str) -> tuple[Meta, list[str]]:
    if not lines or lines[0].strip() != "---":
        raise ValueError(f"{slug}: source must start with a '---' front matter block")
    values: dict[str, str] = {}
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            body = lines[i + 1 :]
            break
        key, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"{slug}: front matter line {i + 1} is not 'key: value'")
        values[key.strip()] = value.strip()
    else:
        raise ValueError(f"{slug}: front matter is not closed with '---'")
    known = set(Meta.__dataclass_fields__) - {"slug"}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"{slug}: unknown front matter keys {sorted(unknown)}")
    meta = Meta(slug=slug, **values)  # type: ignore[arg-type]
    if meta.format not in ("pdf", "docx"):
        raise ValueError(f"{slug}: format must be pdf or docx, not {meta.format!r}")
    return meta, body


def _table_cells(line: str) -> tuple[str, ...]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return tuple(re.sub(r"\s*<br>\s*", "\n", cell.strip()) for cell in inner.split("|"))


def _is_separator(line: str) -> bool:
    return bool(re.fullmatch(r"\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?", line.strip()))


def _paragraph_from(lines: list[str]) -> Paragraph:
    """Lines of one paragraph. The first line may start with '^ ' (centred) or '>'s (indented)."""
    first = lines[0].strip()
    align: Literal["justify", "center", "left"] = "justify"
    indent = 0
    if first.startswith("^ "):
        align, first = "center", first[2:]
    elif marker := re.match(r"^(>+) ", first):
        indent, first = len(marker.group(1)), first[marker.end() :]
    parts: list[str] = []
    for text in [first, *(line.strip() for line in lines[1:])]:
        if text.endswith(" \\"):
            parts.append(text[:-2].rstrip() + "\n")
        else:
            parts.append(text + " ")
    joined = "".join(parts).strip()
    if "\n" in joined and align == "justify":
        align = "left"
    return Paragraph(joined, align, indent)


def parse_blocks(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\n")
        stripped = line.strip()
        if not stripped or stripped.startswith("<!--"):
            i += 1
            continue
        if stripped == PAGE_BREAK:
            blocks.append(PageBreak())
            i += 1
        elif stripped == IMAGE_PAGE_OPEN:
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == IMAGE_PAGE_CLOSE), None)
            if end is None:
                raise ValueError(f"line {i + 1}: {IMAGE_PAGE_OPEN} without {IMAGE_PAGE_CLOSE}")
            blocks.append(ImagePage(tuple(parse_blocks(lines[i + 1 : end]))))
            i = end + 1
        elif stripped.startswith("# "):
            blocks.append(Title(stripped[2:].strip()))
            i += 1
        elif stripped.startswith("## ") or stripped.startswith("### "):
            level = 1 if stripped.startswith("## ") else 2
            blocks.append(Heading(stripped.lstrip("#").strip(), level))
            i += 1
        elif stripped.startswith("|"):
            rows: list[tuple[str, ...]] = []
            header = False
            while i < len(lines) and lines[i].strip().startswith("|"):
                if _is_separator(lines[i]):
                    header = len(rows) == 1
                else:
                    rows.append(_table_cells(lines[i]))
                i += 1
            blocks.append(Table(tuple(rows), header))
        else:
            para: list[str] = []
            while i < len(lines):
                cur = lines[i].rstrip("\n")
                s = cur.strip()
                starts_block = s.startswith(("#", "|", "[[", "<!--"))
                if not s or (para and (starts_block or s.startswith(("^ ", ">")))):
                    break
                para.append(cur)
                i += 1
            blocks.append(_paragraph_from(para))
    return blocks


def parse(text: str, slug: str) -> Contract:
    meta, body = parse_front_matter(text.splitlines(), slug)
    return Contract(meta=meta, blocks=parse_blocks(body))


def load(path: Path) -> Contract:
    contract = parse(path.read_text(encoding="utf-8"), path.stem)
    contract.source = path
    return contract


def load_all(sources: Path = SOURCES) -> list[Contract]:
    return [load(p) for p in sorted(sources.glob("*.md"))]


# ---------------------------------------------------------------------------------------------
# Inline text


def spans(text: str) -> list[Span]:
    """Split inline markup into spans: **bold**, {++inserted++}, {--deleted--}."""
    out: list[Span] = []
    pos = 0
    for m in _INLINE.finditer(text):
        if m.start() > pos:
            out.append(Span(text[pos : m.start()]))
        if m.group("bold") is not None:
            out.append(Span(m.group("bold"), bold=True))
        elif m.group("ins") is not None:
            out.append(Span(m.group("ins"), change="ins"))
        else:
            out.append(Span(m.group("dele"), change="del"))
        pos = m.end()
    if pos < len(text):
        out.append(Span(text[pos:]))
    return out


def accepted(text: str) -> str:
    """Inline text as it reads with every tracked change accepted and markup removed."""
    return "".join(s.text for s in spans(text) if s.change != "del")


def split_clause_number(text: str) -> tuple[str | None, str]:
    """'4.2 **Fees.** ...' -> ('4.2', '**Fees.** ...'); text without a leading number -> (None, text)."""
    m = _CLAUSE_NUMBER.match(text)
    if not m:
        return None, text
    return m.group(1), text[m.end() :]


# ---------------------------------------------------------------------------------------------
# Plain text


def block_text(block: Block) -> str:
    if isinstance(block, (Title, Heading, Paragraph)):
        return accepted(block.text)
    if isinstance(block, Table):
        return "\n".join(" ".join(accepted(c) for c in row if c) for row in block.rows)
    if isinstance(block, ImagePage):
        return "\n\n".join(block_text(b) for b in block.blocks if not isinstance(b, PageBreak))
    return ""


def plain_text(contract: Contract, *, include_image_pages: bool = True) -> str:
    parts = [
        block_text(b)
        for b in contract.blocks
        if not isinstance(b, PageBreak) and (include_image_pages or not isinstance(b, ImagePage))
    ]
    return "\n\n".join(p for p in parts if p)


def image_page_text(contract: Contract) -> list[str]:
    return [block_text(b) for b in contract.blocks if isinstance(b, ImagePage)]


_FOLD_TABLE = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u00a0": " "})


def fold(text: str, *, typography: bool = False) -> str:
    """Collapse whitespace runs to one space; with `typography`, also straighten quotes and dashes."""
    if typography:
        text = text.translate(_FOLD_TABLE)
    return re.sub(r"\s+", " ", text).strip()
