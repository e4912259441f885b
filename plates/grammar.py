"""The Indonesian number plate (TNKB) grammar: region prefix, 1-4 digits without a leading zero, 0-3 suffix
letters. `parse` checks a plate typed by an operator or read by the camera and names the rule it breaks."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Region prefixes and the region each one covers.
REGIONS: dict[str, str] = {
    "A": "Banten", "B": "DKI Jakarta, Depok, Tangerang, Bekasi", "D": "Bandung", "E": "Cirebon",
    "F": "Bogor, Sukabumi, Cianjur", "T": "Purwakarta, Karawang, Subang", "Z": "Priangan Timur",
    "G": "Pekalongan, Batang, Pemalang, Tegal, Brebes", "H": "Semarang", "K": "Pati, Kudus, Jepara, Rembang",
    "R": "Banyumas, Cilacap, Purbalingga", "AA": "Kedu, Magelang, Purworejo, Wonosobo", "AB": "Yogyakarta",
    "AD": "Surakarta, Karanganyar, Sukoharjo, Boyolali, Klaten, Sragen, Wonogiri", "AE": "Madiun",
    "AG": "Kediri, Blitar, Tulungagung", "L": "Surabaya", "M": "Madura", "N": "Malang", "P": "Besuki",
    "S": "Bojonegoro", "W": "Sidoarjo, Gresik", "DK": "Bali", "DR": "Lombok", "EA": "Sumbawa",
    "DH": "Timor", "EB": "Flores", "ED": "Sumba", "BK": "Sumatera Utara", "BB": "Sumatera Utara barat",
    "BA": "Sumatera Barat", "BM": "Riau", "BP": "Kepulauan Riau", "BG": "Sumatera Selatan", "BN": "Bangka Belitung",
    "BE": "Lampung", "BD": "Bengkulu", "BH": "Jambi", "BL": "Aceh", "KB": "Kalimantan Barat",
    "DA": "Kalimantan Selatan", "KH": "Kalimantan Tengah", "KT": "Kalimantan Timur", "KU": "Kalimantan Utara",
    "DB": "Sulawesi Utara", "DL": "Sitaro, Sangihe, Talaud", "DM": "Gorontalo", "DN": "Sulawesi Tengah",
    "DD": "Sulawesi Selatan", "DP": "Sulawesi Selatan utara", "DW": "Sulawesi Selatan timur",
    "DC": "Sulawesi Barat", "DT": "Sulawesi Tenggara", "DE": "Maluku", "DG": "Maluku Utara",
    "PA": "Papua", "PB": "Papua Barat",
}  # fmt: skip

_SHAPE = re.compile(r"^([A-Z]{1,2})\s*([0-9]{1,4})\s*([A-Z]{0,3})$")
MAX_INPUT = 32


class PlateGrammarError(ValueError):
    """A plate that breaks the grammar; `rule` is a short code, the message says what was expected."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


@dataclass(frozen=True)
class Plate:
    region: str
    number: str
    suffix: str

    @property
    def text(self) -> str:
        return " ".join(p for p in (self.region, self.number, self.suffix) if p)

    @property
    def compact(self) -> str:
        """The characters without spaces: "G1234AB"."""
        return self.region + self.number + self.suffix

    @property
    def region_name(self) -> str:
        return REGIONS[self.region]

    @property
    def groups(self) -> tuple[int, int, int]:
        """How many region letters, digits and suffix letters: two readings split alike have the same groups."""
        return len(self.region), len(self.number), len(self.suffix)

    def respelled(self, compact: str) -> Plate | None:
        """The plate with these groups spelled `compact` (as many characters, no spaces), or None when that breaks
        the grammar: how readings split alike are joined character by character."""
        r, d, _ = self.groups
        try:
            return parse(f"{compact[:r]} {compact[r : r + d]} {compact[r + d :]}")
        except PlateGrammarError:
            return None


def parse(raw: str) -> Plate:
    """Parse a plate like "G 1234 AB" (spaces optional, any case). Raises PlateGrammarError with the rule."""
    if not isinstance(raw, str):
        raise PlateGrammarError("type", "a plate is text")
    if len(raw) > MAX_INPUT:
        raise PlateGrammarError("length", f"a plate has at most {MAX_INPUT} characters")
    if not raw.strip():
        raise PlateGrammarError("empty", "no plate given")
    # Checked before upper-casing: "ß".upper() is "SS", and "ı".upper() is "I".
    if not raw.isascii() or not all(c.isalnum() or c.isspace() for c in raw):
        raise PlateGrammarError("characters", "only letters A-Z, digits and spaces")
    text = " ".join(raw.upper().split())
    match = _SHAPE.match(text)
    if not match:
        letters = re.match(r"^[A-Z]*", text.replace(" ", ""))
        if letters is not None and len(letters.group()) > 2:
            raise PlateGrammarError("region", "the region prefix has 1 or 2 letters")
        if not re.search(r"[0-9]", text):
            raise PlateGrammarError("number", "the number has 1 to 4 digits")
        if re.search(r"[0-9]{5,}", text):
            raise PlateGrammarError("number", "the number has at most 4 digits")
        raise PlateGrammarError("shape", "expected REGION NUMBER SUFFIX, e.g. G 1234 AB")
    region, number, suffix = match.groups()
    if region not in REGIONS:
        raise PlateGrammarError("region", f"{region} is not a region prefix")
    if number.startswith("0"):
        raise PlateGrammarError("leading_zero", "the number does not start with 0")
    return Plate(region, number, suffix)


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except PlateGrammarError:
        return False
    return True
