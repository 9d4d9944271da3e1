"""Endpoint profiles: a TOML file in the user's config dir, validated, holding no secrets.

::

    version = 2

    [[endpoint]]
    name = "Local OpenD"
    transport = "tcp"                 # tcp (API port) | ws | wss (OpenD's WebSocket port)
    host = "127.0.0.1"
    port = 11111                      # default by transport: 11111 tcp, 33333 ws / wss
    rsa_key = "~/keys/opend.pem"      # tcp: a path; the key itself is never copied in here
    contexts = ["quote", "trade-sec"] # the contexts this endpoint has (one card each)
    connect_on_start = ["quote"]      # those of them OpenDeck connects at launch
    acc_push = true                   # trade contexts subscribe to account pushes
    ...

    [[endpoint.subscriptions]]        # restored on the quote context after it connects
    codes = "HK.00700,US.AAPL"
    types = ["basic", "ticker"]

Decisions (this file runs past ~500 lines: the schema, its checks and its recovery are one job):

* ``contexts`` keeps its meaning, the contexts the endpoint offers; ``connect_on_start`` is a
  marker on them, not a rival list: a file naming another context is refused with the fix, and
  in code an endpoint drops such names itself (unticking a context unticks its autostart).
* A setting its transport does not use is kept (switching back restores it), ignored and not
  checked: ``rsa_key`` is TCP's; ``websocket_key_file``, ``heartbeat_interval`` WebSocket's;
  ``tls_verify``, ``ca_cert`` wss's. Subscriptions without a quote context are kept, not restored.
* No secret is stored: the WebSocket key is asked for on connect, or read from the OS keyring or
  ``websocket_key_file`` (:meth:`Endpoint.read_websocket_key`); never written here.
* Version-1 files are migrated in memory; saving writes version 2 and keeps the old file once as
  ``endpoints.toml.v1`` for an older OpenDeck.
* A file that cannot be read whole (not UTF-8, not TOML, newer version, bad layout) is a
  ConfigError saying what to fix. :func:`load_or_recover` never raises: a bad endpoint costs only
  itself (the valid ones load; a later duplicate name or id is dropped); nothing usable gives the
  demo endpoint; the file as it was is kept as ``endpoints.toml.broken-20261201T210000Z``, one
  backup per distinct content, never overwritten.
* ``OPENDECK_CONFIG_DIR`` / ``OPENDECK_DATA_DIR`` override the platform dirs (:func:`config_dir`,
  :func:`data_dir`, :func:`journal_dir`, :func:`recordings_dir`).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import time
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w

from . import codes
from .errors import ConfigError
from .events import ContextKind, Transport

APP_NAME = "OpenDeck"
CONFIG_DIR_ENV = "OPENDECK_CONFIG_DIR"
DATA_DIR_ENV = "OPENDECK_DATA_DIR"
SCHEMA_VERSION = 2
CONTEXT_KINDS = tuple(str(k) for k in ContextKind)  # ("quote", "trade-sec", "trade-future")
PUSH_FORMATS = ("protobuf", "json")
TRANSPORTS = tuple(str(t) for t in Transport)  # ("tcp", "ws", "wss")
DEFAULT_PORTS = {Transport.TCP: 11111, Transport.WS: 33333, Transport.WSS: 33333}
HEARTBEAT_RANGE = (1.0, 120.0)  # seconds; the same clamp as a gateway's keepAliveInterval
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)"
                       r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")


# ------------------------------------------------------------------------------ directories
def _env_dir(var: str) -> Path | None:
    value = os.environ.get(var, "").strip()
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    """``$OPENDECK_CONFIG_DIR`` or the platform's config dir: ``endpoints.toml``, ``window.ini``."""
    return _env_dir(CONFIG_DIR_ENV) or Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """``$OPENDECK_DATA_DIR`` or the platform's data dir: journals and recordings."""
    return _env_dir(DATA_DIR_ENV) or Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def journal_dir() -> Path:
    return data_dir() / "journal"


def recordings_dir() -> Path:
    return data_dir() / "recordings"


def default_profiles_path() -> Path:
    return config_dir() / "endpoints.toml"


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 (also IPv4-mapped) and ``localhost``; host names are not resolved."""
    h = host.strip().rstrip(".").strip("[]").lower()
    if h == "localhost" or h.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(h)
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or bool(mapped and mapped.is_loopback)


def default_port(transport: str) -> int:
    try:
        return DEFAULT_PORTS[Transport(transport)]
    except ValueError:
        return DEFAULT_PORTS[Transport.TCP]


# ------------------------------------------------------------------------------ profiles
@dataclass
class Subscription:
    """Codes and sub types restored on the quote context: ``codes = "HK.00700,US.AAPL"``."""

    codes: str
    types: list[str] = field(default_factory=lambda: ["basic"])

    def problem(self) -> str:
        try:
            if not self.securities():
                return "a subscription needs at least one code, e.g. codes = \"HK.00700\""
            self.subtypes()
        except ConfigError as exc:
            return str(exc)
        return ""

    def securities(self) -> list[tuple[int, str]]:
        return codes.parse_codes(self.codes)

    def subtypes(self) -> list[int]:
        return codes.parse_subtypes(self.types)


@dataclass
class Endpoint:
    name: str
    host: str = "127.0.0.1"
    port: int | None = None  # None: the transport's default (11111 tcp, 33333 ws / wss)
    rsa_key: str = ""  # tcp: path to the PKCS#1 private key OpenD uses; empty = no encryption
    client_id: str = "OpenDeck"
    client_ver: int = 300
    language: str = "Python"
    recv_notify: bool = True
    push_format: str = "protobuf"
    auto_reconnect: bool = True
    contexts: list[str] = field(default_factory=lambda: ["quote"])
    trd_market: str = ""  # securities trade: account market filter (e.g. HK); empty = all
    security_firm: str = "FutuSecurities"
    demo: bool = False  # run the built-in demo gateway in-process for this endpoint
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    # version 2
    transport: str = "tcp"  # a Transport once valid
    tls_verify: bool = True  # wss: check the gateway's certificate
    ca_cert: str = ""  # wss: path to a CA / self-signed certificate PEM to trust
    websocket_key_file: str = ""  # ws / wss: path to a file holding the key (never the key)
    heartbeat_interval: float = 10.0  # ws / wss: seconds between WebSocket pings
    subscriptions: list[Subscription] = field(default_factory=list)
    connect_on_start: list[str] = field(default_factory=list)  # a subset of contexts
    acc_push: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.transport, str) and self.transport.strip().lower() in TRANSPORTS:
            self.transport = Transport(self.transport.strip().lower())
        if self.port is None:
            self.port = default_port(self.transport)
        if isinstance(self.heartbeat_interval, int) and not isinstance(self.heartbeat_interval, bool):
            self.heartbeat_interval = float(self.heartbeat_interval)
        self.subscriptions = [s if isinstance(s, Subscription) else Subscription(**s)
                              for s in self.subscriptions]
        self.connect_on_start = [c for c in dict.fromkeys(self.connect_on_start) if c in self.contexts]

    @property
    def is_websocket(self) -> bool:
        return self.transport in (Transport.WS, Transport.WSS)

    @property
    def plaintext_remote(self) -> bool:
        """Secrets (an unlock's password MD5, the WebSocket key's MD5) would cross a network in
        the clear: a non-loopback host over TCP without RSA, or over ``ws://``."""
        if self.demo or is_loopback(self.host):
            return False
        return self.transport == Transport.WS or (self.transport == Transport.TCP and not self.rsa_key)

    def problems(self) -> dict[str, str]:
        """Field name -> what is wrong and what to do. Empty when valid."""
        p: dict[str, str] = {}
        if not self.name.strip():
            p["name"] = "give the endpoint a name"
        if self.transport not in TRANSPORTS:
            p["transport"] = ("transport must be tcp (OpenD's API port), ws or wss (its WebSocket "
                              "port, plain or TLS)")
        if not self.demo:
            host = self.host.strip()
            if not host:
                p["host"] = "enter the OpenD host, e.g. 127.0.0.1"
            else:
                try:
                    ipaddress.ip_address(host)
                except ValueError:
                    if not _HOSTNAME.match(host):
                        p["host"] = f"{host!r} is neither an IP address nor a host name"
            if not isinstance(self.port, int) or isinstance(self.port, bool) or not 1 <= self.port <= 65535:
                what = "WebSocket port is 33333" if self.is_websocket else "API port is 11111"
                p["port"] = f"port must be 1-65535 (OpenD's default {what})"
        files = [("rsa_key", "pick the PEM OpenD's rsa_private_key uses")] if self.transport == "tcp" else []
        if self.is_websocket:
            files.append(("websocket_key_file", "pick the file holding OpenD's websocket_key, or clear "
                                                "it to be asked for the key on connect"))
            lo, hi = HEARTBEAT_RANGE
            hb = self.heartbeat_interval
            if isinstance(hb, bool) or not isinstance(hb, (int, float)) or not lo <= hb <= hi:
                p["heartbeat_interval"] = f"heartbeat interval must be {lo:g}-{hi:g} seconds (default 10)"
        if self.transport == Transport.WSS:
            files.append(("ca_cert", "pick the PEM of the CA (or the self-signed certificate) the "
                                     "gateway's websocket_cert is signed with"))
        for name, fix in files:
            path = Path(getattr(self, name)).expanduser()
            if getattr(self, name) and not path.is_file():
                p[name] = f"no file at {path}; {fix}"
        if not self.client_id.strip():
            p["client_id"] = "client id cannot be empty"
        if not isinstance(self.client_ver, int) or not 0 <= self.client_ver <= 2**31 - 1:
            p["client_ver"] = "client version must be a whole number from 0 to 2147483647"
        if not self.language.strip():
            p["language"] = "programming language cannot be empty (OpenD logs it; e.g. Python)"
        if self.push_format not in PUSH_FORMATS:
            p["push_format"] = f"push format must be one of {', '.join(PUSH_FORMATS)}"
        bad = [c for c in self.contexts if c not in CONTEXT_KINDS]
        if bad:
            p["contexts"] = f"unknown context {bad[0]!r}; use {', '.join(CONTEXT_KINDS)}"
        elif not self.contexts:
            p["contexts"] = "pick at least one context to open (quote, securities or futures trade)"
        elif len(set(self.contexts)) != len(self.contexts):
            p["contexts"] = "each context can be listed once"
        if self.trd_market and self.trd_market.upper() not in codes.TRD_MARKETS:
            p["trd_market"] = f"unknown trade market {self.trd_market!r}; use {', '.join(codes.TRD_MARKETS)}"
        if self.security_firm and self.security_firm not in codes.SECURITY_FIRMS:
            p["security_firm"] = f"unknown security firm; use {', '.join(codes.SECURITY_FIRMS)}"
        for i, sub in enumerate(self.subscriptions):
            why = sub.problem()
            if why:
                p["subscriptions"] = f"subscription {i + 1}: {why}"
                break
        return p

    def validate(self, where: str = "") -> Endpoint:
        p = self.problems()
        if p:
            raise ConfigError(f"{where or 'endpoint '}{self.name or '(unnamed)'}: "
                              + "; ".join(f"{k}: {v}" for k, v in p.items()))
        return self

    def read_websocket_key(self) -> str:
        """The key from ``websocket_key_file`` (surrounding whitespace stripped); "" when unset."""
        if not self.websocket_key_file:
            return ""
        path = Path(self.websocket_key_file).expanduser()
        try:
            key = path.read_bytes().decode("utf-8-sig").strip()
        except OSError as exc:
            raise ConfigError(f"cannot read the WebSocket key file {path}: {exc.strerror or exc}; "
                              "pick another file or clear it to be asked for the key") from None
        except UnicodeDecodeError:
            raise ConfigError(f"the WebSocket key file {path} is not text; it should hold the "
                              "websocket_key from OpenD's configuration, alone on one line") from None
        if not key:
            raise ConfigError(f"the WebSocket key file {path} is empty; write OpenD's websocket_key in it")
        return key

    def copy(self, **changes: Any) -> Endpoint:
        ep = dataclasses.replace(self, **changes)
        for name in ("contexts", "connect_on_start"):  # no list shared with the original
            setattr(ep, name, list(getattr(ep, name)))
        ep.subscriptions = [dataclasses.replace(s, types=list(s.types)) for s in ep.subscriptions]
        return ep

    def with_transport(self, transport: str) -> Endpoint:
        """A copy on another transport; a port left at the old default moves to the new one."""
        port = self.port
        if port == default_port(self.transport):
            port = default_port(transport)
        return self.copy(transport=transport, port=port)

    def duplicate(self) -> Endpoint:
        return self.copy(name=f"{self.name} (copy)", id=uuid.uuid4().hex[:8])

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["transport"] = str(self.transport)
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "", version: int = SCHEMA_VERSION) -> Endpoint:
        """An endpoint from a file's table; raises ConfigError naming the key and the fix."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        allowed = _V1_KEYS if version == 1 else set(known)
        unknown = sorted(set(data) - allowed)
        if unknown:
            if unknown[0] in known:
                raise ConfigError(f"{where}{unknown[0]!r} needs version = 2 at the top of the file")
            raise ConfigError(f"{where}unknown key {unknown[0]!r}; known keys: {', '.join(known)}")
        if "name" not in data:
            raise ConfigError(f"{where}every endpoint needs a name")
        kwargs = {}
        for key, value in data.items():
            kwargs[key] = _check_type(where, key, known[key].type, value)
        bad = [c for c in kwargs.get("connect_on_start", []) if c not in kwargs.get("contexts", ["quote"])]
        if bad:
            raise ConfigError(f"{where}connect_on_start names {bad[0]!r}, which is not in contexts; "
                              "add it to contexts or remove it from connect_on_start")
        return cls(**kwargs)


_V1_KEYS = {"name", "host", "port", "rsa_key", "client_id", "client_ver", "language", "recv_notify",
            "push_format", "auto_reconnect", "contexts", "trd_market", "security_firm", "demo", "id"}
_SCALARS = {"str": str, "int": int, "int | None": int, "bool": bool, "float": float}


def _check_type(where: str, key: str, annotation: str, value: Any) -> Any:
    if annotation in _SCALARS:
        want = _SCALARS[annotation]
        ok = isinstance(value, want) or (want is float and isinstance(value, int))
        if not ok or (want is not bool and isinstance(value, bool)):
            kind = "a number" if want is float else want.__name__
            raise ConfigError(f"{where}{key} must be {kind}, got {value!r}")
        return float(value) if want is float else value
    if annotation == "list[str]":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}{key} must be a list of strings, got {value!r}")
        return value
    # list[Subscription]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(f"{where}{key} must be tables ([[endpoint.subscriptions]] with codes and "
                          f"types), got {value!r}")
    subs = []
    for i, item in enumerate(value):
        at = f"{where}subscription {i + 1}: "
        extra = sorted(set(item) - {"codes", "types"}) or ([] if "codes" in item else ["(no codes)"])
        if extra:
            raise ConfigError(f"{at}unknown key {extra[0]!r}; a subscription has codes = "
                              "\"HK.00700,US.AAPL\" and types = [\"basic\", ...]")
        subs.append(Subscription(_check_type(at, "codes", "str", item["codes"]),
                                 list(_check_type(at, "types", "list[str]", item.get("types", ["basic"])))))
    return subs


def demo_endpoint() -> Endpoint:
    """The built-in demo gateway; a first start connects all its contexts."""
    kinds = list(CONTEXT_KINDS)
    return Endpoint(name="Demo gateway", host="127.0.0.1", port=0, demo=True, contexts=kinds,
                    connect_on_start=list(kinds), id="demo")


# ------------------------------------------------------------------------------ the file
def decode(data: bytes, source: str = "profiles") -> str:
    """The file's text; a ConfigError that points at the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")  # a BOM (some Windows editors) is fine
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(f"{source} is not UTF-8 text (byte 0x{data[exc.start]:02x} at line {line}, "
                          f"column {col}); save it as UTF-8 in your editor, or remove it to start "
                          "with the demo gateway") from None


def parse(text: str, source: str = "profiles") -> tuple[list[Endpoint], list[str]]:
    """``(endpoints, problems)``. Faults of the whole file raise ConfigError; a bad endpoint (or a
    later one reusing a name or id) is left out and its problem listed."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source} is not valid TOML: {exc}; fix the file or remove it to "
                          "start with the demo gateway") from None
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ConfigError(f"{source}: version must be 1 or {SCHEMA_VERSION}, not {version!r}; "
                          f"this OpenDeck writes version = {SCHEMA_VERSION}")
    if version > SCHEMA_VERSION:
        raise ConfigError(f"{source} has version {version}, written by a newer OpenDeck; this one reads "
                          f"versions 1 and {SCHEMA_VERSION}: update OpenDeck, or remove the file to start "
                          "with the demo gateway")
    extra = sorted(set(data) - {"version", "endpoint"})
    if extra:
        raise ConfigError(f"{source}: unknown top-level key {extra[0]!r}; the file holds version "
                          "and [[endpoint]] tables")
    items = data.get("endpoint", [])
    if not isinstance(items, list):
        raise ConfigError(f"{source}: 'endpoint' must be an array of tables ([[endpoint]])")
    out: list[Endpoint] = []
    problems: list[str] = []
    ids: set[str] = set()
    names: set[str] = set()
    for i, d in enumerate(items):
        where = f"{source}, endpoint {i + 1}: "
        try:
            if not isinstance(d, dict):
                raise ConfigError(f"{where}must be a table ([[endpoint]] with keys), not {d!r}")
            ep = Endpoint.from_dict(d, where, version).validate(where)
            if ep.id in ids:
                raise ConfigError(f"{where}shares an id with an endpoint above; remove one or change its id")
            if ep.name.strip().casefold() in names:
                raise ConfigError(f"{where}two endpoints are named {ep.name!r}; names must be unique")
        except ConfigError as exc:
            problems.append(str(exc))
            continue
        ids.add(ep.id)
        names.add(ep.name.strip().casefold())
        out.append(ep)
    return out, problems


def loads(text: str, source: str = "profiles") -> list[Endpoint]:
    """Every endpoint of a file's text, or a ConfigError naming each problem (strict: imports)."""
    eps, problems = parse(text, source)
    if problems:
        raise ConfigError("; ".join(problems))
    return eps


def dumps(endpoints: list[Endpoint]) -> str:
    return tomli_w.dumps({"version": SCHEMA_VERSION, "endpoint": [e.to_dict() for e in endpoints]})


def load(path: Path | str | None = None) -> list[Endpoint]:
    """The saved endpoints, or the demo endpoint alone on a first start; strict (ConfigError)."""
    p = Path(path) if path else default_profiles_path()
    return read_file(p) if p.exists() else [demo_endpoint()]


def read_file(path: Path | str) -> list[Endpoint]:
    """Every endpoint of a profile file (imports); ConfigError if missing, unreadable or invalid."""
    p = Path(path).expanduser()
    return loads(decode(_read(p), str(p)), str(p))


def _read(p: Path) -> bytes:
    try:
        return p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {p}: {exc.strerror or exc}; check that it is a file you "
                          "can read, or start OpenDeck with another OPENDECK_CONFIG_DIR") from None


def load_or_recover(path: Path | str | None = None, *, now: float | None = None
                    ) -> tuple[list[Endpoint], ConfigError | None, Path | None]:
    """``(endpoints, problem, backup)``: what could be read, never raising.

    ``problem`` says what was wrong, what was kept and where; ``backup`` is the copy of the file as
    it was (None when nothing needed keeping or the copy failed). Nothing usable: the demo endpoint.
    """
    p = Path(path) if path else default_profiles_path()
    if not p.exists():
        return [demo_endpoint()], None, None
    try:
        data = _read(p)
    except ConfigError as exc:
        return [demo_endpoint()], exc, None
    if not data.strip():
        return [demo_endpoint()], ConfigError(
            f"{p} is empty (it may have been cut short, e.g. by a full disk); OpenDeck started with "
            "the demo gateway; saving endpoints writes it again"), None
    try:
        eps, problems = parse(decode(data, str(p)), str(p))
    except ConfigError as exc:
        eps, problems = [], [str(exc)]
    if not problems:
        return eps, None, None
    backup, why = backup_broken(p, data, now=now)
    opened = f"the {len(eps)} valid endpoint(s)" if eps else "the demo gateway"
    kept = (f"the file as it was is kept as {backup}" if backup is not None else
            f"a copy could not be kept ({why}): copy {p.name} yourself before changing endpoints")
    msg = ("; ".join(problems) + f". OpenDeck opened {opened}; {kept}; changing the endpoints "
           f"here writes a new {p.name}.")
    return (eps or [demo_endpoint()]), ConfigError(msg), backup


def backup_broken(path: Path, data: bytes, *, now: float | None = None) -> tuple[Path | None, str]:
    """Keep ``data`` as ``<name>.broken-<UTC stamp>`` unless a backup holds these bytes already.

    ``(backup, "")``, or ``(None, reason)`` when it could not be written. Never overwrites one.
    """
    try:
        for old in sorted(path.parent.glob(path.name + ".broken-*")):
            if old.is_file() and old.stat().st_size == len(data) and old.read_bytes() == data:
                return old, ""
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))
        base = path.with_name(f"{path.name}.broken-{stamp}")
        for n in range(1, 1000):
            target = base if n == 1 else base.with_name(f"{base.name}-{n}")
            try:
                with open(target, "xb") as f:
                    f.write(data)
                return target, ""
            except FileExistsError:
                continue
        return None, "too many backups with the same time stamp"
    except OSError as exc:
        return None, exc.strerror or str(exc)


def file_version(path: Path) -> object:
    """The ``version`` of an existing profile file (1 when it has none), or None if unreadable."""
    try:
        return tomllib.loads(decode(path.read_bytes())).get("version", 1)
    except (OSError, ConfigError, tomllib.TOMLDecodeError):
        return None


def save(endpoints: list[Endpoint], path: Path | str | None = None) -> Path:
    """Write atomically (a temp file, fsync, rename); raises OSError when the disk refuses.

    The first save over a version-1 file keeps it as ``<name>.v1`` for an older OpenDeck.
    """
    p = Path(path) if path else default_profiles_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    text = dumps(endpoints)
    if p.is_file() and file_version(p) == 1:
        old = p.with_name(p.name + ".v1")
        if not old.exists():
            old.write_bytes(p.read_bytes())
    tmp = p.with_name(p.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(p)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
    return p
