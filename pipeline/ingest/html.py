"""Saved web pages: ModernGov "Decision details", InfoCouncil minutes, Granicus agendas.

Only what a reader sees counts, in reading order: scripts, styles and the site's navigation
are dropped, block elements end lines, table rows become tab-separated lines, and ordered lists
get back the numbers the browser would draw (they are not in the markup).
"""
from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

from ..document import Document
from .text import decode

DROP_TAGS = {"script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
             "button", "select", "iframe", "svg", "head", "title", "meta", "link"}
# Class/id/role words that mark site chrome rather than the paper.
CHROME = re.compile(r"(^|[\s_-])(nav|navbar|menu|breadcrumbs?|footer|header|cookie|skip|sidebar|banner|"
                    r"masthead|search|social|share)([\s_-]|$)", re.I)
# ...and the same words inside camelCase ids, as ModernGov writes them ("mgMenu", "mgBreadCrumb").
CHROME_CAMEL = re.compile(r"(?<=[a-z])(?:Nav|Navbar|Menu|Bread[Cc]rumbs?|Footer|Cookie|Sidebar)(?=[A-Z_\s-]|$)")
BLOCK = {"p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
         "li", "table", "tr", "br", "hr", "blockquote", "pre", "dl", "dt", "dd", "address", "caption",
         "figure", "figcaption", "tbody", "thead", "tfoot", "body"}


def _label(ol_type: str, n: int) -> str:
    if ol_type == "a":
        return f"{chr(96 + n)}." if n <= 26 else f"{n}."
    if ol_type == "A":
        return f"{chr(64 + n)}." if n <= 26 else f"{n}."
    if ol_type in ("i", "I"):
        from .docx import roman
        r = roman(n)
        return f"{r if ol_type == 'I' else r.lower()}."
    return f"{n}."


def _is_chrome(el) -> bool:
    if not isinstance(el.tag, str):
        return True
    if el.tag.lower() in DROP_TAGS:
        return True
    attrs = " ".join(filter(None, (el.get("class"), el.get("id"), el.get("role"))))
    if el.get("hidden") is not None or "display:none" in (el.get("style") or "").replace(" ", ""):
        return True
    return bool(attrs and (CHROME.search(attrs) or CHROME_CAMEL.search(attrs))) and el.tag.lower() not in ("body", "main", "html")


def html_to_text(markup: str) -> tuple[str, str | None]:
    from .auto import IngestError
    parser = lxml_html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, huge_tree=False)
    try:
        root = lxml_html.document_fromstring(markup.encode("utf-8"), parser=parser)
    except (etree.ParserError, ValueError):
        raise IngestError("HTML page with no content") from None
    # libxml2 stops at a resource limit (nesting over 256 levels, a huge text node) and returns the
    # tree so far without raising: the rest of the page would be silently lost.
    limit = next((e for e in parser.error_log if e.type_name == "ERR_RESOURCE_LIMIT"
                  or "excessive depth" in e.message.lower()), None)
    if limit is not None:
        depth = re.search(r"depth in document: (\d+)", limit.message)
        raise IngestError(f"HTML nested too deeply (over {depth.group(1)} levels)" if depth else
                          f"HTML over a parser limit ({' '.join(limit.message.split())[:80]})")
    title_el = root.find(".//title")
    title = title_el.text_content().strip() if title_el is not None and title_el.text_content() else None
    out: list[str] = []
    skip_depth = 0
    ol_stack: list[list] = []  # [type, counter] per open <ol>/<ul>
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            if skip_depth or _is_chrome(el):
                skip_depth += 1
                continue
            if tag in BLOCK:
                out.append("\n")
            if tag in ("ol", "ul"):
                start = el.get("start")
                ol_stack.append([tag, el.get("type") or "1", int(start) - 1 if start and start.isdigit() else 0])
            elif tag == "li" and ol_stack:
                lst = ol_stack[-1]
                lst[2] += 1
                out.append(_label(lst[1], lst[2]) + " " if lst[0] == "ol" else "• ")
            elif tag in ("td", "th"):
                out.append("\t")
            if el.text:
                out.append(el.text)
        else:
            if skip_depth:
                skip_depth -= 1
                if skip_depth == 0 and el.tail:
                    out.append(el.tail)
                continue
            if tag in ("ol", "ul") and ol_stack:
                ol_stack.pop()
            if tag in BLOCK:
                out.append("\n")
            if el.tail:
                out.append(el.tail)
    text = "".join(out)
    # Source indentation and line wrapping are not visible; a browser collapses them.
    lines = []
    for line in text.split("\n"):
        cells = [re.sub(r"\s+", " ", c).strip() for c in line.split("\t")]
        lines.append("\t".join(cells).strip("\t") if len(cells) > 1 else cells[0])
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text, title


def ingest(data: bytes, *, path: str, sha256: str, decoded: str | None = None) -> Document:
    markup = decoded if decoded is not None else decode(data)
    markup = re.sub(r"^\s*<\?xml[^>]*>", "", markup)
    text, title = html_to_text(markup)
    return Document.from_pages([text], path=path, sha256=sha256, format="html", title=title)
