"""What the driver is told: one prompt per state and per problem, Bahasa Indonesia first and English second.

Plain data; `{placeholders}` are filled by the lane (fee, reason, remaining seconds). A newline starts a new
screen of the lane sign (`flows.signs`); each shipped prompt fits a 2 x 32 sign, one line a language a screen.
Site-specific wording can override any entry from the site's configuration; `check` says what is wrong with such
a template (which placeholders each prompt may use, no format specs), and `fill` never fails nor grows a text past
its values.
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
        "Serahkan e-KTP dan SIM lama,\nsurat sehat & psikologi",
        "Hand over e-KTP and old SIM,\nhealth & psych certificates",
    ),
    "payment": ("Bayar PNBP Rp{fee}", "Please pay the fee of Rp{fee}"),
    "photo": ("Lepas helm & kacamata,\nlihat ke kamera", "Take off helmet & glasses,\nlook at the camera"),
    "photo@A": (
        "Silakan turun dari mobil,\nberdiri di depan kamera",
        "Please step out of the car,\nstand in front of the camera",
    ),
    "photo@C": ("Lepas helm & kacamata,\nlihat ke kamera", "Take off helmet & glasses,\nlook at the camera"),
    "printing": ("SIM dicetak, {remaining} detik lagi", "Printing your SIM: {remaining} s"),
    "printing@A": (
        "Silakan naik kembali ke mobil\nSIM dicetak, {remaining} detik lagi",
        "Please get back in your car\nPrinting your SIM: {remaining} s",
    ),
    "handover": ("Ambil SIM baru Anda di loket", "Take your new SIM at the window"),
    "exiting": ("Terima kasih, silakan jalan", "Thank you, please drive on"),
    "rejected": ("Maaf, tidak dapat diproses:\n{reason}", "Sorry, cannot be processed:\n{reason}"),
    "aborted": ("Proses dihentikan, temui petugas", "Renewal stopped, see the officer"),
    "aborted_paid": ("Dihentikan, biaya dikembalikan", "Stopped, your fee is refunded"),
    "fault": ("Mohon tunggu, petugas membantu", "Please wait for an officer"),
    "closed": ("Lajur ditutup", "Lane closed"),
    "overrun": ("Mohon maaf atas keterlambatan", "Sorry for the delay, please wait"),
    "overrun.documents": ("Mohon siapkan dokumen Anda", "Please have your documents ready"),
    "overrun.payment": ("Selesaikan pembayaran Rp{fee}", "Please finish paying Rp{fee}"),
    "overrun.photo": ("Lihat ke kamera, jangan bergerak", "Look at the camera, keep still"),
    "overrun.exiting": ("Silakan jalan, palang terbuka", "Drive on, the barrier is open"),
    "overrun.rejected": ("Silakan jalan, palang terbuka", "Drive on, the barrier is open"),
    "retake": ("Foto diulang, lihat ke kamera", "New photo: look at the camera"),
    "plate_typed": ("Nomor polisi dicatat petugas", "The officer notes your plate"),
    **{f"photo_{code}": text for code, text in PHOTO_PROMPTS.items()},
}


#: The values a prompt may use: {fee} (rupiah), {reason} (why a renewal was refused: each reason a paragraph of
#: its own, in the line's language), {remaining} (seconds the driver still waits in this stage, counted down).
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
    these), with `{placeholders}` filled in (`fill`). A value given as a `Prompt` pair is its Bahasa Indonesia
    text in the first line and its English text in the second (a refusal's reasons: never one language's in the
    other's line)."""
    texts = PROMPTS if table is None else table
    keys = [f"{code}.{stage}@{variant}", f"{code}@{variant}", f"{code}.{stage}", code]
    key = next((k for k in keys if k in texts), "fault")
    indonesian, english = texts.get(key, PROMPTS["fault"])
    return fill(indonesian, _language(values, 0)), fill(english, _language(values, 1))


def _language(values: Mapping[str, object], index: int) -> dict[str, object]:
    return {k: (v[index] if isinstance(v, tuple) and len(v) == 2 else v) for k, v in values.items()}
