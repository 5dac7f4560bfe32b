"""InvestKing's /v2 API driven by the official alpaca-py SDK, changed only in its base URL and keys.

Every check goes through the SDK's own client objects and models (no raw_data, no hand-made HTTP for what
the SDK can do), so a field the SDK cannot parse, a status it does not expect or a frame its streams reject
fails here with the SDK's own exception. Prices are forced with admin ticks (Samsung Electronics 005930:
previous close 249,500, 500-won grid; a tick at P quotes bid P-500 / ask P+500 unless given), and the values
asserted are the ones the server must compute: fills at the ask (buys) or the bid (sells), KRX fees of
150 ppm commission on each side and 2,000 ppm sell tax, both rounded down to the won.

Each test that trades signs up its own user, so cash and positions are exact whatever ran before it.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from contextlib import contextmanager
from decimal import Decimal
from typing import Callable, Iterator, List

import pytest
from alpaca.common.enums import Sort
from alpaca.common.exceptions import APIError
from alpaca.data.enums import DataFeed
from alpaca.data.historical.stock import StockHistoricalDataClient
from alpaca.data.live.stock import StockDataStream
from alpaca.data.models import Bar, Quote, Snapshot, Trade
from alpaca.data.requests import (
    StockBarsRequest,
    StockLatestQuoteRequest,
    StockLatestTradeRequest,
    StockSnapshotRequest,
    StockTradesRequest,
)
from alpaca.data.timeframe import TimeFrame
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import (
    AccountStatus,
    AssetClass,
    AssetExchange,
    AssetStatus,
    OrderClass,
    OrderSide,
    OrderStatus,
    OrderType,
    PositionSide,
    QueryOrderStatus,
    TimeInForce,
    TradeEvent,
)
from alpaca.trading.models import Order, TradeUpdate
from alpaca.trading.requests import (
    ClosePositionRequest,
    CreateWatchlistRequest,
    GetAssetsRequest,
    GetCalendarRequest,
    GetOrdersRequest,
    LimitOrderRequest,
    MarketOrderRequest,
    ReplaceOrderRequest,
    StopLimitOrderRequest,
    StopOrderRequest,
    UpdateWatchlistRequest,
)
from alpaca.trading.stream import TradingStream

from conftest import Server, User, wait_until

SAMSUNG = "005930"   # KOSPI, previous close 249,500, tick 500
HYUNDAI = "005380"   # KOSPI, previous close 401,000, tick 500; only the market-data test ticks it
SK_HYNIX = "000660"
START_CASH = 10_000_000
STREAM_DEADLINE_S = 20.0


def D(value) -> Decimal:
    """Compares the SDK's str-or-float money and quantity fields exactly ("250500.00" == 250500)."""
    assert value is not None, "expected a number, got None"
    return Decimal(str(value))


def commission(notional: int) -> int:
    return notional * 150 // 1_000_000


def tax(notional: int) -> int:
    return notional * 2_000 // 1_000_000


def trading(server: Server, user: User) -> TradingClient:
    return TradingClient(user.key_id, user.secret_key, paper=True, url_override=server.base_url)


def market_data(server: Server, user: User) -> StockHistoricalDataClient:
    return StockHistoricalDataClient(user.key_id, user.secret_key, url_override=server.base_url)


def api_error(call: Callable[[], object]) -> APIError:
    with pytest.raises(APIError) as info:
        call()
    return info.value


def buy(symbol: str, qty: int, **kw) -> MarketOrderRequest:
    return MarketOrderRequest(symbol=symbol, qty=qty, side=OrderSide.BUY, time_in_force=kw.pop("tif", TimeInForce.DAY), **kw)


def limit(symbol: str, qty: int, side: OrderSide, price: int, tif=TimeInForce.GTC, **kw) -> LimitOrderRequest:
    return LimitOrderRequest(symbol=symbol, qty=qty, side=side, time_in_force=tif, limit_price=price, **kw)


def assert_order(o: Order, *, symbol=SAMSUNG, qty=None, side=None, type_=None, status=None, filled_qty=None,
                 filled_avg_price=None, limit_price=None, stop_price=None) -> None:
    assert isinstance(o, Order)
    assert isinstance(o.id, uuid.UUID)
    assert o.symbol == symbol
    assert o.asset_class == AssetClass.US_EQUITY
    assert o.order_class == OrderClass.SIMPLE
    assert o.created_at.tzinfo is not None and o.submitted_at.tzinfo is not None
    if qty is not None:
        assert D(o.qty) == qty
    if side is not None:
        assert o.side == side
    if type_ is not None:
        assert o.type == type_ and o.order_type == type_
    if status is not None:
        assert o.status == status, f"order {o.id}: status {o.status}, expected {status}"
    if filled_qty is not None:
        assert D(o.filled_qty) == filled_qty
    if filled_avg_price is not None:
        assert D(o.filled_avg_price) == filled_avg_price
    if status == OrderStatus.FILLED:
        assert o.filled_at is not None and o.filled_at.tzinfo is not None
    if limit_price is not None:
        assert D(o.limit_price) == limit_price
    if stop_price is not None:
        assert D(o.stop_price) == stop_price


# ---- account, orders, positions -------------------------------------------------------------------------

def test_account_is_krw_with_the_starting_cash(server, bob):
    account = trading(server, bob).get_account()
    assert isinstance(account.id, uuid.UUID)
    assert account.status == AccountStatus.ACTIVE
    assert account.currency == "KRW"
    assert D(account.cash) == START_CASH
    assert D(account.buying_power) == START_CASH
    assert D(account.equity) == START_CASH
    assert D(account.portfolio_value) == START_CASH
    assert D(account.long_market_value) == 0
    assert account.account_number
    assert account.created_at is not None and account.created_at.tzinfo is not None
    assert account.trading_blocked is False and account.account_blocked is False


def test_orders_fill_replace_and_list_at_the_servers_prices(server, alice, bob):
    client = trading(server, alice)
    server.inject(SAMSUNG, 250_000, 1_000)  # bid 249,500, ask 250,500
    cash = START_CASH

    # Market buy, day: fills at once at the ask.
    market = client.submit_order(buy(SAMSUNG, 10))
    assert_order(market, qty=10, side=OrderSide.BUY, type_=OrderType.MARKET, status=OrderStatus.FILLED,
                 filled_qty=10, filled_avg_price=250_500)
    assert market.time_in_force == TimeInForce.DAY
    cash -= 2_505_000 + commission(2_505_000)
    account = client.get_account()
    assert D(account.cash) == cash == 7_494_625
    assert D(account.buying_power) == cash

    # Limit buy, gtc, below the ask: rests, holding price x qty + commission.
    rest = client.submit_order(limit(SAMSUNG, 5, OrderSide.BUY, 249_000, client_order_id="sdk-limit-1"))
    assert_order(rest, qty=5, side=OrderSide.BUY, type_=OrderType.LIMIT, status=OrderStatus.NEW, filled_qty=0,
                 limit_price=249_000)
    assert rest.client_order_id == "sdk-limit-1"
    assert rest.time_in_force == TimeInForce.GTC
    assert rest.filled_avg_price is None
    assert D(client.get_account().buying_power) == cash - 1_245_000 - commission(1_245_000)
    by_client_id = client.get_order_by_client_id("sdk-limit-1")
    assert by_client_id.id == rest.id and by_client_id.status == OrderStatus.NEW
    by_id = client.get_order_by_id(rest.id)
    assert by_id.id == rest.id and by_id.client_order_id == "sdk-limit-1"
    assert by_id.status == OrderStatus.NEW
    assert client.get_order_by_id(str(rest.id)).id == rest.id

    # Replace: 3 shares at 248,500. The answer is the new order; the old one is "replaced".
    replacement = client.replace_order_by_id(rest.id, ReplaceOrderRequest(qty=3, limit_price=248_500))
    assert_order(replacement, qty=3, side=OrderSide.BUY, type_=OrderType.LIMIT, status=OrderStatus.NEW,
                 limit_price=248_500)
    assert replacement.id != rest.id
    assert replacement.replaces == rest.id
    old = client.get_order_by_id(rest.id)
    assert old.status == OrderStatus.REPLACED
    assert old.replaced_by == replacement.id
    assert D(client.get_account().buying_power) == cash - 745_500 - commission(745_500)

    # A tick at the new limit fills the replacement at 248,500.
    server.inject(SAMSUNG, 248_500, 1_000, bid=248_000, ask=248_500)
    filled = client.get_order_by_id(replacement.id)
    assert_order(filled, status=OrderStatus.FILLED, filled_qty=3, filled_avg_price=248_500)
    cash -= 745_500 + commission(745_500)
    assert D(client.get_account().cash) == cash == 6_749_014

    # Stop sell, day, and stop-limit buy, gtc: both rest.
    stop = client.submit_order(StopOrderRequest(symbol=SAMSUNG, qty=4, side=OrderSide.SELL,
                                                time_in_force=TimeInForce.DAY, stop_price=245_000))
    assert_order(stop, qty=4, side=OrderSide.SELL, type_=OrderType.STOP, status=OrderStatus.NEW, stop_price=245_000)
    assert stop.limit_price is None
    stop_limit = client.submit_order(StopLimitOrderRequest(symbol=SAMSUNG, qty=1, side=OrderSide.BUY,
                                                           time_in_force=TimeInForce.GTC, stop_price=252_000,
                                                           limit_price=253_000))
    assert_order(stop_limit, qty=1, side=OrderSide.BUY, type_=OrderType.STOP_LIMIT, status=OrderStatus.NEW,
                 stop_price=252_000, limit_price=253_000)

    position = client.get_open_position(SAMSUNG)
    assert position.symbol == SAMSUNG
    assert position.side == PositionSide.LONG
    assert position.asset_class == AssetClass.US_EQUITY
    assert position.exchange == AssetExchange.NYSE  # KOSPI is shown as NYSE
    assert isinstance(position.asset_id, uuid.UUID)
    assert D(position.qty) == 13
    assert D(position.qty_available) == 9  # 4 held by the stop sell
    assert D(position.cost_basis) == 2_505_000 + 745_500
    assert D(position.current_price) == 248_500
    assert D(position.lastday_price) == 249_500
    assert D(position.market_value) == 13 * 248_500
    assert D(position.unrealized_pl) == 13 * 248_500 - 3_250_500

    open_orders = client.get_orders(GetOrdersRequest(status=QueryOrderStatus.OPEN, symbols=[SAMSUNG]))
    assert {o.id for o in open_orders} == {stop.id, stop_limit.id}
    assert client.get_orders(GetOrdersRequest(status=QueryOrderStatus.OPEN, symbols=[SK_HYNIX])) == []

    # A tick at 252,000 triggers the stop-limit buy, which takes the ask of 252,500 inside its limit.
    server.inject(SAMSUNG, 252_000, 1_000)
    assert_order(client.get_order_by_id(stop_limit.id), status=OrderStatus.FILLED, filled_qty=1,
                 filled_avg_price=252_500)
    cash -= 252_500 + commission(252_500)
    assert client.get_order_by_id(stop.id).status == OrderStatus.NEW

    # A tick at 245,000 triggers the stop sell at the bid of 244,500: commission and sell tax are paid.
    server.inject(SAMSUNG, 245_000, 1_000)
    assert_order(client.get_order_by_id(stop.id), status=OrderStatus.FILLED, filled_qty=4, filled_avg_price=244_500)
    cash += 978_000 - commission(978_000) - tax(978_000)
    account = client.get_account()
    assert D(account.cash) == cash == 7_472_375
    assert D(account.buying_power) == cash
    assert D(account.long_market_value) == 10 * 245_000
    assert D(account.equity) == cash + 10 * 245_000
    cost_14 = 2_505_000 + 745_500 + 252_500
    position = client.get_open_position(SAMSUNG)
    assert D(position.qty) == 10 and D(position.qty_available) == 10
    assert D(position.cost_basis) == cost_14 - cost_14 * 4 // 14

    # Listing: all orders oldest first, the newest two, and none open.
    everything = client.get_orders(GetOrdersRequest(status=QueryOrderStatus.ALL, symbols=[SAMSUNG], limit=50,
                                                    direction=Sort.ASC))
    assert [o.id for o in everything] == [market.id, rest.id, replacement.id, stop.id, stop_limit.id]
    assert [o.status for o in everything] == [OrderStatus.FILLED, OrderStatus.REPLACED, OrderStatus.FILLED,
                                              OrderStatus.FILLED, OrderStatus.FILLED]
    assert [o.side for o in everything] == [OrderSide.BUY, OrderSide.BUY, OrderSide.BUY, OrderSide.SELL, OrderSide.BUY]
    newest = client.get_orders(GetOrdersRequest(status=QueryOrderStatus.ALL, limit=2, direction=Sort.DESC))
    assert [o.id for o in newest] == [stop_limit.id, stop.id]
    sells = client.get_orders(GetOrdersRequest(status=QueryOrderStatus.CLOSED, side=OrderSide.SELL))
    assert [o.id for o in sells] == [stop.id]
    assert client.get_orders(GetOrdersRequest(status=QueryOrderStatus.OPEN)) == []
    assert client.get_orders() == []

    # Bob sees none of it.
    other = trading(server, bob)
    assert api_error(lambda: other.get_order_by_id(market.id)).status_code == 404
    assert api_error(lambda: other.get_order_by_client_id("sdk-limit-1")).status_code == 404
    assert other.get_orders(GetOrdersRequest(status=QueryOrderStatus.ALL)) == []


def test_positions_close_by_qty_by_percentage_and_all(server):
    user = server.sign_up()
    client = trading(server, user)
    server.inject(SAMSUNG, 250_000, 1_000)  # bid 249,500, ask 250,500
    cash = START_CASH
    bought = client.submit_order(buy(SAMSUNG, 10))
    assert_order(bought, status=OrderStatus.FILLED, filled_avg_price=250_500)
    cash -= 2_505_000 + commission(2_505_000)

    positions = client.get_all_positions()
    assert [p.symbol for p in positions] == [SAMSUNG]
    assert D(positions[0].qty) == 10
    assert D(positions[0].avg_entry_price) == 250_500
    assert D(positions[0].cost_basis) == 2_505_000

    # 3 shares by quantity: a market sell at the bid.
    closed = client.close_position(SAMSUNG, ClosePositionRequest(qty="3"))
    assert_order(closed, qty=3, side=OrderSide.SELL, type_=OrderType.MARKET, status=OrderStatus.FILLED,
                 filled_qty=3, filled_avg_price=249_500)
    cash += 748_500 - commission(748_500) - tax(748_500)
    assert D(client.get_open_position(SAMSUNG).qty) == 7

    # 50 % of 7 is 3 whole shares.
    half = client.close_position(SAMSUNG, ClosePositionRequest(percentage="50"))
    assert_order(half, qty=3, side=OrderSide.SELL, type_=OrderType.MARKET, status=OrderStatus.FILLED,
                 filled_avg_price=249_500)
    cash += 748_500 - commission(748_500) - tax(748_500)
    assert D(client.get_open_position(SAMSUNG).qty) == 4

    # More than is held: 403 with Alpaca's code.
    err = api_error(lambda: client.close_position(SAMSUNG, ClosePositionRequest(qty="5")))
    assert err.status_code == 403 and err.code == 40310000, str(err)

    # A resting sell holds one share; close-all with cancel_orders cancels it first and sells all 4.
    resting = client.submit_order(limit(SAMSUNG, 1, OrderSide.SELL, 260_000))
    assert resting.status == OrderStatus.NEW
    assert D(client.get_open_position(SAMSUNG).qty_available) == 3
    results = client.close_all_positions(cancel_orders=True)
    assert len(results) == 1
    result = results[0]
    assert result.symbol == SAMSUNG and result.status == 200
    assert isinstance(result.body, Order), f"close-all body is not an order: {result.body}"
    assert_order(result.body, qty=4, side=OrderSide.SELL, status=OrderStatus.FILLED, filled_avg_price=249_500)
    assert result.order_id == result.body.id
    cash += 998_000 - commission(998_000) - tax(998_000)

    assert client.get_all_positions() == []
    assert client.get_order_by_id(resting.id).status == OrderStatus.CANCELED
    assert client.get_orders(GetOrdersRequest(status=QueryOrderStatus.OPEN)) == []
    assert api_error(lambda: client.get_open_position(SAMSUNG)).status_code == 404
    assert client.close_all_positions() == []
    account = client.get_account()
    assert D(account.cash) == cash == 9_984_262
    assert D(account.buying_power) == cash
    assert D(account.long_market_value) == 0


def test_cancel_one_and_cancel_all(server):
    user = server.sign_up()
    client = trading(server, user)
    server.inject(SAMSUNG, 250_000, 1_000)

    one = client.submit_order(limit(SAMSUNG, 1, OrderSide.BUY, 240_000))
    assert one.status == OrderStatus.NEW
    assert client.cancel_order_by_id(one.id) is None
    canceled = client.get_order_by_id(one.id)
    assert canceled.status == OrderStatus.CANCELED
    assert canceled.canceled_at is not None and canceled.canceled_at.tzinfo is not None
    assert api_error(lambda: client.cancel_order_by_id(one.id)).status_code == 422  # code: see test_refusals_...
    assert api_error(lambda: client.cancel_order_by_id(uuid.uuid4())).status_code == 404

    day = client.submit_order(limit(SAMSUNG, 2, OrderSide.BUY, 240_000, tif=TimeInForce.DAY))
    gtc = client.submit_order(limit(SAMSUNG, 1, OrderSide.BUY, 241_000))
    held = 480_000 + commission(480_000) + 241_000 + commission(241_000)
    assert D(client.get_account().buying_power) == START_CASH - held
    responses = client.cancel_orders()
    assert {r.id for r in responses} == {day.id, gtc.id}
    assert all(r.status == 200 for r in responses), responses
    for o in (day, gtc):
        assert client.get_order_by_id(o.id).status == OrderStatus.CANCELED
    assert client.get_orders(GetOrdersRequest(status=QueryOrderStatus.OPEN)) == []
    assert client.cancel_orders() == []
    account = client.get_account()
    assert D(account.cash) == START_CASH and D(account.buying_power) == START_CASH

    # Close-all without cancel_orders (no query string at all): one market sell per position, at the bid.
    assert_order(client.submit_order(buy(SAMSUNG, 2)), status=OrderStatus.FILLED, filled_avg_price=250_500)
    results = client.close_all_positions()
    assert [(r.symbol, r.status) for r in results] == [(SAMSUNG, 200)]
    assert isinstance(results[0].body, Order), f"close-all body is not an order: {results[0].body}"
    assert_order(results[0].body, qty=2, side=OrderSide.SELL, status=OrderStatus.FILLED, filled_avg_price=249_500)
    assert client.get_all_positions() == []
    cash = START_CASH - 501_000 - commission(501_000) + 499_000 - commission(499_000) - tax(499_000)
    assert D(client.get_account().cash) == cash == 9_996_853


def test_refusals_are_api_errors_with_alpacas_codes(server, alice):
    """Each refusal is an APIError whose status_code, code and message alpaca-py can read. The codes are
    Alpaca's (HTTP status x 100000 + detail) as docs/api.md lists them; every case is checked before failing."""
    user = server.sign_up()
    client = trading(server, user)
    server.inject(SAMSUNG, 250_000, 1_000)
    resting = client.submit_order(limit(SAMSUNG, 1, OrderSide.BUY, 240_000))
    client.cancel_order_by_id(resting.id)
    wrong = TradingClient(alice.key_id, "not-the-secret", paper=True, url_override=server.base_url)
    unknown = TradingClient("PKNOSUCHKEY000000000", "x", paper=True, url_override=server.base_url)
    data = StockHistoricalDataClient(alice.key_id, "not-the-secret", url_override=server.base_url)
    cases = [
        ("wrong secret", wrong.get_account, 401, 40110000),
        ("unknown key", unknown.get_clock, 401, 40110000),
        ("data API, wrong secret",
         lambda: data.get_stock_latest_trade(StockLatestTradeRequest(symbol_or_symbols=SAMSUNG)), 401, 40110000),
        ("more than the cash buys", lambda: client.submit_order(buy(SAMSUNG, 1_000)), 403, 40310000),
        ("sell more than held", lambda: client.submit_order(
            MarketOrderRequest(symbol=SAMSUNG, qty=1, side=OrderSide.SELL, time_in_force=TimeInForce.DAY)), 403, 40310000),
        ("unknown symbol", lambda: client.submit_order(buy("999999", 1)), 422, 42210000),
        ("price off the tick grid", lambda: client.submit_order(limit(SAMSUNG, 1, OrderSide.BUY, 240_100)), 422, 42210000),
        ("cancel a canceled order", lambda: client.cancel_order_by_id(resting.id), 422, 42210000),
        ("unknown order id", lambda: client.get_order_by_id(uuid.uuid4()), 404, 40410000),
        ("unknown client order id", lambda: client.get_order_by_client_id("no-such-id"), 404, 40410000),
        ("unknown asset", lambda: client.get_asset("NOSUCH"), 404, 40410000),
        ("no position", lambda: client.get_open_position(SK_HYNIX), 404, 40410000),
    ]
    wrong_answers = []
    for name, call, status, code in cases:
        try:
            call()
        except APIError as err:
            try:
                got = (err.status_code, err.code, err.message)
            except Exception as e:  # alpaca-py could not read code/message from the body
                wrong_answers.append(f"{name}: HTTP {err.status_code}, body {str(err)!r}: {e!r}")
                continue
            if got[:2] != (status, code) or not got[2]:
                wrong_answers.append(f"{name}: HTTP {got[0]} {str(err)}, expected HTTP {status} code {code}")
        else:
            wrong_answers.append(f"{name}: no APIError, expected HTTP {status} code {code}")
    assert not wrong_answers, "\n".join(wrong_answers)
    assert [o.id for o in client.get_orders(GetOrdersRequest(status=QueryOrderStatus.ALL))] == [resting.id]


# ---- assets, clock, calendar, watchlists ----------------------------------------------------------------

def test_assets(server, alice):
    client = trading(server, alice)
    assets = client.get_all_assets()
    by_symbol = {a.symbol: a for a in assets}
    assert {SAMSUNG, SK_HYNIX, HYUNDAI} <= set(by_symbol)
    samsung = by_symbol[SAMSUNG]
    assert samsung.asset_class == AssetClass.US_EQUITY
    assert samsung.exchange == AssetExchange.NYSE
    assert samsung.status == AssetStatus.ACTIVE
    assert samsung.tradable is True
    assert samsung.fractionable is False and samsung.shortable is False
    assert samsung.name == "Samsung Electronics"
    filtered = client.get_all_assets(GetAssetsRequest(status=AssetStatus.ACTIVE, asset_class=AssetClass.US_EQUITY))
    assert {a.symbol for a in filtered} == set(by_symbol)

    one = client.get_asset(SAMSUNG)
    assert one.id == samsung.id and isinstance(one.id, uuid.UUID)
    assert one.symbol == SAMSUNG
    assert client.get_asset(one.id).symbol == SAMSUNG  # by asset id too


def test_clock_and_calendar(server, alice):
    client = trading(server, alice)
    clock = client.get_clock()
    assert clock.is_open is True  # INVESTKING_MARKET_SESSION=always
    now = dt.datetime.now(dt.timezone.utc)
    assert clock.timestamp.tzinfo is not None
    assert abs((clock.timestamp - now).total_seconds()) < 120
    assert clock.next_close.tzinfo is not None and clock.next_close > clock.timestamp

    start = dt.date.today()
    end = start + dt.timedelta(days=6)
    days = client.get_calendar(GetCalendarRequest(start=start, end=end))
    assert days, "no trading days in a week"
    dates = [d.date for d in days]
    assert dates == sorted(dates)
    # The server's "today" is Korea's; allow a day either way around midnight.
    assert start - dt.timedelta(days=1) <= dates[0] and dates[-1] <= end + dt.timedelta(days=1)
    for day in days:
        assert day.open == dt.datetime.combine(day.date, dt.time(9, 0))
        assert day.close == dt.datetime.combine(day.date, dt.time(15, 30))


def test_watchlists(server, alice, bob):
    client = trading(server, alice)
    created = client.create_watchlist(CreateWatchlistRequest(name="chips", symbols=[SAMSUNG]))
    assert isinstance(created.id, uuid.UUID)
    assert isinstance(created.account_id, uuid.UUID)
    assert created.account_id == client.get_account().id
    assert created.name == "chips"
    assert [a.symbol for a in created.assets] == [SAMSUNG]
    assert created.created_at.tzinfo is not None

    assert created.id in {w.id for w in client.get_watchlists()}
    fetched = client.get_watchlist_by_id(created.id)
    assert fetched.name == "chips" and [a.symbol for a in fetched.assets] == [SAMSUNG]

    added = client.add_asset_to_watchlist_by_id(created.id, SK_HYNIX)
    assert [a.symbol for a in added.assets] == [SAMSUNG, SK_HYNIX]
    removed = client.remove_asset_from_watchlist_by_id(created.id, SAMSUNG)
    assert [a.symbol for a in removed.assets] == [SK_HYNIX]
    updated = client.update_watchlist_by_id(created.id, UpdateWatchlistRequest(name="semis", symbols=[SAMSUNG, HYUNDAI]))
    assert updated.name == "semis"
    assert [a.symbol for a in updated.assets] == [SAMSUNG, HYUNDAI]
    renamed = client.update_watchlist_by_id(created.id, UpdateWatchlistRequest(name="semis-2"))
    assert renamed.name == "semis-2" and [a.symbol for a in renamed.assets] == [SAMSUNG, HYUNDAI]

    assert api_error(lambda: trading(server, bob).get_watchlist_by_id(created.id)).status_code == 404
    assert client.delete_watchlist_by_id(created.id) is None
    assert api_error(lambda: client.get_watchlist_by_id(created.id)).status_code == 404
    assert created.id not in {w.id for w in client.get_watchlists()}


# ---- market data REST -----------------------------------------------------------------------------------

def test_market_data_follows_injected_ticks(server, alice):
    data = market_data(server, alice)
    start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    ticks = [(400_000, 10), (402_000, 20), (399_000, 30)]
    server.inject(HYUNDAI, 400_000, 10)
    server.inject(HYUNDAI, 402_000, 20)
    server.inject(HYUNDAI, 399_000, 30, bid=398_500, ask=399_500)

    trades = data.get_stock_trades(StockTradesRequest(symbol_or_symbols=HYUNDAI, start=start))
    got = trades.data.get(HYUNDAI, [])
    assert [(t.price, t.size) for t in got] == ticks
    assert all(isinstance(t, Trade) and t.symbol == HYUNDAI and t.timestamp.tzinfo is not None for t in got)
    paged = data.get_stock_trades(StockTradesRequest(symbol_or_symbols=HYUNDAI, start=start, limit=2))
    assert [t.price for t in paged.data.get(HYUNDAI, [])] == [400_000, 402_000]

    bars = data.get_stock_bars(StockBarsRequest(symbol_or_symbols=[HYUNDAI], timeframe=TimeFrame.Minute, start=start))
    got_bars: List[Bar] = bars.data.get(HYUNDAI, [])
    assert 1 <= len(got_bars) <= 2, got_bars  # the three ticks may straddle a minute boundary
    assert all(b.timestamp.tzinfo is not None and b.timestamp.second == 0 for b in got_bars)
    assert got_bars[0].open == 400_000
    assert got_bars[-1].close == 399_000
    assert max(b.high for b in got_bars) == 402_000
    assert min(b.low for b in got_bars) == 399_000
    assert sum(b.volume for b in got_bars) == 60
    assert sum(b.trade_count for b in got_bars) == 3
    notional = sum(p * v for p, v in ticks)
    if all(b.vwap is not None for b in got_bars):  # "vw" may be null, but when given it is the volume-weighted price
        assert sum(b.vwap * b.volume for b in got_bars) == pytest.approx(notional, rel=1e-6)

    latest_trade = data.get_stock_latest_trade(StockLatestTradeRequest(symbol_or_symbols=HYUNDAI))
    trade = latest_trade[HYUNDAI]
    assert isinstance(trade, Trade)
    assert trade.symbol == HYUNDAI and trade.price == 399_000 and trade.size == 30
    assert abs((trade.timestamp - dt.datetime.now(dt.timezone.utc)).total_seconds()) < 120

    latest_quote = data.get_stock_latest_quote(StockLatestQuoteRequest(symbol_or_symbols=[HYUNDAI]))
    quote = latest_quote[HYUNDAI]
    assert isinstance(quote, Quote)
    assert quote.bid_price == 398_500 and quote.ask_price == 399_500
    assert quote.timestamp.tzinfo is not None

    snapshots = data.get_stock_snapshot(StockSnapshotRequest(symbol_or_symbols=[HYUNDAI]))
    snap = snapshots[HYUNDAI]
    assert isinstance(snap, Snapshot)
    assert snap.latest_trade is not None and snap.latest_trade.price == 399_000
    assert snap.latest_quote is not None
    assert (snap.latest_quote.bid_price, snap.latest_quote.ask_price) == (398_500, 399_500)
    assert snap.minute_bar is not None and snap.minute_bar.close == 399_000
    assert snap.daily_bar is not None
    assert (snap.daily_bar.open, snap.daily_bar.high, snap.daily_bar.low, snap.daily_bar.close) == (
        400_000, 402_000, 399_000, 399_000)
    assert snap.daily_bar.volume == 60


# ---- streams ---------------------------------------------------------------------------------------------

@contextmanager
def running(stream, sdk_log) -> Iterator[None]:
    """Runs a stream's blocking run() in a daemon thread and stops it at the end."""
    thread = threading.Thread(target=stream.run, name=f"{type(stream).__name__}.run", daemon=True)
    thread.start()
    try:
        wait_until(lambda: stream._loop is not None, 10, what="the stream's event loop")
        yield
    finally:
        if stream._loop is not None and stream._loop.is_running():
            try:
                stream.stop()
            except Exception as e:  # the loop may end between the check and the call
                sdk_log.note(f"stop(): {e!r}")
        thread.join(timeout=30)
        assert not thread.is_alive(), f"{type(stream).__name__}.run() did not return after stop()\n{sdk_log.text()}"


def test_trading_stream_reports_the_new_order_and_its_fill(server, sdk_log):
    user = server.sign_up()
    client = trading(server, user)
    stream = TradingStream(user.key_id, user.secret_key, paper=True, url_override=server.trading_stream_url)
    updates: List[TradeUpdate] = []
    lock = threading.Lock()

    async def on_update(update: TradeUpdate) -> None:
        with lock:
            updates.append(update)

    def find(order_id, event) -> TradeUpdate | None:
        with lock:
            return next((u for u in updates if u.order.id == order_id and u.event == event), None)

    def seen() -> str:
        with lock:
            return f"updates seen: {[(u.event, str(u.order.id)) for u in updates]}\nalpaca-py log:\n{sdk_log.text()}"

    def wait_for(order_id, event) -> TradeUpdate:
        return wait_until(lambda: find(order_id, event), STREAM_DEADLINE_S,
                          what=f"trade update {event!r} for order {order_id}", detail=seen)

    stream.subscribe_trade_updates(on_update)
    with running(stream, sdk_log):
        # _running turns true once the SDK has authenticated and sent "listen".
        wait_until(lambda: stream._running, STREAM_DEADLINE_S, what=f"TradingStream to authenticate at "
                   f"{server.trading_stream_url}", detail=lambda: f"alpaca-py log:\n{sdk_log.text()}")

        server.inject(SAMSUNG, 250_000, 1_000)  # ask 250,500: the limit below rests
        order = client.submit_order(limit(SAMSUNG, 2, OrderSide.BUY, 249_000))
        assert order.status == OrderStatus.NEW
        new = wait_for(order.id, TradeEvent.NEW)
        assert new.order.status == OrderStatus.NEW
        assert new.timestamp.tzinfo is not None

        server.inject(SAMSUNG, 249_000, 100, bid=248_500, ask=249_000)
        fill = wait_for(order.id, TradeEvent.FILL)
        assert fill.price == 249_000
        assert fill.qty == 2
        assert fill.position_qty == 2
        assert fill.timestamp.tzinfo is not None
        assert fill.execution_id is None or isinstance(fill.execution_id, uuid.UUID)
        assert_order(fill.order, qty=2, side=OrderSide.BUY, type_=OrderType.LIMIT, status=OrderStatus.FILLED,
                     filled_qty=2, filled_avg_price=249_000, limit_price=249_000)
    assert D(client.get_open_position(SAMSUNG).qty) == 2


def test_trading_stream_refuses_a_wrong_secret(server, alice, sdk_log):
    stream = TradingStream(alice.key_id, "not-the-secret", paper=True, url_override=server.trading_stream_url)

    async def on_update(update) -> None:
        pytest.fail(f"an unauthenticated stream got {update}")

    stream.subscribe_trade_updates(on_update)
    with running(stream, sdk_log):
        # The server answers {"stream":"authorization","data":{"status":"unauthorized",...}}; alpaca-py logs
        # ValueError("failed to authenticate") and retries with backoff until stopped.
        wait_until(lambda: sdk_log.contains("failed to authenticate"), STREAM_DEADLINE_S,
                   what="alpaca-py to report 'failed to authenticate'",
                   detail=lambda: f"alpaca-py log:\n{sdk_log.text()}")
        assert not stream._running


def test_data_stream_delivers_trades_and_quotes(server, alice, sdk_log):
    stream = StockDataStream(alice.key_id, alice.secret_key, feed=DataFeed.IEX, url_override=server.data_stream_url)
    trades: List[Trade] = []
    quotes: List[Quote] = []
    lock = threading.Lock()

    async def on_trade(t: Trade) -> None:
        with lock:
            trades.append(t)

    async def on_quote(q: Quote) -> None:
        with lock:
            quotes.append(q)

    stream.subscribe_trades(on_trade, SAMSUNG)
    stream.subscribe_quotes(on_quote, SAMSUNG)
    with running(stream, sdk_log):
        # alpaca-py logs the server's subscription ack as "subscribed to trades: [...], quotes: [...]".
        wait_until(lambda: sdk_log.contains("subscribed to"), STREAM_DEADLINE_S,
                   what=f"the subscription ack on {server.data_stream_url}",
                   detail=lambda: f"alpaca-py log:\n{sdk_log.text()}")
        assert sdk_log.contains(f"trades: ['{SAMSUNG}']") and sdk_log.contains(f"quotes: ['{SAMSUNG}']"), sdk_log.text()

        server.inject(SAMSUNG, 251_000, 7, bid=250_500, ask=251_500)

        def matching():
            with lock:
                t = next((t for t in trades if t.price == 251_000 and t.size == 7), None)
                q = next((q for q in quotes if (q.bid_price, q.ask_price) == (250_500, 251_500)), None)
            return (t, q) if t and q else None

        def seen() -> str:
            with lock:
                return (f"trades {[(t.price, t.size) for t in trades]}, "
                        f"quotes {[(q.bid_price, q.ask_price) for q in quotes]}\nalpaca-py log:\n{sdk_log.text()}")

        trade, quote = wait_until(matching, STREAM_DEADLINE_S, what="trade 251,000 x 7 and quote 250,500/251,500",
                                  detail=seen)
        now = dt.datetime.now(dt.timezone.utc)
        assert trade.symbol == SAMSUNG and quote.symbol == SAMSUNG
        assert trade.timestamp.tzinfo is not None and abs((trade.timestamp - now).total_seconds()) < 120
        assert quote.timestamp.tzinfo is not None and abs((quote.timestamp - now).total_seconds()) < 120
        assert quote.bid_size > 0 and quote.ask_size > 0
