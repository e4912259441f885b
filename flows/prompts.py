"""What the driver is told: one prompt per state and per problem, Bahasa Indonesia first and English second.

Plain data; `{placeholders}` are filled by the lane (fee, reason, remaining seconds). Site-specific wording can
override any entry from the site's configuration; `check` says what is wrong with such a template (which
placeholders each prompt may use, no format specs), and `fill` never fails nor grows a text past its values.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from flows.photo_rules import PROMPTS as PHOTO_PROMPTS

Prompt = tuple[str, str]

PROMPTS: Mapping[str, Prompt] = {
    "idle": ("Selamat datang, silakan maju", "Welcome, please drive forward"),
    "arrived": ("Silakan maju ke loket", "Please drive up to the window"),
    "plate": ("Membaca nomor polisi...", "Reading your number plate..."),
    "documents": (
        "Serahkan e-KTP, SIM lama, surat sehat & psikologi",
        "Hand over e-KTP, old SIM, health & psych certificates",
    ),
    "payment": ("Bayar PNBP Rp{fee}", "Please pay the fee of Rp{fee}"),
    "photo": ("Lepaskan helm/kacamata, lihat ke kamera", "Remove helmet/glasses, look at the camera"),
    "photo@A": ("Silakan turun, berdiri di depan kamera", "Please step out and stand in front of the camera"),
    "photo@C": ("Lepaskan helm & kacamata, lihat ke kamera", "Take off helmet & glasses, look at the camera"),
    "printing": ("SIM sedang dicetak, tunggu ±{remaining} detik", "Your licence is being printed: about {remaining} s"),
    "handover": ("Ambil SIM baru Anda di loket", "Collect your new licence at the window"),
    "exiting": ("Terima kasih, silakan jalan", "Thank you, please drive on"),
    "rejected": ("Maaf, tidak dapat diproses: {reason}", "Sorry, cannot be processed: {reason}"),
    "aborted": ("Proses dihentikan, temui petugas", "Renewal stopped, see the officer"),
    "aborted_paid": ("Dihentikan, biaya dikembalikan", "Stopped, your fee is refunded"),
    "fault": ("Mohon tunggu, petugas segera membantu", "Please wait, an officer will help you"),
    "closed": ("Lajur ditutup", "Lane closed"),
    "overrun": ("Mohon maaf atas keterlambatan", "Sorry for the delay, please wait"),
    "overrun.documents": ("Mohon siapkan dokumen Anda", "Please have your documents ready"),
    "overrun.payment": ("Silakan selesaikan pembayaran Rp{fee}", "Please complete the payment of Rp{fee}"),
    "overrun.photo": ("Lihat ke kamera, jangan bergerak", "Look at the camera and keep still"),
    "overrun.exiting": ("Silakan jalan, palang sudah terbuka", "Please drive on, the barrier is open"),
    "overrun.rejected": ("Silakan jalan, palang sudah terbuka", "Please drive on, the barrier is open"),
    "retake": ("Foto diulang, lihat ke kamera", "Retaking the photo, look at the camera"),
    "plate_typed": ("Nomor polisi dicatat petugas", "The officer is recording your plate"),
    **{f"photo_{code}": text for code, text in PHOTO_PROMPTS.items()},
}


#: The values a prompt may use: {fee} (rupiah), {reason} (why a renewal was refused), {remaining} (seconds the
#: driver still waits in this stage, by its budget).
PLACEHOLDERS = frozenset({"fee", "reason", "remaining"})


def allowed(key: str) -> frozenset[str]:
    """The placeholders the prompt under `key` may use. The lane gives every prompt the fee and the remaining
    seconds; only the refusal ("rejected", "rejected.<stage>", "rejected@A", ...) is given the reason."""
    code = key.partition("@")[0].partition(".")[0]
    return PLACEHOLDERS if code == "rejected" else PLACEHOLDERS - {"reason"}


def check(key: str, text: str) -> str:
    """What is wrong with `text` as the template of the prompt under `key`, or "" if nothing: braces must pair
    up ("{{" and "}}" are a brace itself), and each field must be one of `allowed(key)`, bare: no format spec,
    conversion, index or attribute (they could fault the lane, or make a prompt of any length)."""
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(text) if name is not None]
    except ValueError as err:
        return f"unbalanced braces ({err}); write {{{{ or }}}} for a brace itself"
    names = allowed(key)
    for name, spec, conv in fields:
        if name not in PLACEHOLDERS:
            what = f"{{{name}}}" if name else "{}"
            return f"unknown placeholder {what} (known: {', '.join(sorted(names))})"
        if name not in names:
            return f"placeholder {{{name}}} is not given to this prompt (it may use: {', '.join(sorted(names))})"
        if spec or conv:
            return f"placeholder {{{name}}} with a format spec or conversion: write it bare, {{{name}}}"
    return ""


def fill(text: str, values: Mapping[str, object]) -> str:
    """`text` with its bare `{placeholders}` replaced by the values' text; a placeholder without a value, with a
    format spec or conversion, or a template that does not parse, is left as it is written (a checked
    configuration has none of these; the lane must not fault on one that slipped through)."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        return text
    out: list[str] = []
    for literal, name, spec, conv in parts:
        out.append(literal)
        if name is None:
            continue
        if name in values and not spec and not conv:
            out.append(str(values[name]))
        else:
            out.append("{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}")
    return "".join(out)


def prompt(
    code: str, stage: str = "", variant: str = "", table: Mapping[str, Prompt] | None = None, **values: object
) -> Prompt:
    """The prompt for `code`, most specific first: "<code>.<stage>@<variant>", "<code>@<variant>",
    "<code>.<stage>", "<code>" (variant is the lane class, A or C), from `table` (the site's texts, by default
    these), with `{placeholders}` filled in (`fill`)."""
    texts = PROMPTS if table is None else table
    keys = [f"{code}.{stage}@{variant}", f"{code}@{variant}", f"{code}.{stage}", code]
    key = next((k for k in keys if k in texts), "fault")
    indonesian, english = texts.get(key, PROMPTS["fault"])
    return fill(indonesian, values), fill(english, values)
