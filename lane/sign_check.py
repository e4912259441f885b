"""`lane check-config`'s check of the driver prompts against each lane's sign (`[lanes.sign]`): every prompt the
lane can show, in both languages, must fit its sign screen by screen (`flows.signs.problems`, the fee at the
widest tariff the lane takes) and use only characters the sign can show. One line a problem, naming the file,
the prompt, the language and the lanes whose sign it does not suit."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flows import signs
from flows.renewal import CLASSES_SERVED

if TYPE_CHECKING:
    from lane.config import SiteConfig

LANGUAGES = ("Bahasa Indonesia", "English")


def rupiah(amount: int) -> str:
    """An amount as the sign shows it: dots between thousands (80.000)."""
    return f"{amount:,}".replace(",", ".")


def applies(code: str, lane_class: str) -> bool:
    """Whether the prompt under `code` can be shown on a lane of `lane_class` ("photo@A" only on a car lane)."""
    _, at, variant = code.partition("@")
    return not at or variant == lane_class


def sign_problems(config: SiteConfig, prompts_path: Path) -> list[str]:
    """Every prompt that does not suit a lane's sign, one line each (lanes with the same sign told together)."""
    found: dict[str, list[str]] = {}  # problem line -> the lanes it applies to
    for lane in config.lanes:
        fees = [config.tariffs[c] for c in CLASSES_SERVED[lane.lane_class] if c in config.tariffs]
        samples = {**signs.SAMPLES, "fee": rupiah(max(fees, default=0))}
        size = lane.sign.size()
        for code, pair in config.prompt_texts.items():
            if not applies(code, lane.lane_class.value):
                continue
            for i, text in enumerate(pair):
                for problem in signs.problems(text, size, samples):
                    found.setdefault(f"prompts.{code}[{i}] ({LANGUAGES[i]}): {problem}", []).append(lane.id)
    return [f"{prompts_path}: {line} (lane{'s' * (len(ids) > 1)} {', '.join(ids)})" for line, ids in found.items()]
