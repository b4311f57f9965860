"""Reports as blocks: one small document model rendered to Markdown or HTML.

A block is a tuple: ("h", level, text), ("p", text), ("ul", items),
("table", head, rows), ("pre", summary, text), ("details", summary, block),
("figure", svg_path, caption), ("svg", svg_text, caption) or ("break",), a
page break when printed. Batch reports and after-action reports both build
blocks, so both render the same way: HTML is one self-contained file (inline
CSS and SVG, nothing fetched) that prints on A4 (light backgrounds, tables
that wrap, a section per page), Markdown links PNG figures.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

Block = tuple[Any, ...]


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_md(blocks: Sequence[Block], base_dir: Path) -> str:
    out: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind == "h":
            out.append(f"{'#' * block[1]} {block[2]}")
        elif kind == "p":
            out.append(block[1])
        elif kind == "ul":
            out.append("\n".join(f"- {_md_escape(item)}" for item in block[1]))
        elif kind == "table":
            head, body = block[1], block[2]
            out.append("\n".join(["| " + " | ".join(_md_escape(h) or " " for h in head) + " |",
                                  "|" + "|".join("---" for _ in head) + "|",
                                  *("| " + " | ".join(_md_escape(c) for c in row) + " |"
                                    for row in body)]))
        elif kind == "pre":
            out.append(f"<details><summary>{block[1]}</summary>\n\n```\n{block[2]}\n```\n\n"
                       "</details>")
        elif kind == "details":
            out.append(f"**{block[1]}**\n\n" + render_md([block[2]], base_dir))
        elif kind == "figure":
            out.append(f"![{block[2]}]({block[1].relative_to(base_dir).as_posix()})")
        elif kind == "svg":  # Markdown cannot inline it: name the chart
            out.append(f"*{block[2]} (chart in the HTML report)*")
    return "\n\n".join(out) + "\n"


def _inline_svg(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    text = text[text.index("<svg"):]  # drop the XML declaration and DOCTYPE
    return re.sub(r"<metadata>.*?</metadata>", "", text, count=1, flags=re.S)


def _md_inline(text: str) -> str:
    """Escape, then turn the **bold** and `code` this module writes into tags."""
    parts = html.escape(text).split("**")
    text = "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(parts))
    parts = text.split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


_NUMBER = re.compile(r"[+-]?[\d,.]+%?( \[|$| \()")


def _td(cell: str) -> str:
    """A cell; numbers align right (to compare them), words left (to read them)."""
    cls = ' class="num"' if _NUMBER.match(cell) else ""
    return f"<td{cls}>{html.escape(cell)}</td>"


def _render_html_blocks(blocks: Sequence[Block]) -> list[str]:
    out: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind == "h":
            out.append(f"<h{block[1]}>{html.escape(block[2])}</h{block[1]}>")
        elif kind == "p":
            out.append(f"<p>{_md_inline(block[1])}</p>")
        elif kind == "ul":
            out.append("<ul>" + "".join(f"<li>{html.escape(item)}</li>" for item in block[1])
                       + "</ul>")
        elif kind == "break":
            out.append('<div class="page-break"></div>')
        elif kind == "table":
            head = "".join(f"<th>{html.escape(h)}</th>" for h in block[1])
            body = "".join("<tr>" + "".join(_td(c) for c in row) + "</tr>" for row in block[2])
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif kind == "pre":
            out.append(f"<details><summary>{html.escape(block[1])}</summary>"
                       f"<pre>{html.escape(block[2])}</pre></details>")
        elif kind == "details":
            inner = "".join(_render_html_blocks([block[2]]))
            out.append(f"<details><summary>{html.escape(block[1])}</summary>{inner}</details>")
        elif kind in ("figure", "svg"):
            svg = _inline_svg(block[1]) if kind == "figure" else block[1]
            out.append(f"<figure>{svg}"
                       f"<figcaption>{html.escape(block[2])}</figcaption></figure>")
    return out


STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;
max-width:1100px;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
td.num{text-align:right;white-space:nowrap}
thead th{background:#f2f2f2}
tbody tr:nth-child(even){background:#fafafa}
figure{margin:1.5em 0}figure svg{max-width:100%;height:auto}
figcaption{color:#555;font-size:.9em}
pre{white-space:pre-wrap;font-size:.8em;background:#f7f7f7;padding:.6em}
details{margin:.4em 0}
td{overflow-wrap:anywhere}
@media print{
@page{size:A4;margin:14mm 12mm}
body{max-width:none;margin:0;padding:0;font-size:10pt;color:#000;background:#fff}
table{width:100%;font-size:8.5pt;page-break-inside:auto}
thead{display:table-header-group}
tr,figure,h2,h3,h4{page-break-inside:avoid;break-inside:avoid}
h2,h3,h4{page-break-after:avoid;break-after:avoid}
thead th,tbody tr:nth-child(even),pre{background:none}
.page-break{page-break-before:always;break-before:page}
}
"""


def render_html(blocks: Sequence[Block], title: str, lang: str = "en") -> str:
    """One self-contained page; `lang` is the report's language (hyphenation, screen readers)."""
    body = "\n".join(_render_html_blocks(blocks))
    return (f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
            f"<body>\n<h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n")
