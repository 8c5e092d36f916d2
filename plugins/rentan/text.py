"""Text from the feeds is data: what a person reads never carries a control character, an escape
sequence or a bidirectional override from a delivered file.

One function, called at every output edge: the terminal (`rentan explain`, through the CLI),
the workbook's and the PDF's text (reports.formatting.clean_text). A delivered name with a
window-title, OSC 52 clipboard-write, hidden-text or line-erase sequence, a BEL, or U+202E
(which shows a KPJ reversed) is shown with each such character replaced by U+FFFD, visibly,
never acted on and never silently dropped.
"""

from __future__ import annotations

import re

REPLACEMENT_CHARACTER = "\ufffd"
# C0 and C1 controls (ESC, BEL, CSI 0x9b, OSC 0x9d...), DEL; the line and paragraph separators;
# and every format character (Unicode category Cf, listed as ranges: tests/test_text.py checks them
# against unicodedata): bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069),
# marks (U+200E/F, U+061C), zero-width characters, the BOM.
FORMAT_CHARACTERS = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029" + FORMAT_CHARACTERS + "]")
_UNSAFE_KEEPING_LINES = re.compile(_UNSAFE.pattern.replace("\x00-\x1f", "\x00-\x09\x0b-\x1f"))


def neutralise(text: str, keep_line_breaks: bool = False) -> str:
    """`text` with every control, escape and bidi character replaced by U+FFFD.

    `keep_line_breaks` keeps LF for a whole rendered page (its own line breaks); values from the
    feeds are neutralised without it, so a delivered line break cannot forge a line either.
    """
    pattern = _UNSAFE_KEEPING_LINES if keep_line_breaks else _UNSAFE
    return pattern.sub(REPLACEMENT_CHARACTER, text)
