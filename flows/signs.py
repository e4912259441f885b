"""How a prompt is laid out on a lane sign of a given size: which characters the sign can show, how a text is
cut into lines at words, and how the two languages share the sign (Bahasa Indonesia on the upper half of its
lines, English on the lower half, each screen showing the same part of the prompt in both languages).

A prompt may have several paragraphs (separated by a newline); each paragraph starts a new screen, so a refusal's
reasons each stand on their own screen in both languages, and a paragraph too long for one screen goes on over the
next, cut at words. The lane shows the screens in turn. `problems` says why a prompt template does not fit a sign
(`lane check-config` runs it over prompts.toml). Pure: no I/O.
"""

from __future__ import annotations

import string
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import zip_longest

#: What the AM03127-style sign protocol carries: printable ASCII without `<` and `>` (they open its tags).
SIGN_ASCII = "".join(ch for ch in string.printable if ch.isprintable() and ch not in "<>")

#: The widest values a placeholder takes when a template is checked against a sign: the fee in rupiah with dots
#: (the tariffs are set in the site file; `problems` is given the widest), seconds left; reasons have their own
#: screens, so a template is checked without them.
SAMPLES: Mapping[str, str] = {"fee": "999.999", "remaining": "999", "reason": ""}

Screen = tuple[str, str]  # (Bahasa Indonesia, English), each the language's lines joined by "\n"


@dataclass(frozen=True)
class SignSize:
    """A lane sign: `chars` characters a line, `lines` lines (half for each language), `characters` it can show."""

    chars: int = 32
    lines: int = 2
    characters: str = SIGN_ASCII

    @property
    def lines_each(self) -> int:
        """Lines a language has on one screen."""
        return max(1, self.lines // 2)


def wrap(text: str, width: int) -> list[str]:
    """`text` cut into lines of at most `width` characters at spaces (a word longer than a line is the only thing
    ever cut inside); an empty text is no line."""
    return textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=True)


def paragraphs(text: str) -> list[str]:
    """The paragraphs of a prompt: its newline-separated parts, blank ones dropped."""
    return [part.strip() for part in text.split("\n") if part.strip()]


def screens(indonesian: str, english: str, size: SignSize) -> list[Screen]:
    """What the sign shows, screen by screen. Paragraph i of each language goes together (a language with fewer
    paragraphs shows nothing beside the other's extra ones); a paragraph's lines fill as many screens as it needs,
    the shorter language left blank where the longer one goes on. Never empty: a blank prompt is one blank screen."""
    out: list[Screen] = []
    for para_id, para_en in zip_longest(paragraphs(indonesian), paragraphs(english), fillvalue=""):
        lines_id, lines_en = wrap(para_id, size.chars), wrap(para_en, size.chars)
        count = max(len(lines_id), len(lines_en))
        per = size.lines_each
        for start in range(0, count, per):
            part_id, part_en = lines_id[start : start + per], lines_en[start : start + per]
            if per > 1:  # each language keeps its half of the sign
                part_id, part_en = [*part_id, *[""] * (per - len(part_id))], [*part_en, *[""] * (per - len(part_en))]
            out.append(("\n".join(part_id), "\n".join(part_en)))
    return out or [("", "")]


def fill_samples(text: str, samples: Mapping[str, str]) -> str:
    """`text` with each bare `{placeholder}` replaced by its sample (unknown ones by nothing); "{{" is a brace."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        return text
    return "".join(literal + (samples.get(name, "") if name is not None else "") for literal, name, _, _ in parts)


def problems(text: str, size: SignSize, samples: Mapping[str, str] = SAMPLES) -> list[str]:
    """Why the template `text` does not suit the sign, or nothing: each character it cannot show, and each
    paragraph that, with its placeholders at their widest, needs more than one screen (it would be cut or go on
    over another screen); reasons go on screens of their own and are left out."""
    filled = fill_samples(text, samples)
    out = [
        f"{ch!r} is a character the sign cannot show"
        for ch in dict.fromkeys(filled)
        if ch not in size.characters and ch != "\n"
    ]
    for para in paragraphs(filled):
        lines = wrap(para, size.chars)
        if len(lines) > size.lines_each:
            shown = f"{size.lines_each} line{'s' if size.lines_each > 1 else ''} of {size.chars} a language"
            out.append(f"{para!r} ({len(para)} characters) does not fit on one screen of the sign ({shown})")
    return out
