#pragma once
// Values of the trading domain: orders, fills, positions, account balances, ledger entries, and the
// commands the engine accepts and the events it emits. Plain data, freely copyable, no behaviour.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/error.hpp"
#include "common/money.hpp"
#include "common/time.hpp"
#include "market/session.hpp"
#include "market/symbols.hpp"
#include "market/tick.hpp"

namespace ik::trading {

using market::SymbolId;
using AccountId = std::uint64_t;
using OrderId = std::uint64_t;   // assigned by the engine, strictly increasing, never reused
using FillId = std::uint64_t;    // assigned by the engine, strictly increasing
using LedgerTxnId = std::uint64_t;

enum class Side : std::uint8_t { kBuy, kSell };
enum class OrderType : std::uint8_t { kMarket, kLimit, kStop, kStopLimit };
enum class TimeInForce : std::uint8_t { kDay, kGtc, kIoc, kFok };
// Alpaca's names: new, partially_filled, filled, canceled, expired, replaced.
enum class OrderStatus : std::uint8_t { kNew, kPartiallyFilled, kFilled, kCanceled, kExpired, kReplaced };

std::string_view SideName(Side s);                // "buy" | "sell"
std::string_view OrderTypeName(OrderType t);      // "market" | "limit" | "stop" | "stop_limit"
std::string_view TimeInForceName(TimeInForce t);  // "day" | "gtc" | "ioc" | "fok"
std::string_view OrderStatusName(OrderStatus s);
Result<Side> ParseSide(std::string_view s);
Result<OrderType> ParseOrderType(std::string_view s);
Result<TimeInForce> ParseTimeInForce(std::string_view s);
Result<OrderStatus> ParseOrderStatus(std::string_view s);

constexpr bool IsOpen(OrderStatus s) { return s == OrderStatus::kNew || s == OrderStatus::kPartiallyFilled; }

inline constexpr std::size_t kMaxClientOrderIdLength = 128;  // Alpaca's limit

struct Order {
    OrderId id = 0;
    AccountId account = 0;
    SymbolId symbol = market::kNoSymbol;
    Side side = Side::kBuy;
    OrderType type = OrderType::kMarket;
    TimeInForce tif = TimeInForce::kDay;
    OrderStatus status = OrderStatus::kNew;
    bool triggered = false;       // stop / stop_limit: the stop price has been reached
    Qty qty = 0;
    Qty filled_qty = 0;
    Won limit_price = 0;          // 0 = none
    Won stop_price = 0;           // 0 = none
    Won filled_notional = 0;      // Σ fill price × qty; average fill price = filled_notional / filled_qty
    Won reserved_cash = 0;        // buys: cash still held for the unfilled part (price × qty + commission)
    Timestamp created_at = 0;
    Timestamp updated_at = 0;
    OrderId replaces = 0;         // the order this one replaced, 0 = none
    OrderId replaced_by = 0;      // the order that replaced this one, 0 = none
    std::string client_order_id;  // unique per account; empty = none given (see ClientOrderIdOf)

    Qty remaining() const { return qty - filled_qty; }
};

// Client order ids the server generates start with this prefix, which clients may not use.
inline constexpr std::string_view kGeneratedClientIdPrefix = "ik-";

// The client order id to show and store: the client's own, or "ik-<order id>" when it gave none. The engine
// keeps the generated form implicit so the hot path builds no string.
inline std::string ClientOrderIdOf(const Order& o) {
    return o.client_order_id.empty() ? std::string(kGeneratedClientIdPrefix) + std::to_string(o.id) : o.client_order_id;
}

struct Fill {
    FillId id = 0;
    OrderId order = 0;
    AccountId account = 0;
    SymbolId symbol = market::kNoSymbol;
    Side side = Side::kBuy;
    Qty qty = 0;
    Won price = 0;
    Won commission = 0;
    Won tax = 0;                  // securities transaction tax, sells only
    Timestamp ts = 0;
    Date settle_date;             // T+2 trading days (buying power settles immediately in the demo)
};

struct Position {
    AccountId account = 0;
    SymbolId symbol = market::kNoSymbol;
    Qty qty = 0;
    Qty reserved_qty = 0;         // held by open sell orders
    Won cost_basis = 0;           // Σ price × qty of shares held (fees excluded); average cost = cost_basis / qty
    Won realized_pnl = 0;         // Σ over sells of proceeds − cost of shares sold − sell commission − tax
    Qty available() const { return qty - reserved_qty; }
};

struct AccountBalance {
    AccountId id = 0;
    Won cash = 0;
    Won reserved_cash = 0;        // held by open buy orders
    Won available() const { return cash - reserved_cash; }
};

// Double-entry bookkeeping, debit positive and credit negative; each transaction's entries sum to zero.
// All books belong to one account: kCash and kSecurities (shares at cost) are assets; kDeposits is the
// capital paid in (credit); kRealizedPnl takes gains as credits and losses as debits; kCommission and kTax
// are the fees the account paid (expenses, debits).
//   deposit X:                 cash +X, deposits −X
//   buy q @ p, commission c:   cash −(pq + c), securities +pq, commission +c
//   sell q @ p, cost k, c, t:  cash +(pq − c − t), securities −k, realized_pnl −(pq − k), commission +c, tax +t
enum class LedgerBook : std::uint8_t { kCash, kSecurities, kRealizedPnl, kDeposits, kCommission, kTax };
std::string_view LedgerBookName(LedgerBook b);
Result<LedgerBook> ParseLedgerBook(std::string_view s);

struct LedgerEntry {
    LedgerBook book = LedgerBook::kCash;
    AccountId account = 0;
    SymbolId symbol = market::kNoSymbol;  // set on every fill entry; kNoSymbol on deposits
    Won amount = 0;               // debit positive, credit negative
};

inline constexpr std::size_t kMaxLedgerEntries = 6;

struct LedgerTxn {
    LedgerTxnId id = 0;           // 0 = no transaction
    std::uint8_t count = 0;
    std::array<LedgerEntry, kMaxLedgerEntries> entries{};
};

// ---- Commands -------------------------------------------------------------------------------------
// Every command carries the time the caller stamped on it; the engine reads no clock.

struct OpenAccount {
    AccountId account = 0;
    Won starting_cash = 0;        // posted as the first deposit
    Timestamp ts = 0;
};

struct Deposit {
    AccountId account = 0;
    Won amount = 0;               // > 0
    Timestamp ts = 0;
};

struct PlaceOrder {
    AccountId account = 0;
    SymbolId symbol = market::kNoSymbol;
    Side side = Side::kBuy;
    OrderType type = OrderType::kMarket;
    TimeInForce tif = TimeInForce::kDay;
    Qty qty = 0;
    Won limit_price = 0;
    Won stop_price = 0;
    std::string client_order_id;  // empty = engine assigns one
    Timestamp ts = 0;
};

struct CancelOrder {
    AccountId account = 0;
    OrderId order = 0;
    Timestamp ts = 0;
};

struct ReplaceOrder {
    AccountId account = 0;
    OrderId order = 0;
    Qty qty = 0;                  // 0 = keep the remaining quantity
    Won limit_price = 0;          // 0 = keep
    Won stop_price = 0;           // 0 = keep
    std::optional<TimeInForce> tif;
    std::string client_order_id;  // empty = engine assigns one
    Timestamp ts = 0;
};

struct MarketTick {
    market::Tick tick;
};

struct SessionChange {
    market::SessionState state = market::SessionState::kClosed;
    Timestamp ts = 0;
};

// Lists or relists a symbol, setting the previous close that defines the day's price band.
struct ListSymbol {
    SymbolId symbol = market::kNoSymbol;
    Won previous_close = 0;
    Timestamp ts = 0;
    std::string code;  // for messages ("005930"); may be empty
};

// Halts (halted = true) or resumes trading in a listed symbol. While halted the engine refuses new orders and
// replaces for it (kFailedPrecondition), ignores its ticks and leaves it out of the closing auction; open
// orders stay open and can be canceled. Halting drops the last tick's unused liquidity, so after a resume
// nothing fills before a fresh tick. Relisting (a new previous close) keeps the halt.
struct HaltSymbol {
    SymbolId symbol = market::kNoSymbol;
    bool halted = true;
    Timestamp ts = 0;
};

using Command = std::variant<OpenAccount, Deposit, PlaceOrder, CancelOrder, ReplaceOrder, MarketTick, SessionChange,
                             ListSymbol, HaltSymbol>;

// ---- Events ---------------------------------------------------------------------------------------
// Each event carries the state it produced (snapshots, not deltas), so a store can upsert it idempotently.

enum class EventType : std::uint8_t {
    kAccountOpened,   // balance, ledger (the starting deposit)
    kDeposited,       // balance, deposit_amount, ledger
    kOrderAccepted,   // order, balance, position (sells reserve shares)
    kOrderTriggered,  // order (a stop order's stop was reached)
    kOrderFilled,     // fill, order, balance, position, ledger
    kOrderCanceled,   // order, balance, position (reservation released)
    kOrderExpired,    // order, balance, position
    kOrderReplaced,   // order (the old one, status replaced); the new order follows as kOrderAccepted
    kOrderRereserved, // order, balance: a new price band changed what an open market/stop buy holds
};
std::string_view EventTypeName(EventType t);

struct Event {
    EventType type = EventType::kOrderAccepted;
    std::uint64_t seq = 0;        // engine event sequence, strictly increasing
    Timestamp ts = 0;
    bool has_order = false;
    bool has_position = false;
    bool has_fill = false;
    Won deposit_amount = 0;
    Won equity_before = 0;        // kDeposited: cash + positions at their last price, just before the deposit
    Order order;
    AccountBalance balance;
    Position position;
    Fill fill;
    LedgerTxn ledger;
};

// What a command did besides its events: the order it created (if any) or why it was refused. A refused
// command changes nothing and emits no event.
struct CommandResult {
    std::optional<Error> error;
    OrderId order = 0;
    bool ok() const { return !error.has_value(); }
};

}  // namespace ik::trading
