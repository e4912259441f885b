"""The site configuration: `config/site.toml` loaded into typed, validated objects.

pydantic checks every value when the objects are built; `load` turns any problem into one `ConfigError`
that names the file, the key and what was expected, so the CLI can stop with exit code 2 before anything runs.
Precedence: command-line arguments override the file; the file overrides the defaults written here.
"""

from __future__ import annotations

import grp
import re
import zoneinfo
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from flows.documents import DocumentRules
from flows.photo_rules import PhotoRules
from flows.prompts import PROMPTS
from flows.prompts import check as check_prompt
from flows.renewal import CLASSES_SERVED, Flow, LaneClass, make_flow
from flows.signs import SIGN_ASCII, SignSize
from flows.states import Stage
from lane import toml_file
from lane.plate_policy import DEFAULT_ACCEPT
from lane.queue_config import Queues, approaches
from lane.report.settings import ReportSettings
from lane.sign_check import sign_problems

DEFAULT_PATH = Path("config/site.toml")
StageName = Literal["arrived", "plate", "documents", "payment", "photo", "printing", "handover", "exiting", "rejected"]
Seconds = Annotated[float, Field(gt=0, le=86400)]
Share = Annotated[float, Field(ge=0, le=1)]


class ConfigError(Exception):
    """A configuration that cannot be used: `str()` gives file, key and what was expected, one per line."""


class Section(BaseModel):
    """Unknown keys are errors, and values are not coerced: "yes" is not a boolean, "2" is not a number."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Site(Section):
    name: Annotated[str, Field(min_length=1, max_length=120)]
    office_code: Annotated[str, Field(pattern=r"^[A-Z0-9-]{2,20}$")]
    timezone: str = "Asia/Jakarta"
    target_minutes: Annotated[float, Field(gt=0, le=120)] = 10.0

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(f"an IANA time zone such as Asia/Jakarta, got {value!r}") from err
        return value


class Store(Section):
    path: Annotated[str, Field(min_length=1)] = "var/lane.db"
    durable: bool = True  # fsync every commit (synchronous=FULL): nothing acknowledged is lost on power failure


class Control(Section):
    """The controller's command socket and the officers' logins (lane/control.py, lane/officers.py)."""

    group: Annotated[str, Field(min_length=1, max_length=64)] | None = None  # owns the socket; None: our own group
    max_failures: Annotated[int, Field(ge=1, le=100)] = 5  # failed logins in a row that lock an account
    lockout_minutes: Annotated[float, Field(gt=0, le=24 * 60)] = 15.0
    session_minutes: Annotated[float, Field(gt=0, le=24 * 60)] = 480.0  # a session lapses this long unused

    @field_validator("group")
    @classmethod
    def _known_group(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                grp.getgrnam(value)
            except KeyError:
                raise ValueError(
                    f"no such group {value!r} on this machine (create it, or leave group unset: "
                    "the controller's own group)"
                ) from None
        return value


URL = Annotated[str, Field(min_length=1, max_length=500)]
Baud = Literal[1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200]


class DeviceSettings(Section):
    """What every backend reads: how plates are read, and how long a gate may take to move."""

    plate_reader: Literal["ocr", "operator"] = "ocr"
    gate_timeout: Seconds = 8.0

    def options(self) -> dict[str, Any]:
        """Keyword arguments for devices.registry.build(backend, ...): every key but the backend and plate reader."""
        return self.model_dump(exclude={"backend", "plate_reader"})


class VirtualDevices(DeviceSettings):
    """`backend = "virtual"` (the default): in-process simulated devices."""

    backend: Literal["virtual"] = "virtual"
    gate_travel: Seconds = 2.0
    card_stock: Annotated[int, Field(ge=0, le=10000)] = 100
    print_seconds: Seconds = 25.0


class SerialDevices(DeviceSettings):
    """`backend = "serial"`: the real protocols, opened by URL (`/dev/ttyUSB0`, `socket://host:port`, `rtsp://...`,
    a camera index, a video file or a folder of images); docs/protocols.md says what each one speaks."""

    backend: Literal["serial"]
    io_url: URL  # Modbus RTU I/O module: gates, loops, limit switches
    printer_url: URL  # Evolis-style card printer
    sign_url: URL  # AM03127-style LED sign
    plate_camera: URL
    driver_camera: URL
    io_baudrate: Baud = 19200
    io_map: dict[str, Any] = Field(default_factory=dict)  # unit, coils, inputs, active_low, pulse, poll
    printer_baudrate: Baud = 115200
    printer_panels: Literal["ymck", "k"] = "ymck"
    print_timeout: Seconds = 120.0
    sign_baudrate: Baud = 9600
    sign_id: Annotated[int, Field(ge=1, le=255)] = 1
    sign_chars: Annotated[int, Field(ge=8, le=1000)] = 120
    camera_fps: Annotated[float, Field(gt=0, le=60)] = 10.0
    loop_stuck_after: Seconds = 300.0
    link_timeout: Annotated[float, Field(gt=0, le=30)] = 0.5
    link_retries: Annotated[int, Field(ge=0, le=10)] = 2
    approach_camera: URL | None = None  # the queue's plate camera, when this lane hosts a queue (lane/queue.py)
    queue_sign_url: URL | None = None  # the shared queue's sign ("Lajur 2 ->"), when this lane hosts one


BACKENDS = ("virtual", "serial")


def _backend(value: Any) -> str | None:
    """The union's tag: the table's `backend` ("virtual" when it has none); None (an error) for any other."""
    backend = value.get("backend", "virtual") if isinstance(value, dict) else getattr(value, "backend", "virtual")
    return backend if backend in BACKENDS else None


#: A lane's devices, one model per backend: each accepts only the keys its backend reads.
Devices = Annotated[
    Annotated[VirtualDevices, Tag("virtual")] | Annotated[SerialDevices, Tag("serial")],
    Discriminator(_backend, custom_error_type="backend", custom_error_message="Input should be 'virtual' or 'serial'"),
]


class Sign(Section):
    """`[lanes.sign]`: the lane sign's size and the characters it can show (every prompt is checked against it)."""

    chars: Annotated[int, Field(ge=8, le=250)] = 32  # characters a line
    lines: Annotated[int, Field(ge=2, le=8, multiple_of=2)] = 2  # half for each language
    characters: Annotated[str, Field(min_length=1)] = SIGN_ASCII  # what it can show: no "<" ">", nor beyond ASCII

    @field_validator("characters")
    @classmethod
    def _carried(cls, value: str) -> str:
        beyond = "".join(dict.fromkeys(ch for ch in value if ch not in SIGN_ASCII))
        if beyond:
            raise ValueError(f"the sign protocol cannot carry {beyond!r} (printable ASCII but < and >)")
        return value

    def size(self) -> SignSize:
        return SignSize(self.chars, self.lines, self.characters)


class Lane(Section):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,16}$")]
    lane_class: Annotated[LaneClass, Field(strict=False)] = Field(alias="class")
    budgets: dict[StageName, Seconds] = Field(default_factory=dict)
    hard_limits: dict[StageName, Seconds] = Field(default_factory=dict)
    devices: Devices = VirtualDevices()
    sign: Sign = Sign()

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)

    @model_validator(mode="after")
    def _hard_above_soft(self) -> Lane:
        flow = make_flow(self.lane_class, self._soft())
        for name, hard in self.hard_limits.items():
            soft = flow.budgets[Stage(name)].soft
            if hard < soft:
                raise ValueError(f"hard_limits.{name} ({hard:g} s) is below its budget ({soft:g} s)")
        return self

    def _soft(self) -> dict[Stage, float]:
        return {Stage(k): v for k, v in self.budgets.items()}

    def flow(self, hard_factor: float, max_retries: int) -> Flow:
        hard = {Stage(k): v for k, v in self.hard_limits.items()}
        return make_flow(self.lane_class, self._soft(), hard_factor, hard, max_retries)


class Rules(Section):
    hard_factor: Annotated[float, Field(ge=1, le=20)] = 3.0
    max_retries: Annotated[int, Field(ge=0, le=10)] = 3
    plate_wait: Seconds = 8.0  # after this long without an agreed reading the operator is asked to type it
    plate_agreement: Annotated[int, Field(ge=1, le=10)] = 2
    #: An agreed plate is taken without asking the operator only when its confidence (the probability it is exactly
    #: right) is at least this (lane/plate_policy.py; chosen from benchmarks/plates.py's validation figures).
    plate_accept: Share = DEFAULT_ACCEPT
    health_poll: Seconds = 30.0  # an idle lane asks its devices how they are this often (lane/health.py)


class Plates(Section):
    """The plate reader: `model`, the plate recogniser's model file (a site's own, fine-tuned on its `lane plates
    export` by `plates_training.ppocr_tune`; relative to the working folder like the store), in place of the
    shipped one (lane/plate_model.py loads it when a command that reads plates starts)."""

    model: Annotated[str, Field(min_length=1, max_length=500)] | None = None

    @field_validator("model")
    @classmethod
    def _readable(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).is_file():
            raise ValueError(f"no model file {value!r} (a path to an .onnx file; leave it unset for the shipped one)")
        return value


class Documents(Section):
    """The document check: the registry copy, certificate forms and age, the BPJS switch."""

    registry: Annotated[str, Field(min_length=1)] = "var/registry.db"
    health_pattern: Annotated[str, Field(min_length=1, max_length=200)] = r"^SKS/\d{3,8}/[A-Z0-9]{1,10}/\d{4}$"
    psych_pattern: Annotated[str, Field(min_length=1, max_length=200)] = r"^PSI/\d{3,8}/[A-Z0-9]{1,10}/\d{4}$"
    certificate_max_days: Annotated[int, Field(ge=1, le=3650)] = 180
    bpjs_required: bool = False
    #: Where a driver whose SIM class no lane of the site serves is sent (the sign names it in both languages).
    counter: Annotated[str, Field(min_length=1, max_length=24, pattern=r"^[ -;=?-~]+$")] = "Satpas"

    @field_validator("health_pattern", "psych_pattern")
    @classmethod
    def _regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as err:
            raise ValueError(f"a regular expression ({err})") from err
        return value

    def rules(self, lanes: tuple[tuple[str, str], ...] = ()) -> DocumentRules:
        """The check's rules; `lanes` (SIM class, lane id) say where a driver of another class is sent."""
        return DocumentRules(
            self.health_pattern, self.psych_pattern, self.certificate_max_days, self.bpjs_required, lanes, self.counter
        )


class Photo(Section):
    """The photo gate: automatic retakes after a failed check, then the operator decides."""

    max_retakes: Annotated[int, Field(ge=0, le=10)] = 2
    retake_delay: Seconds = 6.0
    min_face: Annotated[float, Field(gt=0, lt=1)] = 0.20
    max_face: Annotated[float, Field(gt=0, le=1)] = 0.80
    max_offset: Annotated[float, Field(gt=0, le=0.5)] = 0.18
    max_tilt_degrees: Annotated[float, Field(gt=0, le=45)] = 10.0
    min_brightness: Annotated[float, Field(ge=0, le=255)] = 60.0
    max_brightness: Annotated[float, Field(ge=0, le=255)] = 210.0
    min_sharpness: Annotated[float, Field(ge=0)] = 40.0

    @model_validator(mode="after")
    def _ordered(self) -> Photo:
        if self.min_face >= self.max_face:
            raise ValueError("min_face must be below max_face")
        if self.min_brightness >= self.max_brightness:
            raise ValueError("min_brightness must be below max_brightness")
        return self

    def rules(self) -> PhotoRules:
        return PhotoRules(
            self.min_face,
            self.max_face,
            self.max_offset,
            self.max_tilt_degrees,
            self.min_brightness,
            self.max_brightness,
            self.min_sharpness,
        )


class Retention(Section):
    """How long personal data is kept after its renewal ended (UU 27/2022: no longer than its purpose needs);
    lane/retention.py applies it daily in `lane run` and by hand with `lane retention run`."""

    photos_days: Annotated[int, Field(ge=1, le=36500)] = 30  # driver photos (var/photos)
    plates_days: Annotated[int, Field(ge=1, le=36500)] = 90  # plate evidence crops (var/plates)
    personal_days: Annotated[int, Field(ge=1, le=36500)] = 365  # cycles.nik, holder_name, sim_number, then masked
    #: A site with no [central]: the outbox's notes older than this are dropped daily (with [central] the sync
    #: empties it as central acknowledges, and nothing unsent is ever dropped). A site that joins a central database
    #: later sends what is still noted.
    outbox_days: Annotated[int, Field(ge=1, le=36500)] = 30


class Central(Section):
    """The central database this site pushes its rows to (lane/central/sync.py, docs/central.md). Unset: none."""

    dsn: Annotated[str, Field(min_length=1, max_length=500)]  # libpq, e.g. "host=10.1.2.3 user=site_x dbname=central"
    personal: Literal["masked", "full", "none"] = "masked"  # the cycles' NIK, name and SIM number, as sent
    batch: Annotated[int, Field(ge=1, le=100_000)] = 5000  # outbox rows a push at most
    retry_max_s: Annotated[float, Field(gt=0, le=3600)] = 60.0  # the longest wait between tries (backoff)

    @field_validator("dsn")
    @classmethod
    def _libpq(cls, value: str) -> str:
        from psycopg.conninfo import conninfo_to_dict

        try:
            conninfo_to_dict(value)
        except Exception as err:  # psycopg.ProgrammingError: libpq's own message
            raise ValueError(f"a libpq connection string such as 'host=H user=U dbname=D' ({err})") from None
        return value


class Distribution(Section):
    """A duration: lognormal by median and sigma, uniform between low and high, or fixed."""

    kind: Literal["lognormal", "uniform", "fixed"] = "lognormal"
    median: Seconds | None = None
    sigma: Annotated[float, Field(ge=0, le=3)] = 0.3
    low: Annotated[float, Field(ge=0)] | None = None
    high: Seconds | None = None
    value: Annotated[float, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _complete(self) -> Distribution:
        need = {"lognormal": ("median",), "uniform": ("low", "high"), "fixed": ("value",)}[self.kind]
        missing = [k for k in need if getattr(self, k) is None]
        if missing:
            raise ValueError(f"a {self.kind} distribution needs {' and '.join(missing)}")
        if self.kind == "uniform" and self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"uniform needs low <= high, got low={self.low:g} high={self.high:g}")
        return self


def _d(median: float, sigma: float = 0.3) -> Distribution:
    return Distribution(kind="lognormal", median=median, sigma=sigma)


class Steps(Section):
    """How long each human step takes (seconds)."""

    drive_in: Distribution = _d(12)
    drive_out: Distribution = _d(8)
    documents: Distribution = _d(70)
    payment: Distribution = _d(35)
    photo: Distribution = _d(30)
    handover: Distribution = _d(15)
    operator_reaction: Distribution = _d(4, 0.5)
    plate_typing: Distribution = _d(10)
    refill: Distribution = _d(90)


class Mishaps(Section):
    """The share of cycles in which each thing goes wrong (a rejected renewal is one of: expired licence,
    certificate too old, NIK typed wrong, licence of the other class)."""

    documents_rejected: Share = 0.08
    photo_retake: Share = 0.12
    plate_unread: Share = 0.10
    printer_out_of_cards: Share = 0.02


class Console(Section):
    """The operator console (lane/console/)."""

    message_seconds: Seconds = 60.0  # an alert or a command's answer is shown this long, then cleared


def _class_mix() -> dict[Literal["A", "C"], float]:
    return {"A": 0.6, "C": 0.4}


class Simulation(Section):
    seed: int = 20261128
    population: Annotated[int, Field(ge=100, le=1_000_000)] = 5000  # holders seeded when the registry is empty
    preregistered: Share = 0.3  # share of drivers who booked their renewal in advance
    arrivals_per_hour: Annotated[float, Field(gt=0, le=120)] = 5.0
    black_plates: Share = 0.4
    regions: list[Annotated[str, Field(pattern=r"^[A-Z]{1,2}$")]] = Field(
        default_factory=lambda: ["G", "H", "AD", "K", "B"], min_length=1
    )
    steps: Steps = Steps()
    mishaps: Mishaps = Mishaps()
    # The queue (issue 17): site-wide arrivals by hour of day ("8" = 20: twenty an hour from 08:00 site time; None:
    # arrivals_per_hour a lane, all day), poisson or evenly spaced ("fixed"), the class mix, the drivers' patience.
    arrival_profile: (
        dict[Annotated[str, Field(pattern=r"^([01]?[0-9]|2[0-3])$")], Annotated[float, Field(ge=0, le=1000)]] | None
    ) = None
    arrivals: Literal["poisson", "fixed"] = "poisson"
    class_mix: dict[Literal["A", "C"], Share] = Field(default_factory=lambda: _class_mix())
    patience: Distribution | None = None  # how long a driver queues before leaving (reneging); None: for ever


class Plan(Section):
    """`lane plan`'s demand and candidates (lane/plan_cli.py; docs/planning.md). Unset: from `[simulation]`."""

    renewals_per_day: Annotated[float, Field(gt=0, le=100_000)] | None = None  # both classes, the design day
    renewals_per_month: Annotated[float, Field(gt=0, le=3_000_000)] | None = None  # spread by `weekdays`
    weekdays: Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=7, max_length=7)] = Field(
        default_factory=lambda: [1.25, 1.1, 1.0, 1.0, 0.9, 0.75, 0.0]  # Monday .. Sunday
    )
    weekday: Annotated[int, Field(ge=0, le=6)] | None = None  # the design day (0 Monday); unset: the busiest
    open_hour: Annotated[int, Field(ge=0, le=23)] = 8
    hours: Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=1, max_length=24)] = Field(
        default_factory=lambda: [0.16, 0.18, 0.15, 0.13, 0.10, 0.10, 0.10, 0.08]  # the day's share from open_hour
    )
    sim_a_share: Share | None = None  # unset: the share of SIM A lanes
    patience: Distribution | None = Distribution(kind="lognormal", median=1800, sigma=0.5)  # then a driver reneges
    capacity: Annotated[int, Field(ge=0, le=1000)] = 15  # vehicles a queue holds before the road
    days: Annotated[int, Field(ge=2, le=1000)] = 30  # replications, each a day with its own seed
    layouts: list[Annotated[str, Field(min_length=2, max_length=80)]] = Field(default_factory=list)


class SiteConfig(Section):
    site: Site
    store: Store = Store()
    control: Control = Control()
    rules: Rules = Rules()
    tariffs: dict[str, Annotated[int, Field(ge=0, le=10_000_000)]] = Field(
        default_factory=lambda: {"A": 80_000, "C": 75_000, "C I": 75_000, "C II": 75_000}
    )
    lanes: list[Lane] = Field(min_length=1, max_length=32)
    documents: Documents = Documents()
    plates: Plates = Plates()
    photo: Photo = Photo()
    retention: Retention = Retention()
    console: Console = Console()
    central: Central | None = None
    simulation: Simulation = Simulation()
    report: ReportSettings = ReportSettings()  # dayparts and test plates of `lane report` (lane/report/settings.py)
    plan: Plan = Plan()
    queues: Queues = Queues()
    #: The driver prompts, from prompts.toml beside the site file (not a key of site.toml).
    prompt_texts: dict[str, tuple[str, str]] = Field(default_factory=lambda: dict(PROMPTS), exclude=True)

    @model_validator(mode="after")
    def _consistent(self) -> SiteConfig:
        ids = [lane.id for lane in self.lanes]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"lanes has repeated ids: {', '.join(dupes)}")
        for lane in self.lanes:
            missing = [c for c in CLASSES_SERVED[lane.lane_class] if c not in self.tariffs]
            if missing:
                raise ValueError(f"tariffs has no fee for class {', '.join(missing)} (lane {lane.id})")
        for cls, host in self.queues.hosts.items():
            if host not in ids:
                raise ValueError(f"queues.hosts.{cls} names no lane of this site ({host!r})")
        approaches(self.queues, {lane.id: lane.lane_class.value for lane in self.lanes})
        return self

    def flow(self, lane: Lane) -> Flow:
        return lane.flow(self.rules.hard_factor, self.rules.max_retries)


def _key(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if part == "[key]":  # pydantic's marker for a mapping key that failed: the key itself is the part before
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _sections(model: type[Section]) -> list[type[Section]]:
    return [model, *(m for sub in model.__subclasses__() for m in _sections(sub))]


def _path(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """An error's location without pydantic's own parts (validator names, the devices union's tag)."""
    out: list[int | str] = []
    for part in loc:
        tag = out[-1:] == ["devices"] and part in BACKENDS
        if tag or (isinstance(part, str) and part.startswith(("function-", "lognormal"))):
            continue
        out.append(part)
    return tuple(out)


#: Keys an earlier version read, and what a site that still names one should do now.
RETIRED: dict[tuple[int | str, ...], str] = {
    ("plates", "line_model"): "the reader now runs the plate recogniser; name one fine-tuned on your export "
    "(plates_training.ppocr_tune, docs/plates.md) as [plates] model, or remove the key to use the shipped one",
}


def parse(data: dict[str, Any], source: str = "<config>") -> SiteConfig:
    try:
        return SiteConfig.model_validate(data)
    except ValidationError as err:
        keys = {f.alias or n for model in _sections(Section) for n, f in model.model_fields.items()}
        lines = []
        for e in err.errors():
            loc = _path(e["loc"])
            msg = e["msg"].removeprefix("Value error, ")
            value = e.get("input")
            if e["type"] == "backend":  # the devices union's tag: say it of the key
                loc, value = (*loc, "backend"), value.get("backend") if isinstance(value, dict) else value
            if e["type"] == "extra_forbidden":
                msg = "unknown key" + (f": {RETIRED[loc]}" if loc in RETIRED else "")
            elif e["type"] == "missing":
                msg = "required key is missing"
            elif loc and loc[-1] == "[key]":
                msg = f"unknown key, {msg[:1].lower()}{msg[1:]}"
            elif e["type"] == "value_error":
                # A check across keys says which key it means first ("tariffs has no fee ..."): put it in the path.
                head, _, rest = msg.partition(" ")
                if rest and head.split(".")[0] in keys:
                    loc, msg = (*loc, *head.split(".")), rest
            quiet = e["type"] in ("missing", "extra_forbidden") or isinstance(value, dict | list) or repr(value) in msg
            got = "" if quiet else f" (got {value!r:.60})"
            lines.append(f"{source}: {_key(loc)}: {msg}{got}")
        raise ConfigError("\n".join(lines)) from err


PromptText = Annotated[str, Field(min_length=1, max_length=120)]
PROMPT_PAIR = '["Bahasa Indonesia", "English"], each 1 to 120 characters'


class PromptsFile(Section):
    """`prompts.toml`: one `[prompts]` table, each entry `code = ["Bahasa Indonesia", "English"]`."""

    prompts: dict[str, Annotated[tuple[PromptText, PromptText], Field(strict=False)]] = Field(default_factory=dict)


def _prompts_problem(path: Path, loc: tuple[int | str, ...]) -> str:
    if loc[0] != "prompts":
        return f"{path}: {loc[0]}: unknown key (expected a [prompts] table)"
    if len(loc) == 1:
        return f"{path}: prompts: expected a [prompts] table"
    return f"{path}: prompts.{loc[1]}: expected {PROMPT_PAIR}"


def load_prompts(path: Path) -> dict[str, tuple[str, str]]:
    """The driver prompts: the defaults in flows/prompts.py with the site's `[prompts]` from `path` over them
    (a missing file means the defaults). Each entry is `code = ["Bahasa Indonesia", "English"]` (`PromptsFile`),
    each text a template `flows.prompts.check` accepts for that code; every problem is told, one a line."""
    try:
        data = toml_file.read(path)
    except FileNotFoundError:
        return dict(PROMPTS)
    except toml_file.BadFile as err:
        raise ConfigError(str(err)) from err
    problems: list[str] = []
    try:
        table = PromptsFile.model_validate(data).prompts
    except ValidationError as err:
        problems = list(dict.fromkeys(_prompts_problem(path, e["loc"]) for e in err.errors()))
        bad = {e["loc"][1] for e in err.errors() if len(e["loc"]) > 1}
        raw = data.get("prompts")  # the entries that are well formed still have their templates checked
        table = {k: (v[0], v[1]) for k, v in raw.items() if k not in bad} if isinstance(raw, dict) else {}
    for code, pair in table.items():
        problems += [
            f"{path}: prompts.{code}[{i}]: {problem}"
            for i, text in enumerate(pair)
            if (problem := check_prompt(code, text))
        ]
    if problems:
        raise ConfigError("\n".join(problems))
    return {**PROMPTS, **table}


def load(path: Path | str = DEFAULT_PATH) -> SiteConfig:
    """Read and check a site file. Raises ConfigError naming the file, the key and what was expected."""
    path = Path(path)
    try:
        data = toml_file.read(path)
    except FileNotFoundError as err:
        raise ConfigError(f"{path}: file not found") from err
    except toml_file.BadFile as err:
        raise ConfigError(str(err)) from err
    config = parse(data, str(path))
    prompts_path = path.parent / "prompts.toml"
    config = config.model_copy(update={"prompt_texts": load_prompts(prompts_path)})
    if problems := sign_problems(config, prompts_path):
        raise ConfigError("\n".join(problems))
    return config
