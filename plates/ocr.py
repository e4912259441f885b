"""The lane's plate reader entry point, kept for callers of `plates.ocr.read` (lane/site.py): it delegates to the
default `plates.reader.PlateReader` (plate finding, line cleaning, Tesseract, grammar decoding). Pure."""

from __future__ import annotations

from plates.reader import read

__all__ = ["read"]
