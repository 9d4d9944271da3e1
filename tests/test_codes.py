"""Security codes and sub types as people type them."""

import pytest

from opendeck.core import codes
from opendeck.core.errors import ConfigError


@pytest.mark.parametrize("text, want", [
    ("HK.00700", (1, "00700")),
    ("hk.00700", (1, "00700")),  # the market is case-insensitive
    ("  HK.00700 ", (1, "00700")),
    ("US.aapl", (11, "AAPL")),  # US codes are uppercased
    ("us.brk.b", (11, "BRK.B")),  # the first dot splits; US codes may hold one
    ("SH.600000", (21, "600000")),
    ("SZ.000001", (22, "000001")),
    ("HK_FUTURE.HSImain", (2, "HSImain")),  # other markets keep the code's case
])
def test_parse_code(text, want):
    assert codes.parse_code(text) == want


@pytest.mark.parametrize("text, words", [
    ("MARS.00700", "unknown market 'MARS'"),
    ("00700", "must look like HK.00700"),  # missing dot
    ("HK.", "must look like HK.00700"),
    (".00700", "must look like HK.00700"),
    ("", "must look like HK.00700"),
    ("HK.007 00", "must look like HK.00700"),
])
def test_parse_code_rejects_with_advice(text, words):
    with pytest.raises(ConfigError, match=words):
        codes.parse_code(text)


def test_unknown_market_lists_the_valid_ones():
    with pytest.raises(ConfigError) as e:
        codes.parse_code("XX.1")
    assert "HK" in str(e.value) and "US" in str(e.value)


def test_format_code_round_trips():
    for text in ("HK.00700", "US.AAPL", "SH.600000", "HK_FUTURE.HSImain"):
        assert codes.format_code(*codes.parse_code(text)) == text
    assert codes.format_code(999, "X") == "999.X"


def test_parse_codes():
    assert codes.parse_codes("HK.00700, us.aapl,,") == [(1, "00700"), (11, "AAPL")]
    assert codes.parse_codes(["HK.00700", " "]) == [(1, "00700")]
    assert codes.parse_codes("") == []
    with pytest.raises(ConfigError, match="unknown market"):
        codes.parse_codes("HK.00700,XX.1")


def test_parse_subtypes():
    assert codes.parse_subtypes("basic, Ticker,orderbook") == [1, 4, 2]
    assert codes.parse_subtypes(["kl_1m", "kline", "quote"]) == [11, 11, 1]
    assert codes.parse_subtypes("kl_quarter,orderbook_odd,broker,rt") == [15, 22, 14, 5]
    with pytest.raises(ConfigError, match="unknown sub type 'candles'.*kl_1m"):
        codes.parse_subtypes("basic,candles")
    for empty in ("", " , ", []):
        with pytest.raises(ConfigError, match="at least one sub type"):
            codes.parse_subtypes(empty)


def test_all_21_sub_types_are_offered():
    assert len(codes.SUBTYPE_NAMES) == 21
    assert all(codes.parse_subtypes(name) == [v] for v, name in codes.SUBTYPE_NAMES.items())
