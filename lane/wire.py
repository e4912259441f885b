"""The control socket's messages (lane/control.py), as pydantic models: one JSON object a line each way.

Requests, told apart by `op`: `clock`, `login` (`officer`, `pin`), `logout` (`token`) and `command` (`token`, `lane`,
`action`, `reason`, `plate`, `receipt` and `data`, the documents' fields). Every text field is bounded
(lane/limits.py: a lane id, a field, a token), `data` holds only `lane.commands.DATA_FIELDS`, and no value is
coerced (a number is not text). Keys a request has beyond these are ignored (an `operator` too: the command's
operator is the session's officer). `request` turns any problem into one ValueError whose text says what was
wrong in the words a client sees ("reason longer than 500 characters", "data: unknown key 'z' ..."). Answers:
`Answer` (`ok`, `message`), `LoginAnswer` (with the session's token, officer and role) and `ClockAnswer`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter, ValidationError, field_validator

from lane import limits
from lane.commands import DATA_FIELDS, MAX_FIELD

OPS = ("login", "command", "logout", "clock")
Text = Annotated[str, Field(max_length=MAX_FIELD)]
Token = Annotated[str, Field(max_length=128)]


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


class Clock(Message):
    op: Literal["clock"]


class Login(Message):
    op: Literal["login"]
    officer: Annotated[str, Field(max_length=64)] = ""
    pin: Annotated[str, Field(max_length=128)] = ""


class Logout(Message):
    op: Literal["logout"]
    token: Token = ""


class CommandData(BaseModel):
    """The documents' fields, which gate to open, whether a card came out: `lane.commands.DATA_FIELDS`, no other."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    nik: Text = ""
    sim: Text = ""
    health_no: Text = ""
    health_date: Text = ""
    psych_no: Text = ""
    psych_date: Text = ""
    bpjs: Text = ""
    gate: Text = ""
    out: Text = ""
    confirm: Text = ""
    cycle: Text = ""


class CommandRequest(Message):
    op: Literal["command"]
    token: Token = ""
    lane: Annotated[str, Field(max_length=limits.MAX_LANE)] = ""
    action: Annotated[str, Field(max_length=32)] = ""
    reason: Text = ""
    plate: Text = ""
    receipt: Text = ""
    data: CommandData = CommandData()

    @field_validator("data", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return value or {}

    def fields(self) -> dict[str, str]:
        """The documents' fields the request gave (and only those)."""
        given: dict[str, str] = self.data.model_dump(exclude_unset=True)
        return given


def _op(value: Any) -> str | None:
    op = value.get("op") if isinstance(value, dict) else None
    return op if op in OPS else None


Request = Annotated[
    Annotated[Clock, Tag("clock")]
    | Annotated[Login, Tag("login")]
    | Annotated[Logout, Tag("logout")]
    | Annotated[CommandRequest, Tag("command")],
    Discriminator(_op, custom_error_type="op", custom_error_message="op"),
]

_REQUEST: TypeAdapter[Clock | Login | Logout | CommandRequest] = TypeAdapter(Request)


class Answer(BaseModel):
    ok: bool
    message: str = ""


class LoginAnswer(Answer):
    token: str
    officer: str
    role: str


class ClockAnswer(Answer):
    now: str


def request(msg: dict[str, Any]) -> Clock | Login | Logout | CommandRequest:
    """The request `msg` says; ValueError saying its first problem otherwise."""
    try:
        return _REQUEST.validate_python(msg)
    except ValidationError as err:
        raise ValueError(_why(err.errors()[0])) from None


def _why(error: Any) -> str:
    kind, loc = error["type"], list(error["loc"][1:])  # the first part is the union's tag, the op
    if kind == "op":
        return "op is 'login', 'command', 'logout' or 'clock'"
    if loc[:1] == ["data"]:
        if len(loc) == 1:
            return "data must map names to text"
        if kind == "extra_forbidden":
            return f"data: unknown key {str(loc[1])[:20]!r} (known: {', '.join(DATA_FIELDS)})"
        loc = loc[1:]
    key = loc[0] if loc else "request"
    if kind == "string_too_long":
        return f"{key} longer than {error['ctx']['max_length']} characters"
    return f"{key} must be text"
