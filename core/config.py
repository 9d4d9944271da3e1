"""Endpoint profiles: a TOML file in the user's config dir, validated, holding no secrets.

::

    version = 1

    [[endpoint]]
    name = "Local OpenD"
    host = "127.0.0.1"
    port = 11111
    rsa_key = "~/keys/opend.pem"      # a path; the key itself is never copied in here
    contexts = ["quote", "trade-sec"]
    ...
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import tomli_w

from . import codes
from .errors import ConfigError

APP_NAME = "OpenDeck"
CONTEXT_KINDS = ("quote", "trade-sec", "trade-future")
PUSH_FORMATS = ("protobuf", "json")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)"
                       r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$")


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_profiles_path() -> Path:
    return config_dir() / "endpoints.toml"


_FIELD_TYPES = {"str": str, "int": int, "bool": bool, "list[str]": list}


@dataclass
class Endpoint:
    name: str
    host: str = "127.0.0.1"
    port: int = 11111
    rsa_key: str = ""  # path to the PKCS#1 private key OpenD uses; empty = no encryption
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

    def problems(self) -> dict[str, str]:
        """Field name -> what is wrong and what to do. Empty when valid."""
        p: dict[str, str] = {}
        if not self.name.strip():
            p["name"] = "give the endpoint a name"
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
            if not isinstance(self.port, int) or not 1 <= self.port <= 65535:
                p["port"] = "port must be 1-65535 (OpenD's default API port is 11111)"
        if self.rsa_key:
            path = Path(self.rsa_key).expanduser()
            if not path.is_file():
                p["rsa_key"] = f"no key file at {path}; pick the PEM OpenD's rsa_private_key uses"
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
        if self.trd_market and self.trd_market.upper() not in codes.TRD_MARKETS:
            p["trd_market"] = f"unknown trade market {self.trd_market!r}; use {', '.join(codes.TRD_MARKETS)}"
        if self.security_firm and self.security_firm not in codes.SECURITY_FIRMS:
            p["security_firm"] = f"unknown security firm; use {', '.join(codes.SECURITY_FIRMS)}"
        return p

    def validate(self) -> Endpoint:
        p = self.problems()
        if p:
            raise ConfigError(f"endpoint {self.name or '(unnamed)'}: "
                              + "; ".join(f"{k}: {v}" for k, v in p.items()))
        return self

    def copy(self, **changes: Any) -> Endpoint:
        return dataclasses.replace(self, **changes)

    def duplicate(self) -> Endpoint:
        return dataclasses.replace(self, name=f"{self.name} (copy)", id=uuid.uuid4().hex[:8],
                                   contexts=list(self.contexts))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "") -> Endpoint:
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ConfigError(f"{where}unknown key {unknown[0]!r}; known keys: {', '.join(known)}")
        if "name" not in data:
            raise ConfigError(f"{where}every endpoint needs a name")
        kwargs = {}
        for key, value in data.items():
            expected = _FIELD_TYPES[known[key].type]
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise ConfigError(f"{where}{key} must be {expected.__name__}, got {value!r}")
            if expected is list and not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}{key} must be a list of strings, got {value!r}")
            kwargs[key] = value
        return cls(**kwargs)


def demo_endpoint() -> Endpoint:
    return Endpoint(name="Demo gateway", host="127.0.0.1", port=0, demo=True,
                    contexts=["quote", "trade-sec", "trade-future"], id="demo")


def loads(text: str, source: str = "profiles") -> list[Endpoint]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source} is not valid TOML: {exc}; fix the file or remove it to "
                          "start with the demo gateway") from None
    version = data.get("version", 1)
    if version != 1:
        raise ConfigError(f"{source} has version {version!r}; this OpenDeck reads version 1")
    items = data.get("endpoint", [])
    if not isinstance(items, list):
        raise ConfigError(f"{source}: 'endpoint' must be an array of tables ([[endpoint]])")
    out = []
    for i, d in enumerate(items):
        if not isinstance(d, dict):
            raise ConfigError(f"{source}, endpoint {i + 1}: must be a table ([[endpoint]] with "
                              f"keys), not {d!r}")
        out.append(Endpoint.from_dict(d, f"{source}, endpoint {i + 1}: ").validate())
    ids = [e.id for e in out]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{source}: two endpoints share an id; remove one or change its id")
    names = [e.name.strip().casefold() for e in out]
    if len(set(names)) != len(names):
        dup = next(e.name for e in out if names.count(e.name.strip().casefold()) > 1)
        raise ConfigError(f"{source}: two endpoints are named {dup!r}; names must be unique")
    return out


def dumps(endpoints: list[Endpoint]) -> str:
    return tomli_w.dumps({"version": 1, "endpoint": [e.to_dict() for e in endpoints]})


def load(path: Path | str | None = None) -> list[Endpoint]:
    """The saved endpoints, or the demo endpoint alone on a first start."""
    p = Path(path) if path else default_profiles_path()
    if not p.exists():
        return [demo_endpoint()]
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {p}: {exc.strerror or exc}") from None
    return loads(text, str(p))


def save(endpoints: list[Endpoint], path: Path | str | None = None) -> Path:
    p = Path(path) if path else default_profiles_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(p.suffix + ".tmp")
    tmp.write_text(dumps(endpoints), encoding="utf-8")
    tmp.replace(p)
    return p
