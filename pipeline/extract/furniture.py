"""Page furniture: running heads and feet of a PDF (page numbers, protective markings, the force's name and
address, a reference line) that must never become rows of a table flowing across pages.

Two kinds, both from schemas/page_furniture.yaml: text that is furniture by its words wherever it stands
("Page 2", "2 of 3", "- 2 -", "OFFICIAL-SENSITIVE", "Our ref: FOI 123/14"), and a line repeated in the top
or bottom margin of several pages (a letterhead printed on every page). Ruled tables need neither: their
cells are boxed. This is for tables rebuilt from word positions.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pdfplumber.utils import extract_words
from pdfplumber.utils.geometry import crop_to_bbox

from pipeline.extract.headers import header_role

FURNITURE_PATH = Path(__file__).resolve().parents[2] / "schemas" / "page_furniture.yaml"
_LINE_TOLERANCE = 3.0     # words whose tops differ by less than this are on one line (points)
_PART_GAP = 18.0          # a wider gap between words splits a line into parts (a left and a right heading)

Box = tuple[float, float, float, float]


@lru_cache(maxsize=1)
def _settings() -> dict:
    document = yaml.safe_load(FURNITURE_PATH.read_text(encoding="utf-8"))
    document["patterns_re"] = [re.compile(p) for p in document["patterns"]]
    return document


def _plain(text: str) -> str:
    return " ".join(text.lower().split())


def is_furniture_text(text: str) -> bool:
    """'Page 2', '2 of 3', '- 2 -', 'OFFICIAL', 'Our ref: FOI 123/14' ..."""
    plain = _plain(text)
    return bool(plain) and any(p.match(plain) for p in _settings()["patterns_re"])


def line_parts(line: list[dict]) -> list[list[dict]]:
    """The words of one line (sorted by x) split where they leave a wide gap."""
    parts: list[list[dict]] = []
    for word in line:
        if parts and word["x0"] - parts[-1][-1]["x1"] < _PART_GAP:
            parts[-1].append(word)
        else:
            parts.append([word])
    return parts


def is_furniture_line(line: list[dict]) -> bool:
    """A whole line, or every part of it, that is furniture by its words."""
    parts = line_parts(line)
    return is_furniture_text(" ".join(w["text"] for w in line)) or \
        all(is_furniture_text(" ".join(w["text"] for w in part)) for part in parts)


def text_lines(words: list[dict]) -> list[list[dict]]:
    """pdfplumber words grouped into lines (tops within ``_LINE_TOLERANCE``), top to bottom, left to right."""
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0]["top"] - word["top"]) < _LINE_TOLERANCE:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w["x0"]) for line in lines]


def band_lines(page) -> list[tuple[str, Box, bool]]:
    """The lines in a page's top and bottom margin bands as (text, box, furniture by its words), leaving out
    any line naming a column role (a repeated table header is never furniture)."""
    settings = _settings()
    height, width = page.height, page.width
    words = []
    for top, bottom in ((0, height * settings["bands"]["top"]), (height * (1 - settings["bands"]["bottom"]), height)):
        words += _band_words(page, (0, top, width, bottom))
    found = []
    for line in text_lines(words):
        if any(header_role(" ".join(w["text"] for w in part)) for part in line_parts(line)):
            continue
        found.append((_plain(" ".join(w["text"] for w in line)), _box(line), is_furniture_line(line)))
    return found


def _band_words(page, band: Box) -> list[dict]:
    """The words of ``page.crop(band, strict=False)``, cropping its chars alone: a crop clips every object of the
    page (rules, curves, images) and cost ~4% of reading a PDF for the two bands of each page."""
    top, bottom = band[1], band[3]
    chars = [char for char in page.chars if char["bottom"] >= top and char["top"] <= bottom]
    return extract_words(crop_to_bbox(chars, band))


def _box(words: list[dict]) -> Box:
    return (min(w["x0"] for w in words), min(w["top"] for w in words),
            max(w["x1"] for w in words), max(w["bottom"] for w in words))


def furniture_boxes(lines: list[tuple[str, Box, bool]], neighbours: list[list[tuple[str, Box, bool]]]) -> list[Box]:
    """Boxes of a page's running heads and feet: band lines that are furniture by their words, or that stand
    with the same text at the same height on the page before or after (a letterhead printed on every page)."""
    def repeated(text: str, top: float) -> bool:
        return any(other == text and abs(box[1] - top) <= _LINE_TOLERANCE
                   for page in neighbours for other, box, _ in page)

    return [box for text, box, by_words in lines if by_words or repeated(text, box[1])]


def outside(word: dict, boxes: list[Box]) -> bool:
    """True when the middle of a word is in none of the boxes."""
    x, y = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)
