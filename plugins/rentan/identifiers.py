"""Identifiers as delivered (NIK, KK, KPJ) made comparable: the warehouse's rule, in Python.

The rule's home is SQL, meta.normalize_id (migration V011), which the loader and every model
apply. A Python caller that cannot ask the warehouse first (`rentan explain` checks the NIK it
is given before it connects) uses normalize_id here, which tests/test_identifiers.py checks
against meta.normalize_id on the same inputs.
"""

from __future__ import annotations

# meta.whitespace(): the whitespace delivered files carry (Excel's no-break and figure spaces included).
WHITESPACE = " \t\n\r\x0b\f\u00a0\u2007\u202f"
_DROP_WHITESPACE = str.maketrans("", "", WHITESPACE)


def normalize_id(value: str | None) -> str | None:
    """Whitespace of every kind dropped anywhere, then leading apostrophes (Excel exports); None when empty."""
    if value is None:
        return None
    return value.translate(_DROP_WHITESPACE).lstrip("'") or None
