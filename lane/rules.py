"""What the lane asks of the renewal rules: pre-registration, the document check against the registry, the fee,
the photo gate and the card face. A thin collaborator that joins `flows` (pure rules) to the registry."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

import numpy as np

from flows import card as cards
from flows import card_photo, documents, photo
from flows.documents import DocumentRules, Holder, Submission, Verdict
from flows.photo import PhotoRules, PhotoVerdict
from flows.renewal import VEHICLE_CATEGORY, LaneClass
from lane.holders import Registry

Image = np.ndarray[Any, np.dtype[np.uint8]]


class RenewalRules:
    def __init__(
        self,
        registry: Registry | None,
        tariffs: dict[str, int],
        office: str,
        doc_rules: DocumentRules | None = None,
        photo_rules: PhotoRules | None = None,
    ) -> None:
        self.registry = registry
        self.tariffs = tariffs
        self.office = office
        self.doc_rules = doc_rules or DocumentRules()
        self.photo_rules = photo_rules or PhotoRules()
        photo.load_detectors()  # at start-up, not during the first photo

    def prefill(self, plate: str, at: datetime) -> dict[str, Any] | None:
        """The pre-registration booked for this plate now, as document fields (the checks still run)."""
        if self.registry is None or not plate:
            return None
        booking = self.registry.preregistration(plate, at)
        if booking is None:
            return None
        return {"prereg_id": booking["id"], "nik": booking["nik"], "sim": booking["sim_number"]}

    def check(self, fields: dict[str, str], classes: tuple[str, ...], today: date) -> Verdict:
        bpjs = fields.get("bpjs", "").strip().lower()
        submission = Submission(
            nik=fields.get("nik", ""),
            sim_number=fields.get("sim", ""),
            health_no=fields.get("health_no", ""),
            health_date=fields.get("health_date", ""),
            psych_no=fields.get("psych_no", ""),
            psych_date=fields.get("psych_date", ""),
            bpjs=None if not bpjs else bpjs in ("1", "yes", "ya", "true", "aktif", "active"),
        )
        lookup = self.registry.lookup if self.registry is not None else (lambda number: None)
        return documents.check(submission, lookup, classes, today, self.doc_rules)

    def fee(self, sim_class: str) -> int:
        return self.tariffs[sim_class]

    def assess(self, image: Image) -> PhotoVerdict:
        return photo.assess(image, self.photo_rules)

    def card_face(
        self,
        holder: dict[str, Any],
        image: Image | None,
        face: tuple[int, int, int, int] | None,
        lane_class: LaneClass,
        issued: date,
    ) -> Image:
        """The card face for the holder (as stored in the cycle's context): the photo as taken, its background
        made uniform around the face the gate found (`flows.card_photo`), cut to its box (the middle of the frame,
        background left as it is, when an operator accepted a photo without a face). Some 20 ms of CPU."""
        h = holder_from(holder)
        portrait = None
        if image is not None:
            portrait = card_photo.card_portrait(image, face) if face else photo.card_crop(image, _centre_box(image))
        return cards.compose(cards.fields_for(h, VEHICLE_CATEGORY[lane_class], self.office, issued), portrait)


def holder_dict(holder: Holder) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(holder).items()}


def holder_from(data: dict[str, Any]) -> Holder:
    values = dict(data)
    for key in ("birth_date", "issued", "expires"):
        values[key] = date.fromisoformat(values[key])
    return Holder(**values)


def _centre_box(image: Image) -> tuple[int, int, int, int]:
    h, w = image.shape[:2]
    return w // 4, h // 5, w // 2, w // 2
