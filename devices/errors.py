"""One error tree for every device. Library errors are translated at the boundary with `raise ... from err`."""

from __future__ import annotations


class DeviceError(Exception):
    """Base of every device error. `device` names the device, `cause` is a short machine-readable code."""

    def __init__(self, device: str, message: str, cause: str = "error") -> None:
        super().__init__(f"{device}: {message}")
        self.device = device
        self.cause = cause
        self.message = message


class DeviceUnavailable(DeviceError):
    """The device cannot be reached (port missing, peer gone)."""


class DeviceTimeout(DeviceError):
    """The device did not answer, or did not confirm a movement, in time."""


class DeviceFault(DeviceError):
    """The device reports an error state (printer out of cards, gate stuck, ...)."""


class DeviceRefused(DeviceError):
    """We asked for something unsafe or invalid (close a gate over a vehicle); nothing was sent."""


class ProtocolError(DeviceError):
    """The device sent bytes that do not make a valid frame."""
