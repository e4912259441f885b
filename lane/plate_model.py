"""Which plate-recogniser model the lanes' plate reader runs: the site's own, named in its configuration
(`[plates] model` in config/site.toml, e.g. one fine-tuned on the site's `lane plates export`: docs/plates.md),
or, without one, the model `plates` ships. `check` loads the site's model when a command that reads plates starts
(`lane run`, `demo`, `simulate`, `plates read`) and in `lane check-config`: a file that is not a model the reader
can run stops the command with a configuration error (lane.config checks already that the file is there)."""

from __future__ import annotations

import functools
from pathlib import Path

from lane.config import ConfigError, SiteConfig
from plates.reader import PlateReader
from plates.reading import Reader


def model_path(config: SiteConfig) -> Path | None:
    """The site's own plate recogniser file, or None for the shipped one."""
    return Path(config.plates.model) if config.plates.model else None


@functools.cache
def _reader(path: Path | None) -> PlateReader:
    from plates.lane_reader import lane_reader  # the lane's reader settings (no expiry line), the shipped model

    shipped = lane_reader()
    return shipped if path is None else PlateReader(shipped.settings, model_path=path)


def lane_reader(config: SiteConfig) -> Reader:
    """The reader the lanes read their cameras' frames with: one per model file and process."""
    return _reader(model_path(config))


def check(config: SiteConfig, source: Path | str) -> None:
    """Load the site's own model now (nothing to do for the shipped one); ConfigError naming the file and the key
    when it cannot be read or run."""
    path = model_path(config)
    if path is None:
        return
    try:
        _reader(path).warm_up()
    except Exception as err:  # OSError, OpenCV's error on a file that is not ONNX, a network of another shape
        _reader.cache_clear()
        detail = " ".join(str(err).split())[:160]
        raise ConfigError(
            f"{source}: plates.model: {path} is not a plate recogniser model the plate reader can run "
            f"({type(err).__name__}: {detail})"
        ) from err
