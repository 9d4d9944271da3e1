"""Endpoint profiles: TOML round trip, schema 2 and migration, validation messages, recovery from
broken files, directories, no secrets."""

import errno
from pathlib import Path

import pytest

from opendeck.core import config
from opendeck.core.config import Endpoint, Subscription
from opendeck.core.errors import ConfigError
from opendeck.core.events import Transport

V1_FILE = """version = 1

[[endpoint]]
name = "Local OpenD"
host = "127.0.0.1"
port = 11111
rsa_key = ""
client_id = "OpenDeck"
client_ver = 300
language = "Python"
recv_notify = true
push_format = "protobuf"
auto_reconnect = true
contexts = ["quote", "trade-sec"]
trd_market = "HK"
security_firm = "FutuSecurities"
demo = false
id = "a1b2c3d4"

[[endpoint]]
name = "Demo gateway"
port = 0
demo = true
contexts = ["quote", "trade-sec", "trade-future"]
id = "demo"
"""


def test_first_start_gives_the_demo_endpoint(tmp_path: Path):
    eps = config.load(tmp_path / "missing.toml")
    assert len(eps) == 1 and eps[0].demo and eps[0].name == "Demo gateway"
    assert eps[0].connect_on_start == list(config.CONTEXT_KINDS)  # a first start connects it


def test_round_trip(tmp_path: Path):
    eps = [config.demo_endpoint(),
           Endpoint(name="VPS", host="opend.example.com", port=11111,
                    contexts=["quote", "trade-sec"], trd_market="HK", push_format="json",
                    connect_on_start=["quote"], acc_push=False,
                    subscriptions=[Subscription("HK.00700,US.AAPL", ["basic", "ticker"]),
                                   Subscription("SH.600000", ["kl_1m"])]),
           Endpoint(name="WS box", host="10.0.0.7", transport="wss", ca_cert="", tls_verify=False,
                    heartbeat_interval=2.5)]
    path = config.save(eps, tmp_path / "sub" / "endpoints.toml")
    assert path.read_text().startswith("version = 2\n")
    assert config.load(path) == eps
    assert config.load(path)[2].transport is Transport.WSS


@pytest.mark.parametrize("changes, field, words", [
    ({"name": " "}, "name", "name"),
    ({"host": "bad host!"}, "host", "neither an IP address nor a host name"),
    ({"port": 0}, "port", "1-65535"),
    ({"port": 70000}, "port", "11111"),
    ({"port": 70000, "transport": "ws"}, "port", "33333"),
    ({"rsa_key": "/nonexistent/key.pem"}, "rsa_key", "no file at"),
    ({"push_format": "xml"}, "push_format", "protobuf"),
    ({"contexts": ["quote", "options"]}, "contexts", "trade-sec"),
    ({"contexts": ["quote", "quote"]}, "contexts", "once"),
    ({"trd_market": "MARS"}, "trd_market", "HK"),
    ({"security_firm": "Acme"}, "security_firm", "FutuSecurities"),
    ({"client_id": ""}, "client_id", "empty"),
    ({"transport": "udp"}, "transport", "tcp"),
    ({"transport": "ws", "websocket_key_file": "/nonexistent/key"}, "websocket_key_file",
     "asked for the key"),
    ({"transport": "ws", "heartbeat_interval": 0.5}, "heartbeat_interval", "1-120 seconds"),
    ({"transport": "wss", "heartbeat_interval": 500.0}, "heartbeat_interval", "1-120 seconds"),
    ({"transport": "wss", "ca_cert": "/nonexistent/ca.pem"}, "ca_cert", "self-signed"),
    ({"subscriptions": [Subscription("XX.1")]}, "subscriptions", "unknown market"),
    ({"subscriptions": [Subscription("HK.00700", ["candles"])]}, "subscriptions", "unknown sub type"),
    ({"subscriptions": [Subscription(" , ")]}, "subscriptions", "at least one code"),
    ({"subscriptions": [Subscription("HK.00700", [])]}, "subscriptions", "at least one sub type"),
])
def test_problems_say_what_to_do(changes, field, words):
    ep = Endpoint(name="x").copy(**changes)
    problems = ep.problems()
    assert field in problems and words in problems[field]
    with pytest.raises(ConfigError, match=field):
        ep.validate()


def test_settings_the_transport_does_not_use_are_kept_and_ignored():
    ws_only = Endpoint(name="x", websocket_key_file="/nonexistent", heartbeat_interval=0.1,
                       ca_cert="/nonexistent")
    assert ws_only.problems() == {} and ws_only.websocket_key_file == "/nonexistent"
    assert Endpoint(name="x", transport="ws", rsa_key="/nonexistent/key.pem").problems() == {}
    assert Endpoint(name="x", transport="ws", ca_cert="/nonexistent").problems() == {}


def test_demo_endpoint_needs_no_host_or_port():
    assert config.demo_endpoint().problems() == {}


@pytest.mark.parametrize("transport, port", [("tcp", 11111), ("ws", 33333), ("wss", 33333)])
def test_port_defaults_by_transport(transport, port):
    assert Endpoint(name="x", transport=transport).port == port
    text = f"version = 2\n[[endpoint]]\nname = 'a'\ntransport = '{transport}'\n"
    assert config.loads(text)[0].port == port
    assert Endpoint(name="x", transport=transport, port=4000).port == 4000


def test_transport_is_read_case_insensitively():
    assert Endpoint(name="x", transport=" WSS ").transport is Transport.WSS


def test_with_transport_moves_only_a_default_port():
    tcp = Endpoint(name="x")
    assert tcp.with_transport("ws").port == 33333 and tcp.with_transport("ws").transport is Transport.WS
    assert tcp.with_transport("ws").with_transport("tcp").port == 11111
    assert tcp.copy(port=4000).with_transport("wss").port == 4000


def test_heartbeat_interval_accepts_whole_numbers():
    ep = config.loads("version = 2\n[[endpoint]]\nname = 'a'\ntransport = 'ws'\nheartbeat_interval = 5\n")[0]
    assert ep.heartbeat_interval == 5.0 and isinstance(ep.heartbeat_interval, float)


def test_connect_on_start_is_a_marker_on_contexts():
    ep = Endpoint(name="x", contexts=["quote", "trade-sec"], connect_on_start=["trade-sec", "quote"])
    assert ep.connect_on_start == ["trade-sec", "quote"]
    assert ep.copy(connect_on_start=["quote", "quote"]).connect_on_start == ["quote"]
    assert ep.copy(contexts=["quote"]).connect_on_start == ["quote"]  # unticking a context unticks it
    with pytest.raises(ConfigError, match="'trade-future', which is not in contexts; add it to contexts"):
        config.loads("version = 2\n[[endpoint]]\nname = 'a'\ncontexts = ['quote']\n"
                     "connect_on_start = ['trade-future']\n")


def test_copies_share_no_list():
    ep = Endpoint(name="a", contexts=["quote"], subscriptions=[Subscription("HK.00700", ["basic"])])
    dup = ep.duplicate()
    dup.contexts.append("trade-sec")
    dup.subscriptions[0].types.append("ticker")
    assert dup.id != ep.id and dup.name == "a (copy)" and ep.contexts == ["quote"]
    assert ep.subscriptions[0].types == ["basic"]


def test_subscription_parses_through_codes():
    s = Subscription("HK.00700, us.aapl", ["basic", "kl_1m"])
    assert s.securities() == [(1, "00700"), (11, "AAPL")] and s.subtypes() == [1, 11] and s.problem() == ""


@pytest.mark.parametrize("text, words", [
    ("version = 1\n[[endpoint]]\nname = 'a'\nport = 'x'\n", "port must be int"),
    ("version = 1\n[[endpoint]]\nname = 'a'\npassword = 'x'\n", "unknown key 'password'"),
    ("version = 1\n[[endpoint]]\nport = 1\n", "needs a name"),
    ("version = 3\n", "newer OpenDeck"),
    ("version = 'two'\n", "version must be 1 or 2"),
    ("version = 0\n", "version = 2"),
    ("version = 2\nendpoints = []\n", "unknown top-level key 'endpoints'"),
    ("version = 1\nendpoint = 3\n", "array of tables"),
    ("not toml [", "not valid TOML"),
    ("version = 1\n[[endpoint]]\nname = 'a'\nrecv_notify = 1\n", "recv_notify must be bool"),
    ("version = 1\n[[endpoint]]\nname = 'a'\nport = true\n", "port must be int"),
    ("version = 1\nendpoint = [1]\n", "must be a table"),
    ("version = 1\n[[endpoint]]\nname = 'a'\nclient_ver = 3000000000\n", "client_ver"),
    ("version = 1\n[[endpoint]]\nname = 'a'\ncontexts = []\n", "at least one context"),
    ("version = 1\n[[endpoint]]\nname = 'a'\n[[endpoint]]\nname = 'A '\n", "named"),
    ("version = 1\n[[endpoint]]\nname = 'a'\ntransport = 'ws'\n", "'transport' needs version = 2"),
    ("version = 2\n[[endpoint]]\nname = 'a'\nheartbeat_interval = 'x'\n",
     "heartbeat_interval must be a number"),
    ("version = 2\n[[endpoint]]\nname = 'a'\ntls_verify = 'yes'\n", "tls_verify must be bool"),
    ("version = 2\n[[endpoint]]\nname = 'a'\nsubscriptions = 'HK.00700'\n", "[[endpoint.subscriptions]]"),
    ("version = 2\n[[endpoint]]\nname = 'a'\n[[endpoint.subscriptions]]\ncodes = ['HK.00700']\n",
     "codes must be str"),
    ("version = 2\n[[endpoint]]\nname = 'a'\n[[endpoint.subscriptions]]\ncodes = 'HK.1'\nkind = 1\n",
     "unknown key 'kind'"),
    ("version = 2\n[[endpoint]]\nname = 'a'\n[[endpoint.subscriptions]]\ncodes = 'HK.1'\ntypes = 'basic'\n",
     "types must be a list"),
    ("version = 2\n[[endpoint]]\nname = 'a'\n[[endpoint.subscriptions]]\ncodes = 'MARS.1'\n",
     "unknown market 'MARS'"),
])
def test_bad_files_are_typed_errors(text, words):
    with pytest.raises(ConfigError, match=words.replace("[", r"\[").replace("]", r"\]")):
        config.loads(text)


def test_duplicate_ids_rejected():
    ep = Endpoint(name="a", id="same")
    with pytest.raises(ConfigError, match="shares an id"):
        config.loads(config.dumps([ep, ep.copy(name="b")]))


# ---------------------------------------------------------------------------- migration
def test_version_1_files_are_migrated(tmp_path: Path):
    path = tmp_path / "endpoints.toml"
    path.write_text(V1_FILE)
    local, demo = config.load(path)
    assert (local.name, local.transport, local.port, local.contexts) == (
        "Local OpenD", Transport.TCP, 11111, ["quote", "trade-sec"])
    assert local.connect_on_start == [] and demo.connect_on_start == []  # v1 connected nothing at launch
    assert local.subscriptions == [] and local.acc_push and local.tls_verify
    assert demo.demo and demo.port == 0
    config.save([local, demo], path)
    assert config.file_version(path) == 2 and config.load(path) == [local, demo]
    assert (tmp_path / "endpoints.toml.v1").read_text() == V1_FILE  # for an older OpenDeck
    config.save([local], path)
    assert (tmp_path / "endpoints.toml.v1").read_text() == V1_FILE  # kept once, not replaced


# ---------------------------------------------------------------------------- broken files
def test_non_utf8_is_a_config_error_that_points_at_the_byte(tmp_path: Path):
    path = tmp_path / "endpoints.toml"
    path.write_bytes(b"version = 2\n[[endpoint]]\nname = 'caf\xe9'\n")
    with pytest.raises(ConfigError,
                       match=r"not UTF-8 text \(byte 0xe9 at line 3, column 12\); save it as UTF-8"):
        config.load(path)


def test_read_file_is_strict_for_imports(tmp_path: Path):
    with pytest.raises(ConfigError, match="cannot read .*missing.toml"):
        config.read_file(tmp_path / "missing.toml")
    (tmp_path / "bad.toml").write_bytes(b"\xff")
    with pytest.raises(ConfigError, match="not UTF-8"):
        config.read_file(tmp_path / "bad.toml")
    path = config.save([Endpoint(name="a", id="x")], tmp_path / "ok.toml")
    assert [e.name for e in config.read_file(path)] == ["a"]


def test_a_bom_is_fine(tmp_path: Path):
    path = tmp_path / "endpoints.toml"
    path.write_bytes(b"\xef\xbb\xbf" + config.dumps([Endpoint(name="a", id="x")]).encode())
    assert config.load(path)[0].name == "a"


def test_recover_missing_and_valid(tmp_path: Path):
    eps, problem, backup = config.load_or_recover(tmp_path / "endpoints.toml")
    assert [e.id for e in eps] == ["demo"] and problem is None and backup is None
    path = config.save([Endpoint(name="a", id="x")], tmp_path / "endpoints.toml")
    eps, problem, backup = config.load_or_recover(path)
    assert [e.name for e in eps] == ["a"] and problem is None and backup is None
    assert not list(tmp_path.glob("*.broken-*"))


BROKEN = {
    "non-utf8": (b"version = 2\n\xff\xfe\n", "not UTF-8"),
    "not-toml": (b"version = 2\n[[endpoint]\n", "not valid TOML"),
    "newer": (b"version = 9\n", "newer OpenDeck"),
    "layout": (b"version = 2\nendpoint = 'x'\n", "array of tables"),
    "all-bad": (b"version = 2\n[[endpoint]]\nport = 1\n", "needs a name"),
    "truncated": (V1_FILE[:40].encode(), "not valid TOML"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_recover_each_kind_of_corruption(tmp_path: Path, kind):
    data, words = BROKEN[kind]
    path = tmp_path / "endpoints.toml"
    path.write_bytes(data)
    eps, problem, backup = config.load_or_recover(path, now=1_796_158_800)  # 2026-12-01 21:00 UTC
    assert [e.id for e in eps] == ["demo"]
    assert isinstance(problem, ConfigError) and words in str(problem)
    assert "opened the demo gateway" in str(problem) and str(backup) in str(problem)
    assert backup == tmp_path / "endpoints.toml.broken-20261201T210000Z"
    assert backup.read_bytes() == data and path.read_bytes() == data  # the original is left as it was


def test_one_bad_endpoint_costs_only_itself(tmp_path: Path):
    good = [Endpoint(name="a", id="1"), Endpoint(name="b", id="2")]
    bad = "\n[[endpoint]]\nname = 'c'\nport = 99999\nid = '3'\n[[endpoint]]\nname = 'A'\nid = '4'\n"
    path = tmp_path / "endpoints.toml"
    path.write_text(config.dumps(good) + bad)
    eps, problem, backup = config.load_or_recover(path)
    assert eps == good
    text = str(problem)
    assert "endpoint 3: " in text and "port must be 1-65535" in text and "endpoint 4: " in text
    assert "named 'A'" in text and "opened the 2 valid endpoint(s)" in text
    assert backup is not None and backup.read_text() == path.read_text()


def test_an_empty_file_is_said_but_not_backed_up(tmp_path: Path):
    path = tmp_path / "endpoints.toml"
    path.write_bytes(b"  \n")
    eps, problem, backup = config.load_or_recover(path)
    assert [e.id for e in eps] == ["demo"] and "is empty" in str(problem) and backup is None


def test_an_unreadable_path_is_a_problem_not_a_crash(tmp_path: Path):
    path = tmp_path / "endpoints.toml"
    path.mkdir()
    eps, problem, backup = config.load_or_recover(path)
    assert [e.id for e in eps] == ["demo"] and "cannot read" in str(problem) and backup is None
    with pytest.raises(ConfigError, match="cannot read"):
        config.load(path)


def test_each_distinct_broken_file_gets_its_own_backup(tmp_path: Path):
    path = tmp_path / "endpoints.toml"
    path.write_bytes(b"\xff first")
    _, _, first = config.load_or_recover(path, now=1_796_158_800)
    _, _, again = config.load_or_recover(path, now=1_796_158_900)  # the same bytes: no new copy
    assert again == first
    path.write_bytes(b"[[ second")
    _, _, second = config.load_or_recover(path, now=1_796_158_800)  # same second, other bytes
    assert second == tmp_path / "endpoints.toml.broken-20261201T210000Z-2"
    path.write_bytes(b"[[ third")
    _, _, third = config.load_or_recover(path, now=1_796_245_200)
    assert third.name == "endpoints.toml.broken-20261202T210000Z"
    assert first.read_bytes() == b"\xff first" and second.read_bytes() == b"[[ second"
    assert len(list(tmp_path.glob("endpoints.toml.broken-*"))) == 3


def test_a_backup_that_cannot_be_written_is_said(tmp_path: Path, monkeypatch):
    path = tmp_path / "endpoints.toml"
    path.write_bytes(b"[[ broken")

    def refuse(*a, **kw):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(config, "open", refuse, raising=False)
    eps, problem, backup = config.load_or_recover(path)
    assert backup is None and "could not be kept (Read-only file system)" in str(problem)
    assert "copy endpoints.toml yourself" in str(problem)


def test_a_failed_save_leaves_the_old_file_and_no_temp(tmp_path: Path, monkeypatch):
    path = config.save([Endpoint(name="a", id="1")], tmp_path / "endpoints.toml")
    before = path.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(config.os, "fsync", full)
    with pytest.raises(OSError, match="No space"):
        config.save([Endpoint(name="b", id="2")], path)
    assert path.read_bytes() == before and list(tmp_path.iterdir()) == [path]


# ---------------------------------------------------------------------------- directories
def test_directories_honour_the_environment(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("OPENDECK_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("OPENDECK_DATA_DIR", str(tmp_path / "data"))
    assert config.config_dir() == tmp_path / "cfg"
    assert config.default_profiles_path() == tmp_path / "cfg" / "endpoints.toml"
    assert config.data_dir() == tmp_path / "data"
    assert config.recordings_dir() == tmp_path / "data" / "recordings"
    assert config.journal_dir() == tmp_path / "data" / "journal"
    monkeypatch.setenv("OPENDECK_CONFIG_DIR", "~/odk")
    assert config.config_dir() == Path.home() / "odk"


def test_unset_or_empty_environment_gives_the_platform_dirs(monkeypatch):
    monkeypatch.delenv("OPENDECK_CONFIG_DIR", raising=False)
    monkeypatch.setenv("OPENDECK_DATA_DIR", " ")
    platform_cfg, platform_data = config.config_dir(), config.data_dir()
    assert platform_cfg.name == "OpenDeck" and platform_data.name == "OpenDeck"


# ---------------------------------------------------------------------------- security
def test_profiles_hold_no_secret_fields(tmp_path: Path):
    names = set(Endpoint(name="x").to_dict())
    assert not any(s in n for n in names for s in ("password", "pwd", "secret", "aes", "md5"))
    assert {n for n in names if "key" in n} == {"rsa_key", "websocket_key_file"}  # paths only
    key_file = tmp_path / "ws.key"
    key_file.write_text("  s3cret-websocket-key\n")
    ep = Endpoint(name="x", transport="ws", websocket_key_file=str(key_file))
    assert ep.read_websocket_key() == "s3cret-websocket-key"
    path = config.save([ep], tmp_path / "endpoints.toml")
    assert "s3cret" not in path.read_text() and str(key_file) in path.read_text()


@pytest.mark.parametrize("content, words",
                         [(b"", "is empty"), (b"\n \n", "is empty"), (b"\xff\xfe", "not text")])
def test_websocket_key_file_problems(tmp_path: Path, content, words):
    key_file = tmp_path / "ws.key"
    key_file.write_bytes(content)
    with pytest.raises(ConfigError, match=words):
        Endpoint(name="x", transport="ws", websocket_key_file=str(key_file)).read_websocket_key()
    with pytest.raises(ConfigError, match="cannot read the WebSocket key file"):
        Endpoint(name="x", websocket_key_file=str(tmp_path / "none")).read_websocket_key()
    assert Endpoint(name="x").read_websocket_key() == ""


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("LOCALHOST.", True), ("::ffff:127.0.0.1", True), ("10.0.0.5", False), ("0.0.0.0", False),
    ("opend.example.com", False), ("localhost.example.com", False), ("192.168.1.2", False),
])
def test_is_loopback(host, loopback):
    assert config.is_loopback(host) is loopback


@pytest.mark.parametrize("kw, plaintext", [
    ({"host": "10.0.0.5"}, True),  # tcp without RSA to another host
    ({"host": "10.0.0.5", "rsa_key": "/k.pem"}, False),
    ({"host": "127.0.0.1"}, False),
    ({"host": "localhost", "transport": "ws"}, False),
    ({"host": "10.0.0.5", "transport": "ws"}, True),
    ({"host": "10.0.0.5", "transport": "ws", "rsa_key": "/k.pem"}, True),  # RSA is TCP's only
    ({"host": "10.0.0.5", "transport": "wss"}, False),
    ({"host": "10.0.0.5", "demo": True}, False),
])
def test_plaintext_remote(kw, plaintext):
    assert Endpoint(name="x", **kw).plaintext_remote is plaintext

