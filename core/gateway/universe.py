"""The demo gateway's fixed universe: real, well-known codes with their static facts.

Hang Seng Index and Nasdaq-100 constituents, the largest SSE / SZSE names, HSI and MHI
futures (main contract and the next two months), a few ETFs, warrants on the largest HK
names, two indices, and option chains on a handful of underlyings. Every code a request may
name is looked up here first: :meth:`Universe.spec` returns None for anything else, and the
handlers refuse it as real OpenD does ("unknown stock"), before any table is touched.

Lot sizes, names and listing dates are the public facts as we know them; the reference
prices only seed the demo's random walks (:mod:`.pricepath`), they are not quotes.
(A few lines past ~500: most of the file is that table of codes, which reads best in one place.)
"""

from __future__ import annotations

import datetime as _dt
import zlib
from dataclasses import dataclass, field

from ..pb import Qot_Common_pb2

_Q = Qot_Common_pb2  # wire values from the generated descriptors (one source, issue 7)
HK, HK_FUTURE, US = _Q.QotMarket_HK_Security, _Q.QotMarket_HK_Future, _Q.QotMarket_US_Security
CNSH, CNSZ = _Q.QotMarket_CNSH, _Q.QotMarket_CNSZ
MARKET_PREFIX = {HK: "HK", HK_FUTURE: "HK", US: "US", CNSH: "SH", CNSZ: "SZ"}
BOND, EQTY, TRUST, WARRANT = (_Q.SecurityType_Bond, _Q.SecurityType_Eqty, _Q.SecurityType_Trust,
                              _Q.SecurityType_Warrant)
INDEX, PLATE, DRVT, FUTURE = (_Q.SecurityType_Index, _Q.SecurityType_Plate,
                              _Q.SecurityType_Drvt, _Q.SecurityType_Future)
EXCH_HK_MAIN, EXCH_HKEX = _Q.ExchType_HK_MainBoard, _Q.ExchType_HK_HKEX
EXCH_NYSE, EXCH_NASDAQ, EXCH_US_OPTION = _Q.ExchType_US_NYSE, _Q.ExchType_US_Nasdaq, \
    _Q.ExchType_US_Option
EXCH_SH, EXCH_SZ = _Q.ExchType_CN_SH, _Q.ExchType_CN_SZ

SecKey = tuple[int, str]


@dataclass(frozen=True)
class Spec:
    """Static facts of one instrument."""

    key: SecKey
    name: str
    lot: int
    sec_type: int
    listed: str          # YYYY-MM-DD
    ref_price: float     # seeds the walk: the close of the day before the demo starts
    exch: int = 0
    owner: SecKey | None = None          # warrants, options: the underlying
    warrant_type: int = 0                # Qot_Common.WarrantType
    option_type: int = 0                 # Qot_Common.OptionType (1 call, 2 put)
    strike: float = 0.0
    expiry: str = ""                     # options: strike date; futures: last trade date
    main_contract: bool = False
    walk: str = ""  # the code whose random walk this one follows (index futures, tracker ETFs)
    shares_out: float = 1e9
    sid: int = field(default=0, compare=False)

    @property
    def market(self) -> int:
        return self.key[0]

    @property
    def code(self) -> str:
        return self.key[1]

    @property
    def tradable(self) -> bool:
        return self.sec_type not in (INDEX, PLATE)

    @property
    def text(self) -> str:
        return sec_str(self.key)


def sec_str(key: SecKey) -> str:
    return f"{MARKET_PREFIX.get(key[0], str(key[0]))}.{key[1]}"


def stock_id(key: SecKey) -> int:
    """A stable positive id per code (SecurityStaticBasic.id)."""
    return (key[0] << 40) | zlib.crc32(key[1].encode())


# code|name|lot|ref price|listing date  (HK: Hang Seng Index constituents)
_HSI = """
00001|CKH HOLDINGS|500|42.5|1972-11-01
00002|CLP HOLDINGS|500|65.3|1986-01-02
00003|HK & CHINA GAS|1000|6.12|1960-04-11
00005|HSBC HOLDINGS|400|96.4|1991-07-29
00006|POWER ASSETS|500|50.1|1976-01-05
00011|HANG SENG BANK|100|98.7|1972-07-05
00012|HENDERSON LAND|1000|24.6|1981-07-09
00016|SHK PPT|500|81.2|1972-08-23
00017|NEW WORLD DEV|1000|5.9|1972-11-23
00027|GALAXY ENT|1000|34.8|1991-10-16
00066|MTR CORPORATION|500|27.4|2000-10-05
00101|HANG LUNG PPT|1000|6.9|1980-04-22
00175|GEELY AUTO|1000|14.6|1973-02-23
00241|ALI HEALTH|2000|3.6|1994-01-06
00267|CITIC|1000|9.3|1986-02-26
00285|BYD ELECTRONIC|500|33.9|2007-12-20
00288|WH GROUP|500|6.1|2014-08-05
00291|CHINA RES BEER|2000|27.8|1973-11-05
00316|OOIL|500|118.0|1992-07-31
00322|TINGYI|2000|11.2|1996-02-21
00386|SINOPEC CORP|2000|4.4|2000-10-19
00388|HKEX|100|330.0|2000-06-27
00669|TECHTRONIC IND|500|101.5|1990-06-27
00688|CHINA OVERSEAS|500|13.1|1992-08-20
00700|TENCENT|100|412.0|2004-06-16
00762|CHINA UNICOM|2000|7.4|2000-06-22
00823|LINK REIT|100|34.9|2005-11-25
00836|CHINA RES POWER|2000|18.4|2003-11-12
00857|PETROCHINA|2000|5.6|2000-04-07
00868|XINYI GLASS|2000|7.9|2005-02-03
00881|ZHONGSHENG HLDG|500|13.4|2010-03-26
00883|CNOOC|1000|18.1|2001-02-28
00939|CCB|1000|6.3|2005-10-27
00941|CHINA MOBILE|500|74.5|1997-10-23
00960|LONGFOR GROUP|500|10.2|2009-11-19
00968|XINYI SOLAR|2000|3.4|2013-12-12
00981|SMIC|500|38.6|2004-03-18
00992|LENOVO GROUP|2000|9.8|1994-02-14
01038|CKI HOLDINGS|500|52.3|1996-07-17
01044|HENGAN INTL|500|23.1|1998-12-08
01088|CHINA SHENHUA|500|33.5|2005-06-15
01093|CSPC PHARMA|2000|5.5|1994-06-21
01099|SINOPHARM|400|18.9|2009-09-25
01109|CHINA RES LAND|500|25.6|1996-11-08
01113|CK ASSET|500|31.4|2015-06-03
01177|SINO BIOPHARM|1000|3.1|2000-09-29
01209|CHINA RES MIXC|200|27.9|2020-12-09
01211|BYD COMPANY|500|268.0|2002-07-31
01299|AIA|200|56.8|2010-10-29
01378|CHINAHONGQIAO|500|11.6|2011-03-24
01398|ICBC|1000|4.9|2006-10-27
01810|XIAOMI-W|200|29.5|2018-07-09
01876|BUD APAC|100|8.3|2019-09-30
01928|SANDS CHINA LTD|400|16.2|2009-11-30
01929|CHOW TAI FOOK|200|8.1|2011-12-15
01997|WHARF REIC|1000|20.4|2017-11-23
02015|LI AUTO-W|100|88.5|2021-08-12
02020|ANTA SPORTS|200|84.6|2007-07-10
02269|WUXI BIO|500|14.8|2017-06-13
02313|SHENZHOU INTL|100|57.3|2005-11-24
02318|PING AN|500|46.2|2004-06-24
02319|MENGNIU DAIRY|1000|16.0|2004-06-10
02331|LI NING|500|16.9|2004-06-28
02382|SUNNY OPTICAL|100|58.9|2007-06-15
02388|BOC HONG KONG|500|24.8|2002-07-25
02628|CHINA LIFE|1000|14.2|2003-12-18
02688|ENN ENERGY|100|56.4|2001-06-27
02899|ZIJIN MINING|2000|15.1|2003-12-23
03690|MEITUAN-W|100|152.0|2018-09-20
03692|HANSOH PHARMA|2000|18.6|2019-06-14
03968|CM BANK|500|39.7|2006-09-22
03988|BANK OF CHINA|1000|4.1|2006-06-01
06618|JD HEALTH|50|28.4|2020-12-08
06690|HAIER SMARTHOME|200|27.1|2020-12-23
06862|HAIDILAO|1000|14.9|2018-09-26
09618|JD-SW|50|146.0|2020-06-18
09633|NONGFU SPRING|200|33.6|2020-09-08
09888|BIDU-SW|50|85.2|2021-03-23
09961|TRIP.COM-S|50|460.0|2021-04-19
09988|BABA-W|100|96.5|2019-11-26
09999|NTES-S|100|142.0|2020-06-11
01024|KUAISHOU-W|100|55.4|2021-02-05
"""

# code|name|lot|ref price|listing date|exchange (N Nasdaq, Y NYSE)  (Nasdaq-100 and a few more)
_NDX = """
AAPL|Apple|1|229.9|1980-12-12|N
MSFT|Microsoft|1|423.5|1986-03-13|N
NVDA|NVIDIA|1|138.2|1999-01-22|N
AMZN|Amazon|1|204.6|1997-05-15|N
META|Meta Platforms|1|589.3|2012-05-18|N
GOOGL|Alphabet-A|1|171.4|2004-08-19|N
GOOG|Alphabet-C|1|172.9|2014-04-03|N
AVGO|Broadcom|1|168.4|2009-08-06|N
TSLA|Tesla|1|336.0|2010-06-29|N
COST|Costco|1|918.2|1985-12-05|N
NFLX|Netflix|1|880.4|2002-05-23|N
AMD|AMD|1|137.5|1972-09-27|N
PEP|PepsiCo|1|157.6|1972-06-01|N
ADBE|Adobe|1|516.1|1986-08-13|N
CSCO|Cisco|1|59.1|1990-02-16|N
TMUS|T-Mobile US|1|246.8|2007-04-19|N
QCOM|Qualcomm|1|158.4|1991-12-13|N
INTC|Intel|1|24.1|1971-10-13|N
TXN|Texas Instruments|1|200.7|1972-06-01|N
INTU|Intuit|1|644.2|1993-03-12|N
AMGN|Amgen|1|283.0|1983-06-17|N
ISRG|Intuitive Surgical|1|539.9|2000-06-13|N
CMCSA|Comcast|1|43.2|1972-06-29|N
HON|Honeywell|1|226.3|1970-01-02|N
AMAT|Applied Materials|1|173.8|1972-10-27|N
BKNG|Booking|1|5190.0|1999-03-30|N
VRTX|Vertex Pharma|1|472.4|1991-07-24|N
SBUX|Starbucks|1|102.6|1992-06-26|N
GILD|Gilead Sciences|1|92.5|1992-01-22|N
ADP|ADP|1|306.5|1961-09-01|N
MDLZ|Mondelez|1|61.9|2001-06-13|N
REGN|Regeneron|1|751.3|1991-04-02|N
ADI|Analog Devices|1|217.4|1979-07-27|N
PANW|Palo Alto Networks|1|387.6|2012-07-20|N
LRCX|Lam Research|1|72.5|1984-05-04|N
MU|Micron|1|100.3|1984-06-01|N
KLAC|KLA|1|646.0|1980-10-08|N
SNPS|Synopsys|1|541.2|1992-02-26|N
CDNS|Cadence Design|1|305.7|1987-06-10|N
MELI|MercadoLibre|1|1984.0|2007-08-10|N
PYPL|PayPal|1|86.8|2015-07-06|N
ASML|ASML|1|690.5|1995-03-15|N
MAR|Marriott|1|289.1|1993-10-12|N
CTAS|Cintas|1|224.6|1983-08-19|N
ABNB|Airbnb|1|136.2|2020-12-10|N
CRWD|CrowdStrike|1|348.5|2019-06-12|N
ORLY|O'Reilly Automotive|1|1220.0|1993-04-22|N
CSX|CSX|1|36.6|1980-11-03|N
MNST|Monster Beverage|1|55.2|1985-12-20|N
WDAY|Workday|1|258.8|2012-10-12|N
NXPI|NXP Semiconductors|1|229.4|2010-08-06|N
ROP|Roper Technologies|1|566.0|1992-02-13|N
FTNT|Fortinet|1|94.5|2009-11-18|N
CEG|Constellation Energy|1|256.3|2022-02-02|N
PCAR|PACCAR|1|116.9|1972-06-01|N
ADSK|Autodesk|1|293.4|1985-06-28|N
MRVL|Marvell Technology|1|92.6|2000-06-27|N
DASH|DoorDash|1|175.4|2020-12-09|N
CPRT|Copart|1|63.6|1994-03-17|N
PAYX|Paychex|1|146.2|1983-08-26|N
ROST|Ross Stores|1|152.6|1985-08-08|N
AEP|American Electric Power|1|100.1|1949-01-03|N
KDP|Keurig Dr Pepper|1|32.4|2008-05-07|N
ODFL|Old Dominion Freight|1|224.5|1991-10-24|N
CHTR|Charter Communications|1|397.8|2010-09-14|N
FAST|Fastenal|1|83.3|1987-08-20|N
KHC|Kraft Heinz|1|31.8|2015-07-06|N
EA|Electronic Arts|1|162.7|1989-09-20|N
VRSK|Verisk|1|291.5|2009-10-07|N
EXC|Exelon|1|39.4|1973-01-02|N
BKR|Baker Hughes|1|43.9|2017-07-05|N
CTSH|Cognizant|1|80.2|1998-06-19|N
GEHC|GE HealthCare|1|84.6|2023-01-04|N
XEL|Xcel Energy|1|72.3|1973-01-02|N
LULU|Lululemon|1|318.8|2007-07-27|N
DDOG|Datadog|1|153.1|2019-09-19|N
IDXX|IDEXX Labs|1|423.1|1991-06-21|N
CCEP|Coca-Cola Europacific|1|77.1|1986-11-21|N
TTD|The Trade Desk|1|128.4|2016-09-21|N
AZN|AstraZeneca|1|65.8|1993-05-12|N
FANG|Diamondback Energy|1|177.6|2012-10-12|N
ON|ON Semiconductor|1|70.3|2000-04-28|N
CSGP|CoStar Group|1|76.9|1998-07-01|N
ZS|Zscaler|1|205.7|2018-03-16|N
DXCM|DexCom|1|77.8|2005-04-14|N
BIIB|Biogen|1|160.5|1991-09-17|N
TEAM|Atlassian|1|262.8|2015-12-10|N
GFS|GlobalFoundries|1|43.5|2021-10-28|N
CDW|CDW|1|176.2|2013-06-27|N
MDB|MongoDB|1|322.3|2017-10-19|N
ILMN|Illumina|1|144.7|2000-07-28|N
WBD|Warner Bros Discovery|1|10.6|2005-07-07|N
ARM|Arm Holdings|1|139.4|2023-09-14|N
MCHP|Microchip|1|68.3|1993-03-19|N
LIN|Linde|1|459.0|1992-06-17|N
PDD|PDD Holdings|1|101.2|2018-07-26|N
DLTR|Dollar Tree|1|71.9|1995-03-06|N
PLTR|Palantir|1|67.2|2020-09-30|N
APP|AppLovin|1|330.6|2021-04-15|N
AXON|Axon Enterprise|1|640.0|2001-05-08|N
SPY|SPDR S&P 500 ETF|1|602.6|1993-01-29|Y
QQQ|Invesco QQQ|1|515.3|1999-03-10|N
"""

# SSE (SH) and SZSE (SZ) large caps: market|code|name|ref price|listing date
_CN = """
SH|600519|Kweichow Moutai|1540.0|2001-08-27
SH|600000|SPD Bank|10.4|1999-11-10
SH|601398|ICBC|6.52|2006-10-27
SH|601288|Agricultural Bank|4.96|2010-07-15
SH|601988|Bank of China|5.18|2006-07-05
SH|601857|PetroChina|8.21|2007-11-05
SH|600036|China Merchants Bank|38.9|2002-04-09
SH|601318|Ping An Insurance|53.6|2007-03-01
SH|600900|China Yangtze Power|28.4|2003-11-18
SH|601088|China Shenhua|39.7|2007-10-09
SH|600028|Sinopec|6.12|2001-08-08
SH|688981|SMIC|94.2|2020-07-16
SZ|300750|CATL|265.0|2018-06-11
SZ|000858|Wuliangye|145.6|1998-04-27
SZ|000333|Midea Group|74.3|2013-09-18
SZ|002594|BYD|292.0|2011-06-30
SZ|000001|Ping An Bank|11.6|1991-04-03
SZ|002415|Hikvision|30.1|2010-05-28
SZ|300059|East Money|24.8|2010-03-19
SZ|000651|Gree Electric|45.2|1996-11-18
SZ|300760|Mindray|247.0|2018-10-16
"""

_HK_ETF = """
02800|TRACKER FUND|500|23.6|1999-11-12
02828|HANG SENG CHINA ENT|200|86.4|2003-12-10
03033|CSOP HS TECH|200|4.9|2020-08-28
"""

# HK plates: code|name|plate set type (1 industry, 3 concept)|members
_HK_PLATES = """
BK1910|Internet|1|00700 09988 03690 09618 09888 09999 09961 01024 06618 00241
BK1911|Banks|1|00005 00011 00939 01398 03988 03968 02388
BK1912|Insurance|1|01299 02318 02628
BK1913|Property|1|00012 00016 00017 00101 00688 00960 01109 01113 01997 00823
BK1914|Utilities|1|00002 00003 00006 01038 00836 02688
BK1915|Autos and EV|1|00175 01211 02015 00881
BK1916|Energy|1|00386 00857 00883 01088
BK1917|Consumer|1|00288 00291 00322 01876 01929 02020 02313 02319 02331 06862 09633 01044
BK1918|Semiconductors|1|00981 00285 02382 00992 01810
BK1919|Pharma and Health|1|01093 01099 01177 02269 03692 00241 06618
BK1920|Macau Gaming|3|00027 01928
BK1921|HS Tech|3|00700 09988 03690 09618 09888 09999 09961 01810 02015 00981 00285 00992 06618 00241
"""

_US_PLATES = """
BK2001|Semiconductors|1|NVDA AVGO AMD QCOM INTC TXN AMAT ADI LRCX MU KLAC NXPI MRVL MCHP ON GFS ASML ARM
BK2002|Software|1|MSFT ADBE INTU PANW SNPS CDNS CRWD WDAY FTNT ADSK DDOG ZS TEAM MDB PLTR TTD APP ROP
BK2003|Internet|1|GOOGL GOOG AMZN META NFLX BKNG ABNB DASH MELI PDD PYPL
BK2004|Biotech|1|AMGN VRTX GILD REGN BIIB ILMN AZN ISRG DXCM IDXX GEHC
BK2005|Consumer|1|AAPL COST PEP SBUX MDLZ MNST KDP KHC LULU ROST ORLY DLTR MAR CCEP
BK2006|Magnificent Seven|3|AAPL MSFT NVDA AMZN META GOOGL TSLA
"""

_CN_PLATES = """
SH|BK3001|Banks|1|601398 601288 601988 600036
SZ|BK3002|New Energy|3|300750 002594
SH|BK3003|Liquor|1|600519
SZ|BK3004|Consumer Electronics|1|000333 000651 002415
"""

#: underlying -> (strike step, expiries: days ahead of the demo date)
OPTION_UNDERLYINGS: dict[SecKey, float] = {
    (US, "AAPL"): 5.0, (US, "TSLA"): 10.0, (US, "NVDA"): 5.0, (US, "SPY"): 5.0,
    (HK, "00700"): 10.0,
}
#: HK option roots (HKATS codes)
_HK_OPTION_ROOT = {"00700": "TCH"}
OPTION_EXPIRY_DAYS = (4, 11, 25, 53)
OPTION_STRIKES_EACH_SIDE = 4


class Universe:
    """Every instrument the demo gateway knows, and how they relate (plates, owners)."""

    def __init__(self, today: _dt.date) -> None:
        self.today = today
        self.specs: dict[SecKey, Spec] = {}
        self.plates: dict[SecKey, tuple[str, int, tuple[SecKey, ...]]] = {}
        self._load()

    # -- lookup --------------------------------------------------------------------------

    def spec(self, key: SecKey) -> Spec | None:
        return self.specs.get(key)

    def __contains__(self, key: SecKey) -> bool:
        return key in self.specs

    def of_market(self, market: int, sec_type: int | None = None) -> list[Spec]:
        mkts = (CNSH, CNSZ) if market in (CNSH, CNSZ) and sec_type is None else (market,)
        return [s for s in self.specs.values() if s.market in mkts
                and (sec_type is None or s.sec_type == sec_type)]

    def plates_of_market(self, market: int, set_type: int = 0) -> list[tuple[SecKey, str, int]]:
        cn = (CNSH, CNSZ)
        return [(k, name, t) for k, (name, t, _m) in self.plates.items()
                if (k[0] == market or (market in cn and k[0] in cn))
                and (set_type == 0 or t == set_type)]

    def owner_plates(self, key: SecKey) -> list[tuple[SecKey, str, int]]:
        return [(k, name, t) for k, (name, t, members) in self.plates.items() if key in members]

    def warrants_of(self, owner: SecKey) -> list[Spec]:
        return [s for s in self.specs.values() if s.sec_type == WARRANT and s.owner == owner]

    def futures_of(self, index: SecKey) -> list[Spec]:
        if index != (HK, "800000"):
            return []
        return [s for s in self.specs.values() if s.sec_type == FUTURE]

    def options_of(self, owner: SecKey) -> list[Spec]:
        return [s for s in self.specs.values() if s.sec_type == DRVT and s.owner == owner]

    # -- building ------------------------------------------------------------------------

    def _add(self, spec: Spec) -> Spec:
        spec = Spec(**{**spec.__dict__, "sid": stock_id(spec.key)})
        self.specs[spec.key] = spec
        return spec

    def _load(self) -> None:
        for line in _rows(_HSI):
            code, name, lot, price, listed = line
            self._add(Spec((HK, code), name, int(lot), EQTY, listed, float(price), EXCH_HK_MAIN,
                           shares_out=5e9))
        for code, name, lot, price, listed in _rows(_HK_ETF):
            self._add(Spec((HK, code), name, int(lot), TRUST, listed, float(price), EXCH_HK_MAIN))
        for code, name, lot, price, listed, exch in _rows(_NDX):
            self._add(Spec((US, code), name, int(lot), TRUST if code in ("SPY", "QQQ") else EQTY,
                           listed, float(price), EXCH_NASDAQ if exch == "N" else EXCH_NYSE,
                           shares_out=2e9))
        for mkt, code, name, price, listed in _rows(_CN):
            market = CNSH if mkt == "SH" else CNSZ
            self._add(Spec((market, code), name, 100, EQTY, listed, float(price),
                           EXCH_SH if market == CNSH else EXCH_SZ, shares_out=8e9))
        self._add(Spec((HK, "800000"), "HSI", 1, INDEX, "1969-11-24", 23500.0, EXCH_HK_MAIN))
        self._add(Spec((HK, "800700"), "HSTECH", 1, INDEX, "2020-07-27", 5200.0, EXCH_HK_MAIN))
        for code, index in (("02800", "800000"), ("03033", "800700")):  # tracker ETFs
            etf = self.specs[(HK, code)]
            self._add(Spec(**{**etf.__dict__, "walk": index}))
        self._futures()
        self._warrants()
        self._options()
        for code, name, t, members in _rows(_HK_PLATES):
            self.plates[(HK, code)] = (name, int(t), self._members(HK, members))
        for code, name, t, members in _rows(_US_PLATES):
            self.plates[(US, code)] = (name, int(t), self._members(US, members))
        for mkt, code, name, t, members in _rows(_CN_PLATES):
            market = CNSH if mkt == "SH" else CNSZ
            keys = tuple(k for c in members.split()
                         for k in ((CNSH, c), (CNSZ, c)) if k in self.specs)
            self.plates[(market, code)] = (name, int(t), keys)

    def _members(self, market: int, members: str) -> tuple[SecKey, ...]:
        return tuple(k for k in ((market, c) for c in members.split()) if k in self.specs)

    def _futures(self) -> None:
        months = []
        d = self.today.replace(day=1)
        if _second_last_business_day(d) < self.today:  # this month's contract has expired
            d = (d + _dt.timedelta(days=32)).replace(day=1)
        for _ in range(3):
            months.append(d)
            d = (d + _dt.timedelta(days=32)).replace(day=1)
        index = self.specs[(HK, "800000")]
        for root, name in (("HSI", "HSI"), ("MHI", "Mini HSI")):
            for i, m in enumerate(months):  # a small basis over the index per month out
                last = _second_last_business_day(m)
                code = f"{root}{m:%y%m}"
                self._add(Spec((HK, code), f"{name} {m:%y%m}", 1, FUTURE, "2000-01-01",
                               index.ref_price + 20.0 + 12 * i, EXCH_HKEX,
                               expiry=last.isoformat(), main_contract=i == 0, walk="800000"))
            first = months[0]
            self._add(Spec((HK, f"{root}main"), f"{name} main", 1, FUTURE, "2000-01-01",
                           index.ref_price + 20.0, EXCH_HKEX,
                           expiry=_second_last_business_day(first).isoformat(),
                           main_contract=True, walk="800000"))

    def _warrants(self) -> None:
        for i, owner in enumerate(("00700", "09988", "03690", "00005", "00388")):
            o = self.specs[(HK, owner)]
            for j, (wtype, label, k) in enumerate(((1, "EC", 1.1), (2, "EP", 0.9),
                                                    (3, "RC", 0.92), (4, "RP", 1.08))):
                code = f"{14000 + i * 100 + j * 7 + 11:05d}"
                strike = round(o.ref_price * k, 2)
                expiry = (self.today + _dt.timedelta(days=120 + 30 * j)).isoformat()
                price = max(0.01, round(abs(o.ref_price - strike) / 100 + 0.05 + 0.02 * j, 3))
                self._add(Spec((HK, code), f"{o.name[:5]}#{label}{expiry[2:4]}{expiry[5:7]}",
                               10000, WARRANT, "2025-06-02", price, EXCH_HK_MAIN,
                               owner=o.key, warrant_type=wtype, strike=strike, expiry=expiry))

    def _options(self) -> None:
        for owner, step in OPTION_UNDERLYINGS.items():
            o = self.specs[owner]
            atm = round(o.ref_price / step) * step
            for days in OPTION_EXPIRY_DAYS:
                exp = self.today + _dt.timedelta(days=days)
                while exp.weekday() != 4:  # options expire on a Friday here
                    exp += _dt.timedelta(days=1)
                for n in range(-OPTION_STRIKES_EACH_SIDE, OPTION_STRIKES_EACH_SIDE + 1):
                    strike = atm + n * step
                    for otype, letter in ((1, "C"), (2, "P")):
                        self._add(_option_spec(o, exp, strike, otype, letter, days))


def _option_spec(o: Spec, exp: _dt.date, strike: float, otype: int, letter: str,
                 days: int) -> Spec:
    intrinsic = max(0.0, (o.ref_price - strike) if otype == 1 else (strike - o.ref_price))
    time_value = o.ref_price * 0.012 * (days / 7) ** 0.5
    price = round(max(0.01, intrinsic + time_value), 2)
    if o.market == US:
        code = f"{o.code}{exp:%y%m%d}{letter}{int(round(strike * 1000))}"
        name = f"{o.code} {exp:%y%m%d} {strike:g} {'Call' if otype == 1 else 'Put'}"
        lot = 100
    else:
        root = _HK_OPTION_ROOT.get(o.code, o.code)
        code = f"{root}{exp:%y%m%d}{letter}{int(round(strike * 1000))}"
        name = f"{o.name} {exp:%y%m%d} {strike:g} {'Call' if otype == 1 else 'Put'}"
        lot = o.lot
    return Spec((o.market, code), name, lot, DRVT, (exp - _dt.timedelta(days=days + 60)).isoformat(),
                price, EXCH_HKEX if o.market == HK else EXCH_US_OPTION, owner=o.key, option_type=otype,
                strike=strike, expiry=exp.isoformat())


def _second_last_business_day(month_start: _dt.date) -> _dt.date:
    d = (month_start + _dt.timedelta(days=32)).replace(day=1) - _dt.timedelta(days=1)
    seen = 0
    while True:
        if d.weekday() < 5:
            seen += 1
            if seen == 2:
                return d
        d -= _dt.timedelta(days=1)


def _rows(table: str) -> list[list[str]]:
    return [line.split("|") for line in table.strip().splitlines() if line.strip()]
