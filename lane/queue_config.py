"""The `[queues]` table of the site file: how the queue before the lanes is laid out and watched, and the
approaches (single-file queues) it makes for a set of lanes.

- `layout = "per_lane"`: each lane has its own queue (approach named after the lane); a driver joins the shortest
  queue of a lane of their class.
- `layout = "shared"`: one queue per class (approach "A" for SIM A cars, "C" for SIM C motorcycles) feeds every
  lane of that class; the queue sign tells the next driver which lane to take. A lane only ever takes vehicles from
  the queue of its own class.
Each approach's detector is the queue loop of its host lane's I/O module (`loop`), its approach camera reading
plates (`camera`), or both (`both`: the loop counts, the camera's plate confirms). A queue holding more than
`capacity` vehicles (the road beyond the site) raises an alert; drivers who find it full go away (balking).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from flows.queueing import Approach


class Queues(BaseModel):
    """Unknown keys are errors, values not coerced (as every section of lane.config)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    layout: Literal["per_lane", "shared"] = "per_lane"
    detector: Literal["loop", "camera", "both"] = "loop"
    capacity: Annotated[int, Field(ge=1, le=500)] = 12  # vehicles a queue holds before the road outside
    double_window: Annotated[float, Field(ge=0, le=30)] = 1.5  # two loop pulses closer than this are one vehicle
    camera_poll: Annotated[float, Field(gt=0, le=60)] = 1.0  # seconds between approach-camera reads (camera only)
    counter_poll: Annotated[float, Field(gt=0, le=60)] = 2.0  # seconds between reads of the queue loop's counter
    #: shared layout: the lane whose devices carry a class's queue loop, approach camera and queue sign
    hosts: dict[Literal["A", "C"], Annotated[str, Field(min_length=1, max_length=16)]] = Field(default_factory=dict)


@dataclass(frozen=True)
class ApproachSpec:
    name: str
    lane_class: str
    lanes: dict[str, str]  # lane id -> class
    host: str  # the lane whose devices detect this queue (and carry its sign)


def approaches(queues: Queues, lanes: dict[str, str]) -> list[ApproachSpec]:
    """The approaches for these lanes (lane id -> class, in order). ValueError names a host that cannot be."""
    if queues.layout == "per_lane":
        return [ApproachSpec(lane, cls, {lane: cls}, lane) for lane, cls in lanes.items()]
    out = []
    for cls in dict.fromkeys(lanes.values()):
        fed = {lane: c for lane, c in lanes.items() if c == cls}
        host = queues.hosts.get(cls, "")  # type: ignore[call-overload]
        host = host if host in lanes else next(iter(fed))  # a host not among these lanes (`--lanes N`): the first
        if host not in fed:
            raise ValueError(
                f"queues.hosts.{cls} names lane {host!r}, not a SIM {cls} lane (those are {', '.join(fed)})"
            )
        out.append(ApproachSpec(cls, cls, fed, host))
    return out


def describe(queues: Queues, lanes: dict[str, str]) -> str:
    """One line for `lane check-config`: the layout, the detector, the capacity, and each queue's lanes."""
    each = "; ".join(f"{s.name} -> {', '.join(s.lanes)} (on {s.host})" for s in approaches(queues, lanes))
    return f"{queues.layout}, detector {queues.detector}, capacity {queues.capacity}: {each}"


def approach(spec: ApproachSpec, queues: Queues) -> Approach:
    return Approach(spec.name, spec.lane_class, dict(spec.lanes), queues.capacity, queues.double_window)
