"""The document check of a renewal: e-KTP NIK, the old SIM against the holder registry, health and psychology
certificates, BPJS. `check` runs every rule and returns every failure at once, each with a reason code and a
message in Bahasa Indonesia and English, so the operator can tell the driver everything in one go. Pure: the
registry is reached through the `lookup` function the caller passes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flows import nik as niks

MAX_FIELD = 64

#: Since July 2024 a new SIM card's number is the holder's NIK (16 digits); a card issued before keeps its older
#: 12-digit number until it is renewed (Korlantas; sources in docs/domain-notes.md).
NIK_NUMBERS_SINCE = date(2024, 7, 1)

MESSAGES: dict[str, tuple[str, str]] = {
    "nik_missing": ("NIK belum diisi", "NIK not given"),
    "nik_invalid": ("NIK tidak sah: {detail}", "NIK not valid: {detail}"),
    "nik_too_young": ("Umur belum 17 tahun", "Holder is under 17"),
    "sim_missing": ("Nomor SIM belum diisi", "SIM number not given"),
    "sim_format": (
        "Nomor SIM harus 12-14 angka atau NIK 16 angka",
        "SIM number must be 12-14 digits or a 16-digit NIK",
    ),
    "sim_not_found": ("SIM tidak ditemukan di data", "SIM not found in the registry"),
    "nik_mismatch": ("NIK tidak sesuai dengan data SIM", "NIK does not match the SIM record"),
    "wrong_class": ("SIM {sim_class}: silakan ke {where}", "SIM {sim_class}: please go to {where}"),
    "sim_expired": (
        "SIM sudah habis berlaku {expires}; ajukan SIM baru di Satpas",
        "SIM expired on {expires}; apply for a new SIM at the Satpas",
    ),
    "health_missing": ("Surat keterangan sehat tidak ada", "Health certificate missing"),
    "health_number": ("Nomor surat sehat tidak sesuai format", "Health certificate number not in the expected form"),
    "health_date": ("Tanggal surat sehat tidak sah", "Health certificate date not valid"),
    "health_too_old": ("Surat sehat lebih dari {days} hari", "Health certificate older than {days} days"),
    "psych_missing": ("Surat tes psikologi tidak ada", "Psychology certificate missing"),
    "psych_number": (
        "Nomor surat psikologi tidak sesuai format",
        "Psychology certificate number not in the expected form",
    ),
    "psych_date": ("Tanggal surat psikologi tidak sah", "Psychology certificate date not valid"),
    "psych_too_old": ("Surat psikologi lebih dari {days} hari", "Psychology certificate older than {days} days"),
    "bpjs_inactive": ("Kepesertaan BPJS Kesehatan tidak aktif", "BPJS Kesehatan membership not active"),
}


@dataclass(frozen=True)
class Holder:
    """A licence holder as the registry knows them."""

    sim_number: str
    nik: str
    name: str
    birth_place: str
    birth_date: date
    sex: str  # L / P
    blood: str
    address: str
    occupation: str
    sim_class: str
    issued: date
    expires: date
    bpjs_active: bool = True


@dataclass(frozen=True)
class Submission:
    """What the operator enters at the window (or a pre-registration fills in)."""

    nik: str = ""
    sim_number: str = ""
    health_no: str = ""
    health_date: str = ""  # YYYY-MM-DD
    psych_no: str = ""
    psych_date: str = ""
    bpjs: bool | None = None  # the driver's BPJS card checked active at the window; None: not checked


@dataclass(frozen=True)
class DocumentRules:
    health_pattern: str = r"^SKS/\d{3,8}/[A-Z0-9]{1,10}/\d{4}$"
    psych_pattern: str = r"^PSI/\d{3,8}/[A-Z0-9]{1,10}/\d{4}$"
    certificate_max_days: int = 180
    bpjs_required: bool = False
    lanes: tuple[tuple[str, str], ...] = ()  # (SIM class, lane id): the site's lanes, where a driver is sent
    counter: str = "Satpas"  # where a driver is sent when no lane serves their class


@dataclass(frozen=True)
class Failure:
    code: str
    id: str
    en: str


@dataclass(frozen=True)
class Verdict:
    failures: tuple[Failure, ...]
    holder: Holder | None = None
    nik: niks.Nik | None = None
    codes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.failures

    def reason(self) -> str:
        """One line for the cycle record and the driver's sign: every failure, Indonesian text."""
        return "; ".join(f.id for f in self.failures)


def failure(code: str, **values: object) -> Failure:
    indonesian, english = MESSAGES[code]
    safe = {k: str(v) for k, v in values.items()}
    return Failure(code, indonesian.format(**safe), english.format(**safe))


def new_card_number(holder: Holder, issued: date) -> str:
    """The number of the card issued to `holder` on `issued`: the NIK from NIK_NUMBERS_SINCE on (a renewal of an
    older card among them), the holder's number before."""
    return holder.nik if issued >= NIK_NUMBERS_SINCE else holder.sim_number


def wrong_class(sim_class: str, rules: DocumentRules) -> Failure:
    """A SIM of a class this lane does not serve: the lanes of the site that do ("L2" or "L2 / L3"), else the
    configured counter, named in both languages (code `wrong_class` either way)."""
    lanes = " / ".join(dict.fromkeys(lane for served, lane in rules.lanes if served == sim_class))
    where = (f"lajur {lanes}", f"lane {lanes}") if lanes else (rules.counter, rules.counter)
    indonesian, english = MESSAGES["wrong_class"]
    return Failure(
        "wrong_class",
        indonesian.format(sim_class=sim_class, where=where[0]),
        english.format(sim_class=sim_class, where=where[1]),
    )


def normalise_sim(raw: str) -> str:
    """Digits of a SIM number as printed ("1234-5678-901234" or with spaces)."""
    return re.sub(r"[\s.-]", "", raw)


def _certificate(kind: str, number: str, issued: str, pattern: str, today: date, max_days: int) -> list[Failure]:
    number = number.strip()
    if not number:
        return [failure(f"{kind}_missing")]
    out = []
    if len(number) > MAX_FIELD or not number.isascii() or not re.fullmatch(pattern, number):
        out.append(failure(f"{kind}_number"))
    issued = issued.strip()
    day = None
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", issued):  # YYYY-MM-DD only
        try:
            day = date.fromisoformat(issued)
        except ValueError:
            day = None
    if day is None or day > today:
        out.append(failure(f"{kind}_date"))
    elif (today - day).days > max_days:
        out.append(failure(f"{kind}_too_old", days=max_days))
    return out


def check(
    sub: Submission,
    lookup: Callable[[str], Holder | None],
    classes_served: tuple[str, ...],
    today: date,
    rules: DocumentRules = DocumentRules(),
) -> Verdict:
    """Every rule, every failure. `lookup(sim_number)` finds a holder in the registry, or None: by an older
    card's 12-14 digit number or by a card numbered with the NIK (16 digits), which must then be the NIK of the
    e-KTP too (`nik_mismatch` otherwise)."""
    failures: list[Failure] = []
    nik: niks.Nik | None = None
    if not sub.nik.strip():
        failures.append(failure("nik_missing"))
    else:
        try:
            nik = niks.parse(sub.nik, today)
        except niks.NikError as err:
            failures.append(
                failure("nik_too_young") if err.code == "nik_too_young" else failure("nik_invalid", detail=err)
            )
    holder = None
    number = normalise_sim(sub.sim_number)
    if not number:
        failures.append(failure("sim_missing"))
    elif len(number) > MAX_FIELD or not number.isascii() or not number.isdigit() or len(number) not in (12, 13, 14, 16):
        failures.append(failure("sim_format"))
    else:
        holder = lookup(number)
        if holder is None:
            failures.append(failure("sim_not_found"))
    if holder is not None:
        if nik is not None and holder.nik != nik.text:
            failures.append(failure("nik_mismatch"))
        if holder.sim_class not in classes_served:
            failures.append(wrong_class(holder.sim_class, rules))
        if holder.expires < today:
            failures.append(failure("sim_expired", expires=holder.expires.strftime("%d-%m-%Y")))
    failures += _certificate(
        "health", sub.health_no, sub.health_date, rules.health_pattern, today, rules.certificate_max_days
    )
    failures += _certificate(
        "psych", sub.psych_no, sub.psych_date, rules.psych_pattern, today, rules.certificate_max_days
    )
    if rules.bpjs_required and not (sub.bpjs or (holder is not None and holder.bpjs_active and sub.bpjs is None)):
        failures.append(failure("bpjs_inactive"))
    return Verdict(tuple(failures), holder, nik, tuple(f.code for f in failures))
