#include "bus/order_messages.hpp"

#include <boost/json.hpp>
#include <cstdint>
#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace ik::bus {
namespace {

namespace json = boost::json;
using namespace trading;

constexpr Timestamp kTs = 1'619'420'430'123'456'789LL;
constexpr std::uint64_t kMaxU64 = std::numeric_limits<std::uint64_t>::max();
constexpr std::int64_t kMaxI64 = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMinI64 = std::numeric_limits<std::int64_t>::min();

// ---- equality, field by field so a failure names the field ------------------------------------------------

void ExpectSame(const market::Tick& a, const market::Tick& b) {
    EXPECT_EQ(a.symbol, b.symbol);
    EXPECT_EQ(a.ts, b.ts);
    EXPECT_EQ(a.price, b.price);
    EXPECT_EQ(a.bid, b.bid);
    EXPECT_EQ(a.ask, b.ask);
    EXPECT_EQ(a.volume, b.volume);
}

void ExpectSame(const Order& a, const Order& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.account, b.account);
    EXPECT_EQ(a.symbol, b.symbol);
    EXPECT_EQ(a.side, b.side);
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.tif, b.tif);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.triggered, b.triggered);
    EXPECT_EQ(a.qty, b.qty);
    EXPECT_EQ(a.filled_qty, b.filled_qty);
    EXPECT_EQ(a.limit_price, b.limit_price);
    EXPECT_EQ(a.stop_price, b.stop_price);
    EXPECT_EQ(a.filled_notional, b.filled_notional);
    EXPECT_EQ(a.reserved_cash, b.reserved_cash);
    EXPECT_EQ(a.created_at, b.created_at);
    EXPECT_EQ(a.updated_at, b.updated_at);
    EXPECT_EQ(a.replaces, b.replaces);
    EXPECT_EQ(a.replaced_by, b.replaced_by);
    EXPECT_EQ(a.client_order_id, b.client_order_id);
}

void ExpectSame(const Fill& a, const Fill& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.order, b.order);
    EXPECT_EQ(a.account, b.account);
    EXPECT_EQ(a.symbol, b.symbol);
    EXPECT_EQ(a.side, b.side);
    EXPECT_EQ(a.qty, b.qty);
    EXPECT_EQ(a.price, b.price);
    EXPECT_EQ(a.commission, b.commission);
    EXPECT_EQ(a.tax, b.tax);
    EXPECT_EQ(a.ts, b.ts);
    EXPECT_EQ(a.settle_date, b.settle_date);
}

void ExpectSame(const Position& a, const Position& b) {
    EXPECT_EQ(a.account, b.account);
    EXPECT_EQ(a.symbol, b.symbol);
    EXPECT_EQ(a.qty, b.qty);
    EXPECT_EQ(a.reserved_qty, b.reserved_qty);
    EXPECT_EQ(a.cost_basis, b.cost_basis);
    EXPECT_EQ(a.realized_pnl, b.realized_pnl);
}

void ExpectSame(const AccountBalance& a, const AccountBalance& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.cash, b.cash);
    EXPECT_EQ(a.reserved_cash, b.reserved_cash);
}

// Entries past `count` are not part of the transaction, so they are not compared.
void ExpectSame(const LedgerTxn& a, const LedgerTxn& b) {
    EXPECT_EQ(a.id, b.id);
    ASSERT_EQ(a.count, b.count);
    for (std::size_t i = 0; i < a.count; ++i) {
        SCOPED_TRACE("ledger entry " + std::to_string(i));
        EXPECT_EQ(a.entries[i].book, b.entries[i].book);
        EXPECT_EQ(a.entries[i].account, b.entries[i].account);
        EXPECT_EQ(a.entries[i].symbol, b.entries[i].symbol);
        EXPECT_EQ(a.entries[i].amount, b.entries[i].amount);
    }
}

void ExpectSame(const Event& a, const Event& b) {
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.seq, b.seq);
    EXPECT_EQ(a.ts, b.ts);
    EXPECT_EQ(a.has_order, b.has_order);
    EXPECT_EQ(a.has_position, b.has_position);
    EXPECT_EQ(a.has_fill, b.has_fill);
    EXPECT_EQ(a.deposit_amount, b.deposit_amount);
    EXPECT_EQ(a.equity_before, b.equity_before);
    {
        SCOPED_TRACE("order");
        ExpectSame(a.order, b.order);
    }
    {
        SCOPED_TRACE("balance");
        ExpectSame(a.balance, b.balance);
    }
    {
        SCOPED_TRACE("position");
        ExpectSame(a.position, b.position);
    }
    {
        SCOPED_TRACE("fill");
        ExpectSame(a.fill, b.fill);
    }
    {
        SCOPED_TRACE("ledger");
        ExpectSame(a.ledger, b.ledger);
    }
}

void ExpectSame(const OpenAccount& a, const OpenAccount& b) {
    EXPECT_EQ(a.account, b.account);
    EXPECT_EQ(a.starting_cash, b.starting_cash);
    EXPECT_EQ(a.ts, b.ts);
}

void ExpectSame(const Deposit& a, const Deposit& b) {
    EXPECT_EQ(a.account, b.account);
    EXPECT_EQ(a.amount, b.amount);
    EXPECT_EQ(a.ts, b.ts);
}

void ExpectSame(const PlaceOrder& a, const PlaceOrder& b) {
    EXPECT_EQ(a.account, b.account);
    EXPECT_EQ(a.symbol, b.symbol);
    EXPECT_EQ(a.side, b.side);
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.tif, b.tif);
    EXPECT_EQ(a.qty, b.qty);
    EXPECT_EQ(a.limit_price, b.limit_price);
    EXPECT_EQ(a.stop_price, b.stop_price);
    EXPECT_EQ(a.client_order_id, b.client_order_id);
    EXPECT_EQ(a.ts, b.ts);
}

void ExpectSame(const CancelOrder& a, const CancelOrder& b) {
    EXPECT_EQ(a.account, b.account);
    EXPECT_EQ(a.order, b.order);
    EXPECT_EQ(a.ts, b.ts);
}

void ExpectSame(const ReplaceOrder& a, const ReplaceOrder& b) {
    EXPECT_EQ(a.account, b.account);
    EXPECT_EQ(a.order, b.order);
    EXPECT_EQ(a.qty, b.qty);
    EXPECT_EQ(a.limit_price, b.limit_price);
    EXPECT_EQ(a.stop_price, b.stop_price);
    EXPECT_EQ(a.tif, b.tif);
    EXPECT_EQ(a.client_order_id, b.client_order_id);
    EXPECT_EQ(a.ts, b.ts);
}

void ExpectSame(const MarketTick& a, const MarketTick& b) { ExpectSame(a.tick, b.tick); }

void ExpectSame(const SessionChange& a, const SessionChange& b) {
    EXPECT_EQ(a.state, b.state);
    EXPECT_EQ(a.ts, b.ts);
}

void ExpectSame(const ListSymbol& a, const ListSymbol& b) {
    EXPECT_EQ(a.symbol, b.symbol);
    EXPECT_EQ(a.previous_close, b.previous_close);
    EXPECT_EQ(a.ts, b.ts);
    EXPECT_EQ(a.code, b.code);
}

void ExpectSame(const HaltSymbol& a, const HaltSymbol& b) {
    EXPECT_EQ(a.symbol, b.symbol);
    EXPECT_EQ(a.halted, b.halted);
    EXPECT_EQ(a.ts, b.ts);
}

// ---- fixtures ---------------------------------------------------------------------------------------------

OrderRequest Request(Command c) { return OrderRequest{"gw-7:000042.a_b", "gateway-7", kTs + 1, std::move(c)}; }

// Encodes a command in a request, decodes it and checks the envelope; the command comes back for comparing.
template <class T>
T RoundTripCommand(const T& command) {
    const OrderRequest sent = Request(command);
    auto back = DecodeOrderRequest(EncodeOrderRequest(sent));
    EXPECT_TRUE(back.has_value()) << back.error().message;
    if (!back) return T{};
    EXPECT_EQ(back->correlation_id, sent.correlation_id);
    EXPECT_EQ(back->reply_to, sent.reply_to);
    EXPECT_EQ(back->sent_at, sent.sent_at);
    EXPECT_TRUE(std::holds_alternative<T>(back->command));
    return std::holds_alternative<T>(back->command) ? std::get<T>(back->command) : T{};
}

Order FullOrder() {
    Order o;
    o.id = 9'007'199'254'740'993ULL;  // 2^53 + 1: a double would round it
    o.account = 77;
    o.symbol = 12;
    o.side = Side::kSell;
    o.type = OrderType::kStopLimit;
    o.tif = TimeInForce::kGtc;
    o.status = OrderStatus::kPartiallyFilled;
    o.triggered = true;
    o.qty = 300;
    o.filled_qty = 120;
    o.limit_price = 70'900;
    o.stop_price = 71'000;
    o.filled_notional = 8'508'000;
    o.reserved_cash = 1'234;
    o.created_at = kTs - 5;
    o.updated_at = kTs;
    o.replaces = 41;
    o.replaced_by = 43;
    o.client_order_id = "my-order \"quoted\" \\ 한글";
    return o;
}

Fill FullFill() {
    Fill f;
    f.id = 555;
    f.order = 9'007'199'254'740'993ULL;
    f.account = 77;
    f.symbol = 12;
    f.side = Side::kSell;
    f.qty = 120;
    f.price = 70'900;
    f.commission = 1'276;
    f.tax = 15'315;
    f.ts = kTs;
    f.settle_date = Date{2021, 4, 28};
    return f;
}

LedgerTxn FullLedger() {
    LedgerTxn l;
    l.id = 9'001;
    l.count = static_cast<std::uint8_t>(kMaxLedgerEntries);
    const LedgerBook books[] = {LedgerBook::kCash,     LedgerBook::kSecurities, LedgerBook::kRealizedPnl,
                                LedgerBook::kDeposits, LedgerBook::kCommission, LedgerBook::kTax};
    for (std::size_t i = 0; i < kMaxLedgerEntries; ++i) {
        l.entries[i] = LedgerEntry{books[i], 77, static_cast<SymbolId>(12 + i), (i % 2 ? -1 : 1) * Won(1'000 + i)};
    }
    l.entries[3].symbol = market::kNoSymbol;
    return l;
}

Event FullEvent(EventType type, std::uint64_t seq) {
    Event e;
    e.type = type;
    e.seq = seq;
    e.ts = kTs + static_cast<Timestamp>(seq);
    e.has_order = true;
    e.has_position = true;
    e.has_fill = true;
    e.deposit_amount = 5'000'000;
    e.equity_before = 10'000'000;
    e.order = FullOrder();
    e.balance = AccountBalance{77, 99'000'000, 2'500'000};
    e.position = Position{77, 12, 180, 60, 12'780'000, -45'678};
    e.fill = FullFill();
    e.ledger = FullLedger();
    return e;
}

constexpr EventType kAllEventTypes[] = {
    EventType::kAccountOpened,  EventType::kDeposited,     EventType::kOrderAccepted,
    EventType::kOrderTriggered, EventType::kOrderFilled,   EventType::kOrderCanceled,
    EventType::kOrderExpired,   EventType::kOrderReplaced, EventType::kOrderRereserved};

OrderUpdate RoundTripUpdate(const OrderUpdate& u) {
    auto back = DecodeOrderUpdate(EncodeOrderUpdate(u));
    EXPECT_TRUE(back.has_value()) << back.error().message;
    return back ? *back : OrderUpdate{};
}

void ExpectSame(const OrderUpdate& a, const OrderUpdate& b) {
    EXPECT_EQ(a.correlation_id, b.correlation_id);
    EXPECT_EQ(a.reply_to, b.reply_to);
    EXPECT_EQ(a.account, b.account);
    ASSERT_EQ(a.result.has_value(), b.result.has_value());
    if (a.result) {
        EXPECT_EQ(a.result->order, b.result->order);
        ASSERT_EQ(a.result->error.has_value(), b.result->error.has_value());
        if (a.result->error) {
            EXPECT_EQ(a.result->error->code, b.result->error->code);
            EXPECT_EQ(a.result->error->message, b.result->error->message);
        }
    }
    ASSERT_EQ(a.events.size(), b.events.size());
    for (std::size_t i = 0; i < a.events.size(); ++i) {
        SCOPED_TRACE("event " + std::to_string(i));
        ExpectSame(a.events[i], b.events[i]);
    }
}

// ---- round trips ------------------------------------------------------------------------------------------

TEST(OrderMessages, RoundTripsOpenAccount) {
    const OpenAccount c{77, 50'000'000, kTs};
    ExpectSame(RoundTripCommand(c), c);
}

TEST(OrderMessages, RoundTripsDeposit) {
    const Deposit c{77, 1'000'000, kTs};
    ExpectSame(RoundTripCommand(c), c);
}

TEST(OrderMessages, RoundTripsPlaceOrder) {
    const PlaceOrder c{77,     12,         Side::kSell, OrderType::kStopLimit, TimeInForce::kIoc, 250, 70'900,
                       71'000, "client-1", kTs};
    ExpectSame(RoundTripCommand(c), c);
}

TEST(OrderMessages, RoundTripsCancelOrder) {
    const CancelOrder c{77, 4'321, kTs};
    ExpectSame(RoundTripCommand(c), c);
}

TEST(OrderMessages, RoundTripsReplaceOrderWithAndWithoutTimeInForce) {
    const ReplaceOrder with{77, 4'321, 90, 70'500, 70'000, TimeInForce::kFok, "client-2", kTs};
    ExpectSame(RoundTripCommand(with), with);
    const ReplaceOrder without{77, 4'321, 90, 70'500, 70'000, std::nullopt, "client-3", kTs};
    ExpectSame(RoundTripCommand(without), without);
    EXPECT_FALSE(json::parse(EncodeOrderRequest(Request(without))).at("command").as_object().contains("time_in_force"));
}

TEST(OrderMessages, RoundTripsMarketTick) {
    const MarketTick c{market::Tick{12, kTs, 71'000, 70'900, 71'100, 1'234}};
    ExpectSame(RoundTripCommand(c), c);
}

TEST(OrderMessages, RoundTripsSessionChangeInEveryState) {
    for (auto s :
         {market::SessionState::kClosed, market::SessionState::kContinuous, market::SessionState::kClosingAuction}) {
        const SessionChange c{s, kTs};
        ExpectSame(RoundTripCommand(c), c);
    }
}

TEST(OrderMessages, RoundTripsListSymbol) {
    const ListSymbol c{12, 70'000, kTs, "005930"};
    ExpectSame(RoundTripCommand(c), c);
}

TEST(OrderMessages, RoundTripsHaltSymbolBothWays) {
    for (bool halted : {true, false}) {
        const HaltSymbol c{12, halted, kTs};
        ExpectSame(RoundTripCommand(c), c);
    }
}

TEST(OrderMessages, RoundTripsEveryEnumName) {
    for (auto side : {Side::kBuy, Side::kSell}) {
        for (auto type : {OrderType::kMarket, OrderType::kLimit, OrderType::kStop, OrderType::kStopLimit}) {
            for (auto tif : {TimeInForce::kDay, TimeInForce::kGtc, TimeInForce::kIoc, TimeInForce::kFok}) {
                const PlaceOrder c{1, 2, side, type, tif, 3, 4, 5, "", 6};
                ExpectSame(RoundTripCommand(c), c);
            }
        }
    }
    for (auto status : {OrderStatus::kNew, OrderStatus::kPartiallyFilled, OrderStatus::kFilled, OrderStatus::kCanceled,
                        OrderStatus::kExpired, OrderStatus::kReplaced}) {
        Event e = FullEvent(EventType::kOrderAccepted, 1);
        e.order.status = status;
        const OrderUpdate u{"", "", 77, std::nullopt, {e}};
        ExpectSame(RoundTripUpdate(u), u);
    }
}

TEST(OrderMessages, RoundTripsAnUpdateWithEveryEventType) {
    OrderUpdate u{"gw-7:000042", "gateway-7", 77, CommandResult{std::nullopt, 4'321}, {}};
    std::uint64_t seq = 100;
    for (EventType t : kAllEventTypes) u.events.push_back(FullEvent(t, seq++));
    ExpectSame(RoundTripUpdate(u), u);
}

TEST(OrderMessages, SendsOnlyTheFlaggedPartsAndTheCountedLedgerEntries) {
    Event e;
    e.type = EventType::kDeposited;
    e.seq = 3;
    e.ts = kTs;
    e.deposit_amount = 1'000'000;
    e.equity_before = 2'000'000;
    e.balance = AccountBalance{77, 3'000'000, 0};
    e.ledger.id = 8;
    e.ledger.count = 2;
    e.ledger.entries[0] = LedgerEntry{LedgerBook::kCash, 77, market::kNoSymbol, 1'000'000};
    e.ledger.entries[1] = LedgerEntry{LedgerBook::kDeposits, 77, market::kNoSymbol, -1'000'000};
    const OrderUpdate u{"", "", 77, std::nullopt, {e}};

    const json::value v = json::parse(EncodeOrderUpdate(u));
    const auto& ev = v.at("events").at(0).as_object();
    EXPECT_FALSE(ev.contains("order"));
    EXPECT_FALSE(ev.contains("position"));
    EXPECT_FALSE(ev.contains("fill"));
    EXPECT_EQ(ev.at("ledger").at("entries").as_array().size(), 2U);

    const OrderUpdate back = RoundTripUpdate(u);
    ExpectSame(back, u);
    ASSERT_EQ(back.events.size(), 1U);
    EXPECT_EQ(back.events[0].ledger.entries[2].amount, 0);
}

TEST(OrderMessages, RoundTripsAResultWithAnErrorAndAnOrderId) {
    const OrderUpdate refused{
        "c-1", "gw", 77, CommandResult{Error{ErrorCode::kInsufficientFunds, "buying power 1,000 < 71,000"}, 0}, {}};
    ExpectSame(RoundTripUpdate(refused), refused);
    EXPECT_EQ(json::parse(EncodeOrderUpdate(refused)).at("result").at("error").at("code"), "insufficient_funds");

    const OrderUpdate accepted{"c-2",
                               "gw",
                               77,
                               CommandResult{std::nullopt, 9'007'199'254'740'993ULL},
                               {FullEvent(EventType::kOrderAccepted, 1)}};
    ExpectSame(RoundTripUpdate(accepted), accepted);

    // Every error code has a name that maps back.
    for (int c = static_cast<int>(ErrorCode::kInvalidArgument); c <= static_cast<int>(ErrorCode::kInternal); ++c) {
        const OrderUpdate u{"c-3", "", 1, CommandResult{Error{static_cast<ErrorCode>(c), "m"}, 5}, {}};
        ExpectSame(RoundTripUpdate(u), u);
    }
}

TEST(OrderMessages, RoundTripsATickDrivenUpdateWithoutResult) {
    const OrderUpdate u{"", "", 77, std::nullopt, {FullEvent(EventType::kOrderFilled, 9)}};
    const json::value v = json::parse(EncodeOrderUpdate(u));
    EXPECT_FALSE(v.as_object().contains("result"));
    const OrderUpdate back = RoundTripUpdate(u);
    EXPECT_FALSE(back.result.has_value());
    EXPECT_TRUE(back.correlation_id.empty());
    ExpectSame(back, u);
}

TEST(OrderMessages, KeepsIdsNearUint64MaxAndMoneyNearInt64Bounds) {
    Event e = FullEvent(EventType::kOrderFilled, kMaxU64);
    e.order.id = kMaxU64;
    e.order.account = kMaxU64 - 1;
    e.order.replaces = kMaxU64 - 2;
    e.order.replaced_by = (1ULL << 63);
    e.order.limit_price = kMaxI64;
    e.order.filled_notional = kMaxI64;
    e.fill.id = kMaxU64;
    e.fill.price = kMaxI64;
    e.fill.qty = kMaxI64;
    e.balance.cash = kMinI64;
    e.balance.reserved_cash = kMaxI64;
    e.position.realized_pnl = kMinI64;
    e.position.cost_basis = kMaxI64;
    e.equity_before = kMinI64;
    e.ledger.id = kMaxU64;
    e.ledger.entries[0].amount = kMaxI64;
    e.ledger.entries[1].amount = kMinI64;
    e.ts = kMinI64;
    const OrderUpdate u{"x", "y", kMaxU64, CommandResult{std::nullopt, kMaxU64}, {e}};
    ExpectSame(RoundTripUpdate(u), u);

    const PlaceOrder c{
        kMaxU64, market::kNoSymbol, Side::kBuy, OrderType::kLimit, TimeInForce::kDay, kMaxI64, kMaxI64, kMaxI64, "",
        kMaxI64};
    ExpectSame(RoundTripCommand(c), c);
    EXPECT_EQ(AccountOf(RoundTripCommand(c)), kMaxU64);
}

// ---- the format itself ------------------------------------------------------------------------------------

// Pins the wire format: a change here breaks running gateways and engines of the previous build.
TEST(OrderMessages, EncodesPlaceOrderAsCompactVersionedJson) {
    const OrderRequest r{"gw-1:1", "gw-1", 1'700'000'000'000'000'000,
                         PlaceOrder{77, 12, Side::kBuy, OrderType::kLimit, TimeInForce::kDay, 10, 71'000, 0, "abc",
                                    1'700'000'000'000'000'000}};
    EXPECT_EQ(EncodeOrderRequest(r),
              R"({"v":1,"correlation_id":"gw-1:1","reply_to":"gw-1","sent_at":1700000000000000000,)"
              R"("command":{"type":"place_order","account":77,"symbol":12,"side":"buy","order_type":"limit",)"
              R"("time_in_force":"day","qty":10,"limit_price":71000,"stop_price":0,"client_order_id":"abc",)"
              R"("ts":1700000000000000000}})");
}

TEST(OrderMessages, KeysAndAccountsAndTopics) {
    EXPECT_EQ(OrderKey(0), "0");
    EXPECT_EQ(OrderKey(kMaxU64), "18446744073709551615");
    EXPECT_EQ(AccountOf(OpenAccount{1, 0, 0}), 1U);
    EXPECT_EQ(AccountOf(Deposit{2, 0, 0}), 2U);
    EXPECT_EQ(AccountOf(PlaceOrder{.account = 3}), 3U);
    EXPECT_EQ(AccountOf(CancelOrder{4, 0, 0}), 4U);
    EXPECT_EQ(AccountOf(ReplaceOrder{.account = 5}), 5U);
    EXPECT_EQ(AccountOf(MarketTick{}), 0U);
    EXPECT_EQ(AccountOf(SessionChange{}), 0U);
    EXPECT_EQ(AccountOf(ListSymbol{}), 0U);
    EXPECT_EQ(AccountOf(HaltSymbol{}), 0U);
    EXPECT_EQ(OrdersSpec(12).name, kOrdersTopic);
    EXPECT_EQ(OrdersSpec(12).partitions, 12);
    EXPECT_FALSE(OrdersSpec(12).compacted);
    EXPECT_EQ(OrderUpdatesSpec(6).name, kOrderUpdatesTopic);
    EXPECT_EQ(OrderUpdatesSpec(6).partitions, 6);
    EXPECT_FALSE(OrderUpdatesSpec(6).compacted);
}

// ---- hostile input ----------------------------------------------------------------------------------------

std::string PlaceOrderJson() {
    return EncodeOrderRequest(
        Request(PlaceOrder{77, 12, Side::kBuy, OrderType::kLimit, TimeInForce::kDay, 10, 71'000, 0, "abc", kTs}));
}

std::string UpdateJson() {
    return EncodeOrderUpdate(OrderUpdate{"c", "g", 77, CommandResult{}, {FullEvent(EventType::kOrderFilled, 1)}});
}

// Applies an edit to a valid message's JSON and serializes it again.
template <class F>
std::string Edited(const std::string& valid, F&& edit) {
    json::value v = json::parse(valid);
    edit(v.as_object());
    return json::serialize(v);
}

void ExpectRefusedRequest(const std::string& text, std::string_view mentions) {
    Result<OrderRequest> r = OrderRequest{};
    EXPECT_NO_THROW(r = DecodeOrderRequest(text));
    ASSERT_FALSE(r.has_value()) << text.substr(0, 300);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find(mentions), std::string::npos) << r.error().message;
}

void ExpectRefusedUpdate(const std::string& text, std::string_view mentions) {
    Result<OrderUpdate> r = OrderUpdate{};
    EXPECT_NO_THROW(r = DecodeOrderUpdate(text));
    ASSERT_FALSE(r.has_value()) << text.substr(0, 300);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find(mentions), std::string::npos) << r.error().message;
}

json::object& CommandOf(json::object& o) { return o.at("command").as_object(); }
json::object& FirstEvent(json::object& o) { return o.at("events").as_array().at(0).as_object(); }

TEST(OrderMessages, TheFixturesOfTheRefusalTestsAreValid) {
    ASSERT_TRUE(DecodeOrderRequest(PlaceOrderJson()).has_value());
    ASSERT_TRUE(DecodeOrderUpdate(UpdateJson()).has_value());
}

TEST(OrderMessages, RequestsCarryTheTickOffsetsTheirGatewayHadRead) {
    OrderRequest sent = Request(trading::Deposit{7, 1'000, kTs});
    sent.ticks_seen = {{0, 41}, {5, 0}};
    auto back = DecodeOrderRequest(EncodeOrderRequest(sent));
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(back->ticks_seen, sent.ticks_seen);
    sent.ticks_seen.clear();
    const std::string none = EncodeOrderRequest(sent);
    EXPECT_EQ(none.find("ticks_seen"), std::string::npos) << "absent when empty";
    EXPECT_TRUE(DecodeOrderRequest(none).value().ticks_seen.empty());
    for (const char* bad : {R"([{"p":-1,"o":3}])", R"([{"p":1,"o":-3}])", R"([{"p":4294967296,"o":3}])", R"({"p":1})",
                            R"([{"p":1}])", R"([7])"}) {
        std::string text = EncodeOrderRequest(Request(trading::Deposit{7, 1'000, kTs}));
        text.insert(text.size() - 1, std::string(R"(,"ticks_seen":)") + bad);
        EXPECT_FALSE(DecodeOrderRequest(text).has_value()) << text;
    }
}

TEST(OrderMessages, RefusesWhatIsNotAVersionedObject) {
    ExpectRefusedRequest("", "not JSON");
    ExpectRefusedRequest("{\"v\":1,", "not JSON");
    ExpectRefusedRequest("[1,2]", "not a JSON object");
    ExpectRefusedRequest(Edited(PlaceOrderJson(), [](auto& o) { o["v"] = 2; }), "v must be 1");
    ExpectRefusedRequest(Edited(PlaceOrderJson(), [](auto& o) { o["v"] = 1.0; }), "v must be 1");
    ExpectRefusedRequest(Edited(PlaceOrderJson(), [](auto& o) { o.erase("v"); }), "v must be 1");
    ExpectRefusedUpdate(Edited(UpdateJson(), [](auto& o) { o["v"] = "1"; }), "v must be 1");
    ExpectRefusedUpdate(std::string(64, '[') + std::string(64, ']'), "not JSON");
}

TEST(OrderMessages, RefusesUnknownNames) {
    ExpectRefusedRequest(Edited(PlaceOrderJson(), [](auto& o) { CommandOf(o)["type"] = "place_orders"; }),
                         "command.type");
    ExpectRefusedRequest(Edited(PlaceOrderJson(), [](auto& o) { CommandOf(o)["side"] = "short"; }), "command.side");
    ExpectRefusedRequest(Edited(PlaceOrderJson(), [](auto& o) { CommandOf(o)["order_type"] = "trailing"; }),
                         "command.order_type");
    ExpectRefusedUpdate(Edited(UpdateJson(), [](auto& o) { FirstEvent(o)["type"] = "exploded"; }), "events[0].type");
    ExpectRefusedUpdate(Edited(UpdateJson(), [](auto& o) { FirstEvent(o)["order"].as_object()["status"] = "lost"; }),
                        "events[0].order.status");
    ExpectRefusedUpdate(Edited(UpdateJson(),
                               [](auto& o) {
                                   o["result"].as_object()["error"] = json::object{{"code", "oops"}, {"message", ""}};
                               }),
                        "result.error.code");
    ExpectRefusedUpdate(Edited(UpdateJson(),
                               [](auto& o) {
                                   FirstEvent(o)["ledger"].as_object()["entries"].as_array().at(0).as_object()["book"] =
                                       "petty_cash";
                               }),
                        "events[0].ledger.entries[0].book");
    const std::string session = EncodeOrderRequest(Request(SessionChange{market::SessionState::kClosed, kTs}));
    ExpectRefusedRequest(Edited(session, [](auto& o) { CommandOf(o)["state"] = "lunch"; }), "command.state");
}

TEST(OrderMessages, RefusesFloatsWhereIntegersBelong) {
    ExpectRefusedRequest(Edited(PlaceOrderJson(), [](auto& o) { CommandOf(o)["qty"] = 10.0; }), "command.qty");
    ExpectRefusedRequest(Edited(PlaceOrderJson(), [](auto& o) { CommandOf(o)["limit_price"] = 70900.5; }),
                         "command.limit_price");
    ExpectRefusedRequest(Edited(PlaceOrderJson(), [](auto& o) { CommandOf(o)["account"] = 1e19; }), "command.account");
    ExpectRefusedUpdate(Edited(UpdateJson(), [](auto& o) { FirstEvent(o)["fill"].as_object()["price"] = 1.5; }),
                        "events[0].fill.price");
    // Integers beyond uint64 parse as doubles and must not come back rounded.
    std::string text = PlaceOrderJson();
    text.replace(text.find("\"account\":77"), 12, "\"account\":18446744073709551616");
    ExpectRefusedRequest(text, "command.account");
}

TEST(OrderMessages, RefusesWrongTypes) {
    ExpectRefusedRequest(Edited(PlaceOrderJson(), [](auto& o) { CommandOf(o)["qty"] = "10"; }), "command.qty");
    ExpectRefusedRequest(Edited(PlaceOrderJson(), [](auto& o) { o["command"] = "place_order"; }), "command");
    ExpectRefusedRequest(Edited(PlaceOrderJson(), [](auto& o) { CommandOf(o)["client_order_id"] = 5; }),
                         "command.client_order_id");
    ExpectRefusedUpdate(Edited(UpdateJson(), [](auto& o) { o["events"] = json::object{}; }), "events");
    ExpectRefusedUpdate(Edited(UpdateJson(), [](auto& o) { o["events"].as_array().push_back(3); }), "events[1]");
    ExpectRefusedUpdate(Edited(UpdateJson(), [](auto& o) { FirstEvent(o)["order"].as_object()["triggered"] = 1; }),
                        "events[0].order.triggered");
    ExpectRefusedUpdate(
        Edited(UpdateJson(), [](auto& o) { FirstEvent(o)["fill"].as_object()["settle_date"] = "2021-02-30"; }),
        "events[0].fill.settle_date");
    ExpectRefusedUpdate(Edited(UpdateJson(), [](auto& o) { o["result"] = nullptr; }), "result");
}

TEST(OrderMessages, RefusesNegativeQuantitiesAndPrices) {
    ExpectRefusedRequest(Edited(PlaceOrderJson(), [](auto& o) { CommandOf(o)["qty"] = -1; }), "command.qty");
    ExpectRefusedRequest(Edited(PlaceOrderJson(), [](auto& o) { CommandOf(o)["stop_price"] = -5; }),
                         "command.stop_price");
    ExpectRefusedRequest(Edited(PlaceOrderJson(), [](auto& o) { CommandOf(o)["account"] = -1; }), "command.account");
    ExpectRefusedUpdate(Edited(UpdateJson(), [](auto& o) { FirstEvent(o)["fill"].as_object()["qty"] = -3; }),
                        "events[0].fill.qty");
    ExpectRefusedUpdate(Edited(UpdateJson(), [](auto& o) { FirstEvent(o)["position"].as_object()["qty"] = -3; }),
                        "events[0].position.qty");
    ExpectRefusedUpdate(Edited(UpdateJson(), [](auto& o) { FirstEvent(o)["seq"] = -1; }), "events[0].seq");
    const std::string tick = EncodeOrderRequest(Request(MarketTick{market::Tick{1, kTs, 100, 99, 101, 5}}));
    ExpectRefusedRequest(Edited(tick, [](auto& o) { CommandOf(o)["tick"].as_object()["volume"] = -5; }),
                         "command.tick.volume");
    ExpectRefusedRequest(Edited(tick, [](auto& o) { CommandOf(o)["tick"].as_object()["symbol"] = 1LL << 32; }),
                         "command.tick.symbol");
}

TEST(OrderMessages, RefusesMissingOrMalformedIds) {
    ExpectRefusedRequest(Edited(PlaceOrderJson(), [](auto& o) { o.erase("correlation_id"); }),
                         "correlation_id is missing");
    ExpectRefusedRequest(Edited(PlaceOrderJson(), [](auto& o) { o["correlation_id"] = ""; }), "correlation_id");
    ExpectRefusedRequest(Edited(PlaceOrderJson(), [](auto& o) { o["correlation_id"] = "a b"; }), "correlation_id");
    ExpectRefusedRequest(Edited(PlaceOrderJson(), [](auto& o) { o["correlation_id"] = std::string(65, 'a'); }),
                         "correlation_id");
    ExpectRefusedRequest(Edited(PlaceOrderJson(), [](auto& o) { o["reply_to"] = "gw\n1"; }), "reply_to");
    ExpectRefusedRequest(Edited(PlaceOrderJson(), [](auto& o) { CommandOf(o).erase("ts"); }), "command.ts is missing");
    ExpectRefusedUpdate(Edited(UpdateJson(), [](auto& o) { o.erase("account"); }), "account is missing");
    ExpectRefusedUpdate(Edited(UpdateJson(), [](auto& o) { FirstEvent(o).erase("balance"); }), "events[0].balance");
    // A request's id must be there, an update's may be empty (tick-driven).
    EXPECT_TRUE(DecodeOrderUpdate(Edited(UpdateJson(), [](auto& o) { o["correlation_id"] = ""; })).has_value());
}

TEST(OrderMessages, RefusesBadLedgerCounts) {
    ExpectRefusedUpdate(Edited(UpdateJson(), [](auto& o) { FirstEvent(o)["ledger"].as_object()["count"] = 7; }),
                        "events[0].ledger.count");
    ExpectRefusedUpdate(Edited(UpdateJson(), [](auto& o) { FirstEvent(o)["ledger"].as_object()["count"] = 256; }),
                        "events[0].ledger.count");
    ExpectRefusedUpdate(Edited(UpdateJson(), [](auto& o) { FirstEvent(o)["ledger"].as_object()["count"] = 5; }),
                        "events[0].ledger.entries");
    ExpectRefusedUpdate(Edited(UpdateJson(),
                               [](auto& o) {
                                   auto& l = FirstEvent(o)["ledger"].as_object();
                                   auto& entries = l["entries"].as_array();
                                   entries.push_back(entries.at(0));
                                   l["count"] = 7;
                               }),
                        "events[0].ledger");
}

TEST(OrderMessages, RefusesOversizedInput) {
    ExpectRefusedRequest(PlaceOrderJson() + std::string(kMaxOrderMessageBytes, ' '), "larger than");
    ExpectRefusedRequest(
        Edited(PlaceOrderJson(),
               [](auto& o) { CommandOf(o)["client_order_id"] = std::string(kMaxClientOrderIdLength + 1, 'c'); }),
        "command.client_order_id");
    EXPECT_TRUE(DecodeOrderRequest(Edited(PlaceOrderJson(), [](auto& o) {
                    CommandOf(o)["client_order_id"] = std::string(kMaxClientOrderIdLength, 'c');
                })).has_value());
    ExpectRefusedUpdate(Edited(UpdateJson(),
                               [](auto& o) {
                                   o["result"].as_object()["error"] =
                                       json::object{{"code", "internal"}, {"message", std::string(5000, 'm')}};
                               }),
                        "result.error.message");

    // 10,001 minimal events fit in 4 MiB, so the count limit is what refuses them.
    Event e;
    OrderUpdate many{"", "", 1, std::nullopt, std::vector<Event>(kMaxEventsPerUpdate, e)};
    const std::string at_limit = EncodeOrderUpdate(many);
    ASSERT_LT(at_limit.size(), kMaxOrderMessageBytes);
    auto ok = DecodeOrderUpdate(at_limit);
    ASSERT_TRUE(ok.has_value()) << ok.error().message;
    EXPECT_EQ(ok->events.size(), kMaxEventsPerUpdate);
    many.events.push_back(e);
    ExpectRefusedUpdate(EncodeOrderUpdate(many), "events has more than 10000");
}

}  // namespace
}  // namespace ik::bus
