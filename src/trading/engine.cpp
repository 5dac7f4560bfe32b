#include "trading/engine.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <string_view>
#include <unordered_set>

namespace ik::trading {

namespace {

using market::PriceBand;
using market::SessionState;

// Orders waiting on a price, kept sorted so a tick touches only the orders it can fill or trigger.
// Buy limits: highest price first; sell limits: lowest first; ties by order id (time priority).
using BuyBook = std::set<std::pair<Won, OrderId>, std::greater<>>;   // (limit, -id) is awkward; see Key()
using SellBook = std::set<std::pair<Won, OrderId>>;

struct SymbolState {
    bool listed = false;
    bool halted = false;  // trading suspended: no new orders, ticks ignored (HaltSymbol)
    std::string code;
    Won previous_close = 0;
    PriceBand band;
    bool has_tick = false;
    market::Tick last;
    Qty volume_left = 0;       // liquidity of the latest tick not yet taken by fills
    Qty auction_volume = 0;    // volume reported during the closing auction
    Won auction_price = 0;     // last price reported during the closing auction
    // Books. Keys: buy limits (limit, id) ordered by limit desc then id asc; we store (limit, kMaxId - id).
    std::set<std::pair<Won, OrderId>, std::greater<>> buy_limits;
    std::set<std::pair<Won, OrderId>> sell_limits;
    std::set<std::pair<Won, OrderId>> buy_stops;                        // trigger when last ≥ stop
    std::set<std::pair<Won, OrderId>, std::greater<>> sell_stops;       // (stop, kMaxId - id): last ≤ stop
    std::set<OrderId> markets;  // market orders (and triggered stops) waiting for liquidity, by time
};

constexpr OrderId kMaxId = ~OrderId{0};

// cost_basis × q / qty, rounded down, without overflow (cost_basis ≤ kMaxWon, q ≤ qty).
Won CostOfShares(Won cost_basis, Qty q, Qty qty) {
    __extension__ using Int128 = __int128;
    return static_cast<Won>(static_cast<Int128>(cost_basis) * q / qty);
}

struct AccountState {
    AccountBalance balance;
    std::vector<Position> positions;
    std::unordered_set<std::string> client_ids;  // of open orders and of every order since start-up
};

Error Err(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

std::string TickGridMessage(const char* what, Won price) {
    const Won step = market::TickSize(price);
    return std::string(what) + " " + FormatWon(price) + " is not on the KRX tick grid: at this price level prices move in steps of " +
           FormatWon(step) + " won (nearest valid prices " + FormatWon(market::FloorToTick(price)) + " and " +
           FormatWon(market::CeilToTick(price)) + ")";
}

constexpr std::string_view kGeneratedPrefix = kGeneratedClientIdPrefix;

}  // namespace

struct Engine::Impl {
    explicit Impl(EngineOptions o) : options(std::move(o)), session(options.session) {
        if (options.id_stride == 0) options.id_stride = 1;
        options.id_offset %= options.id_stride;
        next_order_id = Align(1);
        next_fill_id = Align(1);
        next_txn = Align(1);
    }

    // The smallest id ≥ at least that this engine may assign (≡ id_offset mod id_stride, never 0).
    std::uint64_t Align(std::uint64_t at_least) const {
        const std::uint64_t stride = options.id_stride, offset = options.id_offset;
        at_least = std::max<std::uint64_t>(at_least, 1);
        const std::uint64_t rem = at_least % stride;
        std::uint64_t id = at_least - rem + offset;
        if (id < at_least) id += stride;
        return id == 0 ? stride : id;
    }
    // Hands out `counter` and moves it to this engine's next id.
    std::uint64_t Take(std::uint64_t& counter) {
        const std::uint64_t id = counter;
        counter += options.id_stride;
        return id;
    }

    EngineOptions options;
    SessionState session;
    std::unordered_map<AccountId, AccountState> accounts;
    std::unordered_map<OrderId, Order> orders;  // open orders only
    std::vector<SymbolState> symbols;
    OrderId next_order_id = 1;
    FillId next_fill_id = 1;
    LedgerTxnId next_txn = 1;
    std::uint64_t next_seq = 1;
    std::int64_t settle_cache_day = INT64_MIN;
    Date settle_cache;

    // ---- lookups ----------------------------------------------------------------------------------

    SymbolState* Sym(SymbolId id) { return id < symbols.size() ? &symbols[id] : nullptr; }

    SymbolState& SymGrow(SymbolId id) {
        if (id >= symbols.size()) symbols.resize(static_cast<std::size_t>(id) + 1);
        return symbols[id];
    }

    static Position& PositionOf(AccountState& a, SymbolId symbol) {
        for (auto& p : a.positions) {
            if (p.symbol == symbol) return p;
        }
        Position p;
        p.account = a.balance.id;
        p.symbol = symbol;
        a.positions.push_back(p);
        return a.positions.back();
    }

    static const Position* FindPos(const AccountState& a, SymbolId symbol) {
        for (const auto& p : a.positions) {
            if (p.symbol == symbol) return &p;
        }
        return nullptr;
    }

    // ---- events -----------------------------------------------------------------------------------

    Event& NewEvent(std::vector<Event>& out, EventType type, Timestamp ts, const AccountState& a) {
        Event& e = out.emplace_back();
        e.type = type;
        e.seq = next_seq++;
        e.ts = ts;
        e.balance = a.balance;
        return e;
    }

    void EmitOrder(std::vector<Event>& out, EventType type, const Order& o, const AccountState& a, Timestamp ts) {
        Event& e = NewEvent(out, type, ts, a);
        e.has_order = true;
        e.order = o;
        if (o.side == Side::kSell) {
            if (const Position* p = FindPos(a, o.symbol)) {
                e.has_position = true;
                e.position = *p;
            }
        }
    }

    // ---- reservations -----------------------------------------------------------------------------

    Won ReservePrice(const Order& o, const SymbolState& s) const {
        return (o.type == OrderType::kLimit || o.type == OrderType::kStopLimit) ? o.limit_price : s.band.upper;
    }

    // ---- books ------------------------------------------------------------------------------------

    void AddToBook(SymbolState& s, const Order& o) {
        const bool is_stop = o.type == OrderType::kStop || o.type == OrderType::kStopLimit;
        if (is_stop && !o.triggered) {
            if (o.side == Side::kBuy) {
                s.buy_stops.emplace(o.stop_price, o.id);
            } else {
                s.sell_stops.emplace(o.stop_price, kMaxId - o.id);
            }
        } else if (o.type == OrderType::kMarket || o.type == OrderType::kStop) {
            s.markets.insert(o.id);
        } else if (o.side == Side::kBuy) {
            s.buy_limits.emplace(o.limit_price, kMaxId - o.id);
        } else {
            s.sell_limits.emplace(o.limit_price, o.id);
        }
    }

    void RemoveFromBook(SymbolState& s, const Order& o) {
        const bool is_stop = o.type == OrderType::kStop || o.type == OrderType::kStopLimit;
        if (is_stop && !o.triggered) {
            if (o.side == Side::kBuy) {
                s.buy_stops.erase({o.stop_price, o.id});
            } else {
                s.sell_stops.erase({o.stop_price, kMaxId - o.id});
            }
        } else if (o.type == OrderType::kMarket || o.type == OrderType::kStop) {
            s.markets.erase(o.id);
        } else if (o.side == Side::kBuy) {
            s.buy_limits.erase({o.limit_price, kMaxId - o.id});
        } else {
            s.sell_limits.erase({o.limit_price, o.id});
        }
    }

    // ---- fills ------------------------------------------------------------------------------------

    // Price at which an order would trade against the latest tick, or 0 if it cannot trade now.
    static Won ExecutablePrice(const Order& o, const SymbolState& s) {
        if (!s.has_tick) return 0;
        const Won px = o.side == Side::kBuy ? (s.last.ask > 0 ? s.last.ask : s.last.price)
                                            : (s.last.bid > 0 ? s.last.bid : s.last.price);
        if (px <= 0 || !s.band.Contains(px)) return 0;  // never trade outside today's band
        const bool priced = o.type == OrderType::kLimit || (o.type == OrderType::kStopLimit && o.triggered);
        if (priced) {
            if (o.side == Side::kBuy && px > o.limit_price) return 0;
            if (o.side == Side::kSell && px < o.limit_price) return 0;
        }
        return px;
    }

    // Fills q shares of an open order at price px, updating balances, position, order and ledger.
    void ExecuteFill(Order& o, AccountState& a, SymbolState& s, Qty q, Won px, Timestamp ts,
                     std::vector<Event>& out) {
        const auto& fees = options.fees;
        const Won notional = px * q;  // px ≤ band upper and q ≤ order qty: bounded by validation at placement
        const Won commission = fees.Commission(notional);
        Position& pos = PositionOf(a, o.symbol);

        Event& e = NewEvent(out, EventType::kOrderFilled, ts, a);
        LedgerTxn& txn = e.ledger;
        txn.id = Take(next_txn);
        auto post = [&](LedgerBook book, Won amount) {
            txn.entries[txn.count++] = LedgerEntry{book, a.balance.id, o.symbol, amount};
        };

        Won tax = 0;
        if (o.side == Side::kBuy) {
            const Qty remaining_after = o.remaining() - q;
            const Won reserve_after = Engine::BuyReservation(ReservePrice(o, s), remaining_after, fees);
            const Won release = o.reserved_cash - reserve_after;
            const Won cost = notional + commission;
            if (a.balance.available() + release < cost) {
                throw std::logic_error("engine invariant broken: fill cost exceeds reserved cash");
            }
            o.reserved_cash = reserve_after;
            a.balance.reserved_cash -= release;
            a.balance.cash -= cost;
            pos.qty += q;
            pos.cost_basis += notional;
            post(LedgerBook::kCash, -cost);
            post(LedgerBook::kSecurities, notional);
            post(LedgerBook::kCommission, commission);
        } else {
            tax = fees.SellTax(notional);
            const Won removed = (q == pos.qty) ? pos.cost_basis
                                               : CostOfShares(pos.cost_basis, q, pos.qty);
            pos.qty -= q;
            pos.reserved_qty -= q;
            pos.cost_basis -= removed;
            pos.realized_pnl += notional - removed - commission - tax;
            a.balance.cash += notional - commission - tax;
            post(LedgerBook::kCash, notional - commission - tax);
            post(LedgerBook::kSecurities, -removed);
            post(LedgerBook::kRealizedPnl, -(notional - removed));
            post(LedgerBook::kCommission, commission);
            post(LedgerBook::kTax, tax);
        }
        o.filled_qty += q;
        o.filled_notional += notional;
        o.updated_at = ts;
        o.status = o.filled_qty == o.qty ? OrderStatus::kFilled : OrderStatus::kPartiallyFilled;

        e.balance = a.balance;
        e.has_order = true;
        e.order = o;
        e.has_position = true;
        e.position = pos;
        e.has_fill = true;
        Fill& f = e.fill;
        f.id = Take(next_fill_id);
        f.order = o.id;
        f.account = a.balance.id;
        f.symbol = o.symbol;
        f.side = o.side;
        f.qty = q;
        f.price = px;
        f.commission = commission;
        f.tax = tax;
        f.ts = ts;
        f.settle_date = SettleDate(ts);
    }

    // T+2 depends only on the KST trade date: computed once per day.
    Date SettleDate(Timestamp ts) {
        const std::int64_t day = (ts + kKstOffsetNanos) / kNanosPerDay;
        if (day != settle_cache_day) {
            settle_cache_day = day;
            settle_cache = ComputeSettleDate(ts);
        }
        return settle_cache;
    }

    Date ComputeSettleDate(Timestamp ts) const {
        Date d = ToKst(ts).date;
        // T+2 trading days from the trade date (a weekend/holiday trade counts from the next trading day).
        if (!options.calendar.IsTradingDay(d)) d = options.calendar.NextTradingDay(d);
        d = options.calendar.NextTradingDay(d);
        return options.calendar.NextTradingDay(d);
    }

    // Ends an open order (canceled / expired), releasing its reservations.
    void Close(Order& o, AccountState& a, OrderStatus status, EventType type, Timestamp ts, std::vector<Event>& out) {
        if (o.side == Side::kBuy) {
            a.balance.reserved_cash -= o.reserved_cash;
            o.reserved_cash = 0;
        } else {
            PositionOf(a, o.symbol).reserved_qty -= o.remaining();
        }
        o.status = status;
        o.updated_at = ts;
        EmitOrder(out, type, o, a, ts);
    }

    // Forgets a closed order (removes it from the open set and its book).
    void Retire(OrderId id) { orders.erase(id); }

    // Tries to fill an order against the latest tick; returns the quantity filled.
    Qty TryFill(Order& o, AccountState& a, SymbolState& s, Timestamp ts, std::vector<Event>& out) {
        if (s.volume_left <= 0) return 0;
        const Won px = ExecutablePrice(o, s);
        if (px == 0) return 0;
        const Qty q = std::min(o.remaining(), s.volume_left);
        s.volume_left -= q;
        ExecuteFill(o, a, s, q, px, ts, out);
        return q;
    }

    // ---- matching on a tick -----------------------------------------------------------------------

    void TriggerStops(SymbolState& s, Won trade_price, Timestamp ts, std::vector<Event>& out) {
        std::vector<OrderId> triggered;
        for (auto it = s.buy_stops.begin(); it != s.buy_stops.end() && it->first <= trade_price;) {
            triggered.push_back(it->second);
            it = s.buy_stops.erase(it);
        }
        for (auto it = s.sell_stops.begin(); it != s.sell_stops.end() && it->first >= trade_price;) {
            triggered.push_back(kMaxId - it->second);
            it = s.sell_stops.erase(it);
        }
        std::sort(triggered.begin(), triggered.end());
        for (OrderId id : triggered) {
            Order& o = orders.at(id);
            o.triggered = true;
            o.updated_at = ts;
            AddToBook(s, o);
            EmitOrder(out, EventType::kOrderTriggered, o, accounts.at(o.account), ts);
        }
    }

    void FillOne(OrderId id, SymbolState& s, Timestamp ts, std::vector<Event>& out, Won fixed_price = 0) {
        Order& o = orders.at(id);
        AccountState& a = accounts.at(o.account);
        Qty filled = 0;
        if (fixed_price > 0) {
            const Qty q = std::min(o.remaining(), s.volume_left);
            if (q > 0) {
                s.volume_left -= q;
                ExecuteFill(o, a, s, q, fixed_price, ts, out);
                filled = q;
            }
        } else {
            filled = TryFill(o, a, s, ts, out);
        }
        if (filled > 0 && o.status == OrderStatus::kFilled) {
            RemoveFromBook(s, o);
            Retire(id);
        }
    }

    // Continuous matching against the latest tick: stops trigger, then market orders by time, then limit
    // orders by price and time, until the tick's volume is used up.
    void Match(SymbolState& s, Timestamp ts, std::vector<Event>& out) {
        TriggerStops(s, s.last.price, ts, out);
        if (s.volume_left <= 0) return;
        for (auto it = s.markets.begin(); it != s.markets.end() && s.volume_left > 0;) {
            const OrderId id = *it++;
            FillOne(id, s, ts, out);
        }
        const Won ask = s.last.ask > 0 ? s.last.ask : s.last.price;
        for (auto it = s.buy_limits.begin(); it != s.buy_limits.end() && s.volume_left > 0 && it->first >= ask;) {
            const OrderId id = kMaxId - it->second;
            ++it;
            FillOne(id, s, ts, out);
        }
        const Won bid = s.last.bid > 0 ? s.last.bid : s.last.price;
        for (auto it = s.sell_limits.begin(); it != s.sell_limits.end() && s.volume_left > 0 && it->first <= bid;) {
            const OrderId id = it->second;
            ++it;
            FillOne(id, s, ts, out);
        }
    }

    // Closing auction: every marketable order trades at the single closing price, in price-time priority,
    // up to the volume reported during the auction.
    void Uncross(SymbolState& s, Timestamp ts, std::vector<Event>& out) {
        const Won px = s.auction_price;
        if (px <= 0 || !s.band.Contains(px)) return;
        s.volume_left = s.auction_volume;
        TriggerStops(s, px, ts, out);
        for (auto it = s.markets.begin(); it != s.markets.end() && s.volume_left > 0;) {
            const OrderId id = *it++;
            FillOne(id, s, ts, out, px);
        }
        for (auto it = s.buy_limits.begin(); it != s.buy_limits.end() && s.volume_left > 0 && it->first >= px;) {
            const OrderId id = kMaxId - it->second;
            ++it;
            FillOne(id, s, ts, out, px);
        }
        for (auto it = s.sell_limits.begin(); it != s.sell_limits.end() && s.volume_left > 0 && it->first <= px;) {
            const OrderId id = it->second;
            ++it;
            FillOne(id, s, ts, out, px);
        }
        s.volume_left = 0;
    }

    // ---- validation -------------------------------------------------------------------------------

    std::optional<Error> ValidatePrice(const char* what, Won price, const SymbolState& s, const std::string& code) const {
        if (price <= 0) return Err(ErrorCode::kInvalidArgument, std::string(what) + " must be a positive number of won");
        if (!market::IsOnTickGrid(price)) return Err(ErrorCode::kInvalidArgument, TickGridMessage(what, price));
        if (!s.band.Contains(price)) {
            return Err(ErrorCode::kInvalidArgument,
                       std::string(what) + " " + FormatWon(price) + " is outside today's price band for " + code + ": " +
                           FormatWon(s.band.lower) + " to " + FormatWon(s.band.upper) + " (±" +
                           std::to_string(options.price_limit_ppm / 10'000) + "% of the previous close " +
                           FormatWon(s.previous_close) + ")");
        }
        return std::nullopt;
    }

    std::string Code(SymbolId id) const {
        if (id < symbols.size() && !symbols[id].code.empty()) return symbols[id].code;
        return "symbol #" + std::to_string(id);
    }

    // Checks an order's own fields against the market rules (not the account).
    std::optional<Error> ValidateOrder(const Order& o, const SymbolState* s) const {
        if (s == nullptr || !s->listed) return Err(ErrorCode::kNotFound, "unknown or unlisted symbol " + Code(o.symbol));
        if (s->halted) {
            return Err(ErrorCode::kFailedPrecondition,
                       "trading in " + Code(o.symbol) + " is halted: no new or replaced orders until it resumes");
        }
        if (o.qty <= 0) return Err(ErrorCode::kInvalidArgument, "qty must be a positive whole number of shares");
        const bool needs_limit = o.type == OrderType::kLimit || o.type == OrderType::kStopLimit;
        const bool needs_stop = o.type == OrderType::kStop || o.type == OrderType::kStopLimit;
        if (needs_limit) {
            if (auto e = ValidatePrice("limit price", o.limit_price, *s, Code(o.symbol))) return e;
        } else if (o.limit_price != 0) {
            return Err(ErrorCode::kInvalidArgument, std::string("limit price is not allowed for ") +
                                                        std::string(OrderTypeName(o.type)) + " orders");
        }
        if (needs_stop) {
            if (auto e = ValidatePrice("stop price", o.stop_price, *s, Code(o.symbol))) return e;
            if (o.tif == TimeInForce::kIoc || o.tif == TimeInForce::kFok) {
                return Err(ErrorCode::kInvalidArgument, "time_in_force ioc and fok are not supported for stop orders");
            }
        } else if (o.stop_price != 0) {
            return Err(ErrorCode::kInvalidArgument, std::string("stop price is not allowed for ") +
                                                        std::string(OrderTypeName(o.type)) + " orders");
        }
        // Keep price × qty (at the highest price the order can pay) inside the exact-money range.
        if (!CheckedNotional(std::max(s->band.upper, o.limit_price), o.qty)) {
            return Err(ErrorCode::kInvalidArgument, "order value exceeds the maximum of " + FormatWon(kMaxWon) + " won");
        }
        if ((o.tif == TimeInForce::kIoc || o.tif == TimeInForce::kFok) && session != SessionState::kContinuous) {
            return Err(ErrorCode::kFailedPrecondition,
                       "the market is " + std::string(market::SessionStateName(session)) +
                           ": ioc and fok orders need the continuous session");
        }
        return std::nullopt;
    }

    // Reserves cash or shares for a new order; an error leaves everything unchanged.
    std::optional<Error> Reserve(Order& o, AccountState& a, const SymbolState& s, Won extra_available = 0,
                                 Qty extra_qty = 0) {
        if (o.side == Side::kBuy) {
            const Won need = Engine::BuyReservation(ReservePrice(o, s), o.qty, options.fees);
            const Won available = a.balance.available() + extra_available;
            if (need > available) {
                const bool at_limit = o.type != OrderType::kLimit && o.type != OrderType::kStopLimit;
                return Err(ErrorCode::kInsufficientFunds,
                           "insufficient buying power: the order needs " + FormatWon(need) + " won" +
                               (at_limit ? " (reserved at the upper price limit " + FormatWon(s.band.upper) + ")" : "") +
                               " but " + FormatWon(available) + " won is available");
            }
            o.reserved_cash = need;
            a.balance.reserved_cash += need;
        } else {
            const Position* p = FindPos(a, o.symbol);
            const Qty available = (p ? p->available() : 0) + extra_qty;
            if (o.qty > available) {
                return Err(ErrorCode::kInsufficientQuantity, "insufficient qty available for order (requested: " +
                                                                 std::to_string(o.qty) + ", available: " +
                                                                 std::to_string(available) + ")");
            }
            PositionOf(a, o.symbol).reserved_qty += o.qty;
        }
        return std::nullopt;
    }

    // Accepts a validated, reserved order: emits it, fills what it can now, applies IOC/FOK, rests the rest.
    // The order lives on this stack frame until it must rest: orders that complete at once never touch the
    // open-order map.
    void Accept(Order&& order, AccountState& a, SymbolState& s, Timestamp ts, std::vector<Event>& out) {
        Order o = std::move(order);
        if (!o.client_order_id.empty()) a.client_ids.insert(o.client_order_id);
        EmitOrder(out, EventType::kOrderAccepted, o, a, ts);

        const bool continuous = session == SessionState::kContinuous;
        if (continuous && s.has_tick && !o.triggered && (o.type == OrderType::kStop || o.type == OrderType::kStopLimit)) {
            const bool hit = o.side == Side::kBuy ? s.last.price >= o.stop_price : s.last.price <= o.stop_price;
            if (hit) {
                o.triggered = true;
                EmitOrder(out, EventType::kOrderTriggered, o, a, ts);
            }
        }
        const bool can_trade = continuous && ((o.type != OrderType::kStop && o.type != OrderType::kStopLimit) || o.triggered);
        if (o.tif == TimeInForce::kFok) {
            const bool fillable = can_trade && ExecutablePrice(o, s) > 0 && s.volume_left >= o.qty;
            if (fillable) TryFill(o, a, s, ts, out);
        } else if (can_trade) {
            TryFill(o, a, s, ts, out);
        }
        if (o.status == OrderStatus::kFilled) return;
        if (o.tif == TimeInForce::kIoc || o.tif == TimeInForce::kFok) {
            Close(o, a, OrderStatus::kCanceled, EventType::kOrderCanceled, ts, out);
            return;
        }
        const OrderId id = o.id;
        AddToBook(s, orders.emplace(id, std::move(o)).first->second);
    }

    Result<Order> BuildOrder(const PlaceOrder& c, AccountState& a, SymbolState* s) {
        Order o;
        o.account = c.account;
        o.symbol = c.symbol;
        o.side = c.side;
        o.type = c.type;
        o.tif = c.tif;
        o.qty = c.qty;
        o.limit_price = c.limit_price;
        o.stop_price = c.stop_price;
        o.created_at = c.ts;
        o.updated_at = c.ts;
        if (auto e = ValidateOrder(o, s)) return std::unexpected(*e);
        if (c.client_order_id.size() > kMaxClientOrderIdLength) {
            return MakeError(ErrorCode::kInvalidArgument, "client_order_id must be at most 128 characters");
        }
        if (c.client_order_id.rfind(kGeneratedPrefix, 0) == 0) {
            return MakeError(ErrorCode::kInvalidArgument,
                             "client_order_id may not start with 'ik-' (reserved for ids the server generates)");
        }
        if (!c.client_order_id.empty() && a.client_ids.contains(c.client_order_id)) {
            return MakeError(ErrorCode::kAlreadyExists, "client_order_id must be unique");
        }
        return o;
    }

    void AssignId(Order& o, const std::string& client_order_id) {
        o.id = Take(next_order_id);
        o.client_order_id = client_order_id;
    }

    // Re-reserves open market/stop buys at a new upper limit; cancels those the account can no longer cover.
    void Rereserve(SymbolId symbol, Timestamp ts, std::vector<Event>& out) {
        SymbolState& s = symbols[symbol];
        std::vector<OrderId> ids;
        for (const auto& [id, o] : orders) {
            if (o.symbol == symbol && o.side == Side::kBuy) ids.push_back(id);
        }
        std::sort(ids.begin(), ids.end());
        for (OrderId id : ids) {
            Order& o = orders.at(id);
            AccountState& a = accounts.at(o.account);
            const Won need = Engine::BuyReservation(ReservePrice(o, s), o.remaining(), options.fees);
            if (need == o.reserved_cash) continue;
            if (need - o.reserved_cash > a.balance.available()) {
                RemoveFromBook(s, o);
                Close(o, a, OrderStatus::kCanceled, EventType::kOrderCanceled, ts, out);
                Retire(id);
                continue;
            }
            a.balance.reserved_cash += need - o.reserved_cash;
            o.reserved_cash = need;
            o.updated_at = ts;
            EmitOrder(out, EventType::kOrderRereserved, o, a, ts);
        }
    }
};

Engine::Engine(EngineOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Engine::~Engine() = default;

Won Engine::BuyReservation(Won reserve_price, Qty qty, const market::FeeSchedule& fees) {
    const Won notional = reserve_price * qty;
    return notional + fees.Commission(notional);
}

CommandResult Engine::Apply(const Command& command, std::vector<Event>& out) {
    return std::visit(
        [&](const auto& c) -> CommandResult {
            using T = std::decay_t<decltype(c)>;
            if constexpr (std::is_same_v<T, OpenAccount>) return Open(c, out);
            if constexpr (std::is_same_v<T, trading::Deposit>) return Deposit(c, out);
            if constexpr (std::is_same_v<T, PlaceOrder>) return Place(c, out);
            if constexpr (std::is_same_v<T, CancelOrder>) return Cancel(c, out);
            if constexpr (std::is_same_v<T, ReplaceOrder>) return Replace(c, out);
            if constexpr (std::is_same_v<T, MarketTick>) {
                OnTick(c.tick, out);
                return {};
            }
            if constexpr (std::is_same_v<T, SessionChange>) {
                OnSession(c, out);
                return {};
            }
            if constexpr (std::is_same_v<T, ListSymbol>) {
                List(c);
                impl_->Rereserve(c.symbol, c.ts, out);
                return {};
            }
            if constexpr (std::is_same_v<T, HaltSymbol>) return Halt(c);
            return {};
        },
        command);
}

CommandResult Engine::Open(const OpenAccount& c, std::vector<Event>& out) {
    auto& m = *impl_;
    if (c.account == 0) return {Err(ErrorCode::kInvalidArgument, "account id must be positive"), 0};
    if (c.starting_cash < 0 || c.starting_cash > kMaxWon) {
        return {Err(ErrorCode::kInvalidArgument, "starting cash out of range"), 0};
    }
    auto [it, inserted] = m.accounts.try_emplace(c.account);
    if (!inserted) return {Err(ErrorCode::kAlreadyExists, "account " + std::to_string(c.account) + " already exists"), 0};
    AccountState& a = it->second;
    a.balance.id = c.account;
    a.balance.cash = c.starting_cash;
    Event& e = m.NewEvent(out, EventType::kAccountOpened, c.ts, a);
    e.deposit_amount = c.starting_cash;
    if (c.starting_cash > 0) {
        e.ledger.id = m.Take(m.next_txn);
        e.ledger.entries[e.ledger.count++] = LedgerEntry{LedgerBook::kCash, c.account, market::kNoSymbol, c.starting_cash};
        e.ledger.entries[e.ledger.count++] =
            LedgerEntry{LedgerBook::kDeposits, c.account, market::kNoSymbol, -c.starting_cash};
    }
    return {};
}

CommandResult Engine::Deposit(const trading::Deposit& c, std::vector<Event>& out) {
    auto& m = *impl_;
    auto it = m.accounts.find(c.account);
    if (it == m.accounts.end()) return {Err(ErrorCode::kNotFound, "account not found"), 0};
    AccountState& a = it->second;
    if (c.amount <= 0) return {Err(ErrorCode::kInvalidArgument, "amount must be a positive number of won"), 0};
    if (c.amount > kMaxWon - a.balance.cash) {
        return {Err(ErrorCode::kInvalidArgument, "the balance would exceed the maximum of " + FormatWon(kMaxWon) + " won"),
                0};
    }
    // Equity just before the money arrives, marked at the last trade (or the previous close): the boundary of
    // a time-weighted-return period, so deposits never count as return.
    Won equity_before = a.balance.cash;
    for (const auto& p : a.positions) {
        if (p.qty == 0) continue;
        const SymbolState* s = m.Sym(p.symbol);
        const Won mark = s == nullptr ? 0 : (s->has_tick && s->last.price > 0 ? s->last.price : s->previous_close);
        equity_before += mark > 0 ? mark * p.qty : p.cost_basis;
    }
    a.balance.cash += c.amount;
    Event& e = m.NewEvent(out, EventType::kDeposited, c.ts, a);
    e.deposit_amount = c.amount;
    e.equity_before = equity_before;
    e.ledger.id = m.Take(m.next_txn);
    e.ledger.entries[e.ledger.count++] = LedgerEntry{LedgerBook::kCash, c.account, market::kNoSymbol, c.amount};
    e.ledger.entries[e.ledger.count++] = LedgerEntry{LedgerBook::kDeposits, c.account, market::kNoSymbol, -c.amount};
    return {};
}

CommandResult Engine::Place(const PlaceOrder& c, std::vector<Event>& out) {
    auto& m = *impl_;
    auto it = m.accounts.find(c.account);
    if (it == m.accounts.end()) return {Err(ErrorCode::kNotFound, "account not found"), 0};
    AccountState& a = it->second;
    SymbolState* s = m.Sym(c.symbol);
    auto built = m.BuildOrder(c, a, s);
    if (!built) return {built.error(), 0};
    Order& o = *built;
    if (auto e = m.Reserve(o, a, *s)) return {*e, 0};
    m.AssignId(o, c.client_order_id);
    const OrderId id = o.id;
    m.Accept(std::move(o), a, *s, c.ts, out);
    return {std::nullopt, id};
}

CommandResult Engine::Cancel(const CancelOrder& c, std::vector<Event>& out) {
    auto& m = *impl_;
    auto it = m.orders.find(c.order);
    if (it == m.orders.end() || it->second.account != c.account) {
        return {Err(ErrorCode::kNotFound, "order not found or no longer open"), 0};
    }
    Order& o = it->second;
    AccountState& a = m.accounts.at(o.account);
    m.RemoveFromBook(m.symbols[o.symbol], o);
    m.Close(o, a, OrderStatus::kCanceled, EventType::kOrderCanceled, c.ts, out);
    m.Retire(c.order);
    return {std::nullopt, c.order};
}

CommandResult Engine::Replace(const ReplaceOrder& c, std::vector<Event>& out) {
    auto& m = *impl_;
    auto it = m.orders.find(c.order);
    if (it == m.orders.end() || it->second.account != c.account) {
        return {Err(ErrorCode::kNotFound, "order not found or no longer open"), 0};
    }
    Order& old = it->second;
    AccountState& a = m.accounts.at(old.account);
    SymbolState& s = m.symbols[old.symbol];
    if (c.qty < 0 || c.limit_price < 0 || c.stop_price < 0) {
        return {Err(ErrorCode::kInvalidArgument, "qty, limit price and stop price must not be negative"), 0};
    }
    if (old.type == OrderType::kMarket && (c.limit_price != 0 || c.stop_price != 0)) {
        return {Err(ErrorCode::kInvalidArgument, "a market order can only have its qty replaced"), 0};
    }
    PlaceOrder p;
    p.account = old.account;
    p.symbol = old.symbol;
    p.side = old.side;
    p.type = old.type;
    p.tif = c.tif.value_or(old.tif);
    p.qty = c.qty != 0 ? c.qty : old.remaining();
    p.limit_price = c.limit_price != 0 ? c.limit_price : old.limit_price;
    p.stop_price = c.stop_price != 0 ? c.stop_price : old.stop_price;
    p.client_order_id = c.client_order_id;
    p.ts = c.ts;
    auto built = m.BuildOrder(p, a, &s);
    if (!built) return {built.error(), 0};
    Order& fresh = *built;
    // The new order may use what the old one holds: check against available + the old reservation.
    if (auto e = m.Reserve(fresh, a, s, old.side == Side::kBuy ? old.reserved_cash : 0,
                           old.side == Side::kSell ? old.remaining() : 0)) {
        return {*e, 0};
    }
    // Reserve() added the new reservation on top; now release the old order's.
    m.AssignId(fresh, c.client_order_id);
    fresh.replaces = old.id;
    fresh.triggered = old.triggered && fresh.stop_price == old.stop_price;
    m.RemoveFromBook(s, old);
    old.replaced_by = fresh.id;
    m.Close(old, a, OrderStatus::kReplaced, EventType::kOrderReplaced, c.ts, out);
    m.Retire(c.order);
    const OrderId id = fresh.id;
    m.Accept(std::move(fresh), a, s, c.ts, out);
    return {std::nullopt, id};
}

void Engine::OnTick(const market::Tick& t, std::vector<Event>& out) {
    auto& m = *impl_;
    SymbolState* s = m.Sym(t.symbol);
    if (s == nullptr || !s->listed || s->halted) return;
    // Volume above 10^12 shares in one tick is not market data; refusing it also keeps sums far from overflow.
    constexpr Qty kMaxTickVolume = 1'000'000'000'000LL;
    if (t.price <= 0 || t.volume < 0 || t.volume > kMaxTickVolume || t.bid < 0 || t.ask < 0 ||
        (t.bid > 0 && t.ask > 0 && t.bid > t.ask)) {
        return;
    }
    if (!s->band.Contains(t.price) || (t.bid > 0 && !s->band.Contains(t.bid)) ||
        (t.ask > 0 && !s->band.Contains(t.ask))) {
        return;
    }
    s->has_tick = true;
    s->last = t;
    s->volume_left = t.volume;
    if (m.session == SessionState::kClosingAuction) {
        s->auction_volume = std::min(s->auction_volume + t.volume, kMaxTickVolume * 1'000);
        s->auction_price = t.price;
        s->volume_left = 0;
        return;
    }
    if (m.session != SessionState::kContinuous) {
        s->volume_left = 0;
        return;
    }
    m.Match(*s, t.ts, out);
}

void Engine::OnSession(const SessionChange& c, std::vector<Event>& out) {
    auto& m = *impl_;
    const SessionState before = m.session;
    if (before == c.state) return;
    m.session = c.state;
    if (before == SessionState::kClosingAuction) {
        for (auto& s : m.symbols) {
            if (!s.halted) m.Uncross(s, c.ts, out);
            s.auction_volume = 0;
            s.auction_price = 0;
        }
    }
    if (c.state == SessionState::kClosingAuction) {
        for (auto& s : m.symbols) {
            s.auction_volume = 0;
            s.auction_price = 0;
            s.volume_left = 0;
        }
    }
    if (c.state == SessionState::kClosed) {
        std::vector<OrderId> day;
        for (const auto& [id, o] : m.orders) {
            if (o.tif == TimeInForce::kDay) day.push_back(id);
        }
        std::sort(day.begin(), day.end());
        for (OrderId id : day) {
            Order& o = m.orders.at(id);
            m.RemoveFromBook(m.symbols[o.symbol], o);
            m.Close(o, m.accounts.at(o.account), OrderStatus::kExpired, EventType::kOrderExpired, c.ts, out);
            m.Retire(id);
        }
        for (auto& s : m.symbols) s.volume_left = 0;
    }
}

void Engine::List(const ListSymbol& c) {
    auto& m = *impl_;
    SymbolState& s = m.SymGrow(c.symbol);
    if (c.previous_close <= 0) return;
    s.listed = true;
    if (!c.code.empty()) s.code = c.code;
    const market::PriceBand band = market::ComputeKrxPriceBand(c.previous_close, m.options.price_limit_ppm);
    if (s.previous_close != c.previous_close) {
        // A new reference price: liquidity, quotes and auction prices seen under the old band are not
        // tradable under the new one.
        s.volume_left = 0;
        if (s.has_tick && (!band.Contains(s.last.price) || (s.last.bid > 0 && !band.Contains(s.last.bid)) ||
                           (s.last.ask > 0 && !band.Contains(s.last.ask)))) {
            s.has_tick = false;
        }
        if (s.auction_price > 0 && !band.Contains(s.auction_price)) {
            s.auction_price = 0;
            s.auction_volume = 0;
        }
    }
    s.previous_close = c.previous_close;
    s.band = band;
}

CommandResult Engine::Halt(const HaltSymbol& c) {
    auto& m = *impl_;
    SymbolState* s = m.Sym(c.symbol);
    if (s == nullptr || !s->listed) {
        return {Err(ErrorCode::kNotFound, "unknown or unlisted symbol " + m.Code(c.symbol)), 0};
    }
    s->halted = c.halted;
    if (c.halted) {
        // The quote's liquidity belongs to the market before the halt; trading resumes on fresh ticks.
        s->volume_left = 0;
        s->auction_volume = 0;
        s->auction_price = 0;
    }
    return {};
}

void Engine::Restore(const EngineSnapshot& snap) {
    auto& m = *impl_;
    for (const auto& [symbol, close] : snap.previous_closes) List(ListSymbol{symbol, close, 0, {}});
    for (const auto& b : snap.accounts) m.accounts[b.id].balance = b;
    for (const auto& p : snap.positions) {
        AccountState& a = m.accounts[p.account];
        a.balance.id = p.account;
        a.positions.push_back(p);
    }
    for (const auto& t : snap.last_ticks) {
        SymbolState& s = m.SymGrow(t.symbol);
        s.has_tick = true;
        s.last = t;
        s.volume_left = 0;  // the liquidity of a tick from before the restart is gone
    }
    for (const auto& o : snap.open_orders) {
        AccountState& a = m.accounts[o.account];
        if (!o.client_order_id.empty() && o.client_order_id.rfind(kGeneratedPrefix, 0) != 0) {
            a.client_ids.insert(o.client_order_id);
        }
        m.orders[o.id] = o;
        m.AddToBook(m.SymGrow(o.symbol), o);
    }
    m.next_order_id = m.Align(std::max(m.next_order_id, snap.next_order_id));
    m.next_fill_id = m.Align(std::max(m.next_fill_id, snap.next_fill_id));
    m.next_txn = m.Align(std::max(m.next_txn, snap.next_ledger_txn));
    m.next_seq = std::max(m.next_seq, snap.next_event_seq);
}

EngineSnapshot Engine::Snapshot() const {
    const auto& m = *impl_;
    EngineSnapshot snap;
    for (const auto& [id, a] : m.accounts) {
        snap.accounts.push_back(a.balance);
        for (const auto& p : a.positions) {
            if (p.qty != 0 || p.reserved_qty != 0) snap.positions.push_back(p);
        }
    }
    for (const auto& [id, o] : m.orders) snap.open_orders.push_back(o);
    std::sort(snap.accounts.begin(), snap.accounts.end(), [](auto& x, auto& y) { return x.id < y.id; });
    std::sort(snap.open_orders.begin(), snap.open_orders.end(), [](auto& x, auto& y) { return x.id < y.id; });
    for (SymbolId i = 0; i < m.symbols.size(); ++i) {
        if (m.symbols[i].has_tick) snap.last_ticks.push_back(m.symbols[i].last);
        if (m.symbols[i].listed) snap.previous_closes.emplace_back(i, m.symbols[i].previous_close);
    }
    snap.next_order_id = m.next_order_id;
    snap.next_fill_id = m.next_fill_id;
    snap.next_ledger_txn = m.next_txn;
    snap.next_event_seq = m.next_seq;
    return snap;
}

const AccountBalance* Engine::FindAccount(AccountId id) const {
    auto it = impl_->accounts.find(id);
    return it == impl_->accounts.end() ? nullptr : &it->second.balance;
}

const Position* Engine::FindPosition(AccountId id, SymbolId symbol) const {
    auto it = impl_->accounts.find(id);
    return it == impl_->accounts.end() ? nullptr : Impl::FindPos(it->second, symbol);
}

const Order* Engine::FindOrder(OrderId id) const {
    auto it = impl_->orders.find(id);
    return it == impl_->orders.end() ? nullptr : &it->second;
}

std::vector<Order> Engine::OpenOrders(AccountId id) const {
    std::vector<Order> result;
    for (const auto& [oid, o] : impl_->orders) {
        if (o.account == id) result.push_back(o);
    }
    std::sort(result.begin(), result.end(), [](auto& x, auto& y) { return x.id < y.id; });
    return result;
}

std::vector<Position> Engine::Positions(AccountId id) const {
    auto it = impl_->accounts.find(id);
    if (it == impl_->accounts.end()) return {};
    return it->second.positions;
}

market::SessionState Engine::session() const { return impl_->session; }

const market::Tick* Engine::LastTick(SymbolId symbol) const {
    const SymbolState* s = impl_->Sym(symbol);
    return s && s->has_tick ? &s->last : nullptr;
}

bool Engine::IsHalted(SymbolId symbol) const {
    const SymbolState* s = impl_->Sym(symbol);
    return s != nullptr && s->halted;
}

std::size_t Engine::open_order_count() const { return impl_->orders.size(); }

const EngineOptions& Engine::options() const { return impl_->options; }

}  // namespace ik::trading
