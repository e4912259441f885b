"""What the photo gate checks and says, as plain data: its thresholds (`PhotoRules`, set from the site file), its
verdict, and the prompt for each problem. Kept apart from the gate itself (flows.photo, OpenCV) so that reading a
site's configuration does not load OpenCV."""

from __future__ import annotations

from dataclasses import dataclass

PROMPTS: dict[str, tuple[str, str]] = {
    "no_image": ("Kamera bermasalah, mohon tunggu", "Camera problem, please wait"),
    "no_face": ("Lepas helm/masker,\nlihat ke kamera", "Take off helmet or mask,\nlook at the camera"),
    "several_faces": ("Hanya satu orang di depan kamera", "Only one person at the camera"),
    "too_far": ("Maju sedikit", "Move a little closer"),
    "too_close": ("Mundur sedikit", "Move back a little"),
    "off_centre": ("Geser ke tengah", "Move to the centre"),
    "tilted": ("Tegakkan kepala", "Keep your head level"),
    "too_dark": ("Terlalu gelap,\nlepas topi/kacamata gelap", "Too dark:\ntake off cap or dark glasses"),
    "too_bright": ("Terlalu terang, mohon tunggu", "Too bright, please wait"),
    "blurred": ("Jangan bergerak", "Please keep still"),
}


@dataclass(frozen=True)
class PhotoRules:
    min_face: float = 0.20  # face width as a share of the image width
    max_face: float = 0.80
    max_offset: float = 0.18  # face centre from the image centre, as a share of width / height
    max_tilt_degrees: float = 10.0
    min_brightness: float = 60.0  # mean grey level of the face, 0-255
    max_brightness: float = 210.0
    min_sharpness: float = 40.0  # variance of the Laplacian of the face at 200 px wide


@dataclass(frozen=True)
class PhotoVerdict:
    problems: tuple[str, ...]
    face: tuple[int, int, int, int] | None = None  # x, y, w, h
    measures: tuple[tuple[str, float], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def prompt(self) -> tuple[str, str]:
        """What the driver is told: the first problem's prompt."""
        return PROMPTS[self.problems[0]] if self.problems else ("Foto diterima", "Photo accepted")
