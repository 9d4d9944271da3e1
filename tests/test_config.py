"""Endpoint profiles: TOML round trip, validation messages, first start, no secrets."""

from pathlib import Path

import pytest

from opendeck.core import config
from opendeck.core.errors import ConfigError


def test_first_start_gives_the_demo_endpoint(tmp_path: Path):
    eps = config.load(tmp_path / "missing.toml")
    assert len(eps) == 1 and eps[0].demo and eps[0].name == "Demo gateway"


def test_round_trip(tmp_path: Path):
    eps = [config.demo_endpoint(),
           config.Endpoint(name="VPS", host="opend.example.com", port=11111,
                           contexts=["quote", "trade-sec"], trd_market="HK", push_format="json")]
    path = config.save(eps, tmp_path / "sub" / "endpoints.toml")
    assert config.load(path) == eps


@pytest.mark.parametrize("changes, field, words", [
    ({"name": " "}, "name", "name"),
    ({"host": "bad host!"}, "host", "neither an IP address nor a host name"),
    ({"port": 0}, "port", "1-65535"),
    ({"port": 70000}, "port", "11111"),
    ({"rsa_key": "/nonexistent/key.pem"}, "rsa_key", "no key file"),
    ({"push_format": "xml"}, "push_format", "protobuf"),
    ({"contexts": ["quote", "options"]}, "contexts", "trade-sec"),
    ({"trd_market": "MARS"}, "trd_market", "HK"),
    ({"security_firm": "Acme"}, "security_firm", "FutuSecurities"),
    ({"client_id": ""}, "client_id", "empty"),
])
def test_problems_say_what_to_do(changes, field, words):
    ep = config.Endpoint(name="x").copy(**changes)
    problems = ep.problems()
    assert field in problems and words in problems[field]
    with pytest.raises(ConfigError, match=field):
        ep.validate()


def test_demo_endpoint_needs_no_host_or_port():
    assert config.demo_endpoint().problems() == {}


@pytest.mark.parametrize("text, words", [
    ("version = 1\n[[endpoint]]\nname = 'a'\nport = 'x'\n", "port must be int"),
    ("version = 1\n[[endpoint]]\nname = 'a'\npassword = 'x'\n", "unknown key 'password'"),
    ("version = 1\n[[endpoint]]\nport = 1\n", "needs a name"),
    ("version = 2\n", "version 2"),
    ("version = 1\nendpoint = 3\n", "array of tables"),
    ("not toml [", "not valid TOML"),
    ("version = 1\n[[endpoint]]\nname = 'a'\nrecv_notify = 1\n", "recv_notify must be bool"),
    ("version = 1\n[[endpoint]]\nname = 'a'\nport = true\n", "port must be int"),
    ("version = 1\nendpoint = [1]\n", "must be a table"),
    ("version = 1\n[[endpoint]]\nname = 'a'\nclient_ver = 3000000000\n", "client_ver"),
    ("version = 1\n[[endpoint]]\nname = 'a'\ncontexts = []\n", "at least one context"),
    ("version = 1\n[[endpoint]]\nname = 'a'\n[[endpoint]]\nname = 'A '\n", "named"),
])
def test_bad_files_are_typed_errors(text, words):
    with pytest.raises(ConfigError, match=words):
        config.loads(text)


def test_duplicate_ids_rejected():
    ep = config.Endpoint(name="a", id="same")
    with pytest.raises(ConfigError, match="share an id"):
        config.loads(config.dumps([ep, ep.copy(name="b")]))


def test_duplicate_gets_new_id_and_own_context_list():
    ep = config.Endpoint(name="a", contexts=["quote"])
    dup = ep.duplicate()
    dup.contexts.append("trade-sec")
    assert dup.id != ep.id and dup.name == "a (copy)" and ep.contexts == ["quote"]


def test_profiles_hold_no_secret_fields():
    names = {f for f in config.Endpoint(name="x").to_dict()}
    assert not any(s in n for n in names for s in ("password", "pwd", "secret", "aes"))
