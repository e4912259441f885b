"""The NIK (Nomor Induk Kependudukan) on an e-KTP: 16 digits `PP KK CC DDMMYY SSSS` - province, regency/city,
district, date of birth (day + 40 for women) and a serial from 0001. `parse` checks one and decodes it; `make`
builds one (for the synthetic population and the tests). Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

#: Province codes (Dukcapil). The newer Papua provinces (since 2022) have codes of their own.
PROVINCES: dict[str, str] = {
    "11": "Aceh",
    "12": "Sumatera Utara",
    "13": "Sumatera Barat",
    "14": "Riau",
    "15": "Jambi",
    "16": "Sumatera Selatan",
    "17": "Bengkulu",
    "18": "Lampung",
    "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau",
    "31": "DKI Jakarta",
    "32": "Jawa Barat",
    "33": "Jawa Tengah",
    "34": "DI Yogyakarta",
    "35": "Jawa Timur",
    "36": "Banten",
    "51": "Bali",
    "52": "Nusa Tenggara Barat",
    "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat",
    "62": "Kalimantan Tengah",
    "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur",
    "65": "Kalimantan Utara",
    "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah",
    "73": "Sulawesi Selatan",
    "74": "Sulawesi Tenggara",
    "75": "Gorontalo",
    "76": "Sulawesi Barat",
    "81": "Maluku",
    "82": "Maluku Utara",
    "91": "Papua Barat",
    "92": "Papua Barat Daya",
    "94": "Papua",
    "95": "Papua Selatan",
    "96": "Papua Tengah",
    "97": "Papua Pegunungan",
}

MIN_AGE = 17


class NikError(ValueError):
    """A NIK that breaks a rule; `code` names the rule (nik_length, nik_digits, nik_province, ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Nik:
    text: str
    province: str
    regency: str  # 2 digits; 71 and above are cities
    district: str
    birth: date
    female: bool
    serial: str

    @property
    def sex(self) -> str:
        return "P" if self.female else "L"  # perempuan / laki-laki, as on the card

    @property
    def province_name(self) -> str:
        return PROVINCES[self.province]

    def age_on(self, day: date) -> int:
        return day.year - self.birth.year - ((day.month, day.day) < (self.birth.month, self.birth.day))


def _century(yy: int, today: date) -> int:
    """A two-digit birth year is in this century unless that would be in the future."""
    year = 2000 + yy
    return year if year <= today.year else 1900 + yy


def parse(raw: object, today: date) -> Nik:
    """Check a NIK and decode it. Raises NikError naming the first rule it breaks."""
    if not isinstance(raw, str):
        raise NikError("nik_type", "a NIK is text")
    text = raw.strip()
    if len(text) > 64:
        raise NikError("nik_length", "a NIK has 16 digits")
    if not text.isascii() or not text.isdigit():
        raise NikError("nik_digits", "a NIK has digits only")
    if len(text) != 16:
        raise NikError("nik_length", f"a NIK has 16 digits, this has {len(text)}")
    province, regency, district = text[0:2], text[2:4], text[4:6]
    if province not in PROVINCES:
        raise NikError("nik_province", f"{province} is not a province code")
    if regency == "00":
        raise NikError("nik_regency", "the regency/city code is missing (00)")
    if district == "00":
        raise NikError("nik_district", "the district code is missing (00)")
    day, month, yy = int(text[6:8]), int(text[8:10]), int(text[10:12])
    female = day > 40
    try:
        birth = date(_century(yy, today), month, day - 40 if female else day)
    except ValueError as err:
        raise NikError("nik_birth_date", f"{text[6:12]} is not a date of birth (DDMMYY, day + 40 for women)") from err
    if birth >= today:
        raise NikError("nik_birth_future", "the date of birth is not in the past")
    serial = text[12:16]
    if serial == "0000":
        raise NikError("nik_serial", "the serial (last 4 digits) starts from 0001")
    nik = Nik(text, province, regency, district, birth, female, serial)
    if nik.age_on(today) < MIN_AGE:
        raise NikError("nik_too_young", f"the holder is {nik.age_on(today)}, a SIM needs {MIN_AGE}")
    return nik


def make(province: str, regency: str, district: str, birth: date, female: bool, serial: int) -> str:
    """The NIK for these parts (no checks; `parse` checks)."""
    day = birth.day + 40 if female else birth.day
    return f"{province}{regency}{district}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def mask(text: str | None) -> str:
    """A NIK (or a NIK-based SIM number) as shown where personal data is not: the first 6 digits (the region) and
    the last 2, "332501********07". Anything shorter than 10 characters is masked whole."""
    text = (text or "").strip()
    if len(text) < 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 8) + text[-2:]
