"""Who signs the report: names, titles and NIP come from a YAML file, never from code.

The file is `--signatories PATH` (CLI), else $RENTAN_REPORT_SIGNATORIES, else the committed
example beside this module (placeholder names, for the demo). It is checked before any
report work starts; a mistake is one sentence naming the file and the entry.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from rentan.reports.formatting import NIP_DIGITS, clean_text

SIGNATORIES_ENV = "RENTAN_REPORT_SIGNATORIES"
EXAMPLE_FILE = Path(__file__).with_name("signatories.example.yml")
MAX_SIGNERS = 4
FIELDS = ("peran", "jabatan", "nama", "nip")


class SignatoryConfigError(ValueError):
    """The signatories file is missing or wrong; the message says which file and what to fix."""


@dataclass(frozen=True)
class Signer:
    role: str  # the line above the signature: "Disiapkan oleh", "Mengetahui", ...
    title: str
    name: str
    nip: str  # 18 digits


@dataclass(frozen=True)
class Signatories:
    place: str
    signers: tuple[Signer, ...]
    source: Path

    @property
    def is_example(self) -> bool:
        return self.source.resolve() == EXAMPLE_FILE.resolve()


def signatories_path(path: str | Path | None = None) -> Path:
    """The file to read: the given path, else $RENTAN_REPORT_SIGNATORIES, else the example."""
    return Path(path or os.environ.get(SIGNATORIES_ENV) or EXAMPLE_FILE)


def load_signatories(path: str | Path | None = None) -> Signatories:
    """Read and check the signatories file (SignatoryConfigError when it cannot be used)."""
    source = signatories_path(path)
    where = f"signatories file {source}"
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SignatoryConfigError(
            f"{where} does not exist: set {SIGNATORIES_ENV} or --signatories to the "
            f"YAML file of the officials who sign (example: {EXAMPLE_FILE})"
        ) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise SignatoryConfigError(f"{where} cannot be read as YAML: {err}".replace("\n", " ")) from None
    if not isinstance(document, dict):
        raise SignatoryConfigError(f"{where} must hold 'tempat' and a 'penandatangan' list (see {EXAMPLE_FILE})")
    place = _text(document.get("tempat"), f"{where}: 'tempat'")
    entries = document.get("penandatangan")
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_SIGNERS:
        raise SignatoryConfigError(f"{where}: 'penandatangan' must list 1 to {MAX_SIGNERS} signers")
    signers = []
    for number, entry in enumerate(entries, 1):
        at = f"{where}: signer {number}"
        if not isinstance(entry, dict):
            raise SignatoryConfigError(f"{at} must have the keys {', '.join(FIELDS)}")
        unknown = sorted(set(map(str, entry)) - set(FIELDS))
        if unknown:
            raise SignatoryConfigError(f"{at} has unknown key(s) {', '.join(unknown)}; allowed: {', '.join(FIELDS)}")
        nip = re.sub(r"\s", "", _text(entry.get("nip"), f"{at} 'nip'"))
        if not re.fullmatch(rf"[0-9]{{{NIP_DIGITS}}}", nip):
            raise SignatoryConfigError(f"{at} 'nip' must be {NIP_DIGITS} digits (spaces allowed), got {nip!r}")
        signers.append(
            Signer(
                role=_text(entry.get("peran"), f"{at} 'peran'"),
                title=_text(entry.get("jabatan"), f"{at} 'jabatan'"),
                name=_text(entry.get("nama"), f"{at} 'nama'"),
                nip=nip,
            )
        )
    return Signatories(place=place, signers=tuple(signers), source=source)


def _text(value, what: str) -> str:
    if not isinstance(value, str | int) or not str(value).strip():
        raise SignatoryConfigError(f"{what} is missing or empty")
    return clean_text(str(value).strip())
