#pragma once
// Mapping between rows and the stores' records, shared by the SQLite and MariaDB backends. A Row is any
// statement positioned on a result row offering `std::int64_t Int(int)` (NULL reads as 0),
// `std::string Text(int)` and `bool IsNull(int)`, with 0-based columns (impl::Stmt, mysql::Statement); each
// reader expects the columns in the order its comment (or column macro) gives. The SQL that selects them stays
// in each backend. Stateless; internal to the storage module.
#include <cstdint>
#include <optional>
#include <string>

#include "common/error.hpp"
#include "common/time.hpp"
#include "market/tick.hpp"
#include "storage/store.hpp"
#include "trading/types.hpp"

// The order columns in bind/read order; macros so statements can be concatenated at compile time.
#define IK_ORDER_COLUMNS                                                                                         \
    "id, account_id, stock_id, client_order_id, side, type, time_in_force, status, triggered, qty, filled_qty, " \
    "limit_price, stop_price, filled_notional, reserved_cash, replaces, replaced_by, created_at, updated_at"
// The fill and position columns in read order.
#define IK_FILL_COLUMNS "id, order_id, account_id, stock_id, side, qty, price, commission, tax, ts, settle_date"
#define IK_POSITION_COLUMNS "account_id, stock_id, qty, reserved_qty, cost_basis, realized_pnl"
// The alert and notification columns in read order.
#define IK_ALERT_COLUMNS                                                                                \
    "id, user_id, stock_id, kind, level, mode, cooldown_s, expires_at, channels, webhook_url, status, " \
    "last_fired_at, created_at, updated_at, webhook_secret, sns_topic_arn, language"
#define IK_NOTIFICATION_COLUMNS \
    "id, user_id, alert_id, stock_id, price, message, channels, fired_at, created_at, read_at"

#define IK_DELIVERY_COLUMNS                                                                                        \
    "d.id, d.notification_id, d.user_id, d.channel, d.target, d.secret, d.status, d.attempts, d.next_attempt_at, " \
    "d.last_error, d.delivered_at, d.created_at"
// The notification columns as IK_NOTIFICATION_COLUMNS, of the alias n (after IK_DELIVERY_COLUMNS: from 12).
#define IK_DELIVERY_NOTIFICATION_COLUMNS \
    "n.id, n.user_id, n.alert_id, n.stock_id, n.price, n.message, n.channels, n.fired_at, n.created_at, n.read_at"

namespace ik::storage::rows {

// The refusal of a commit whose consumer offset was moved by another writer (stored -1: no row).
inline std::unexpected<Error> FencedError(const ConsumerOffset& o, std::int64_t stored) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "fenced: " + o.consumer + " expected offset " + std::to_string(o.expected) + " of " + o.topic +
                         "[" + std::to_string(o.partition) + "] but " + std::to_string(stored) +
                         " is stored; another owner has written since");
}

namespace detail {

inline std::optional<std::int64_t> NullIfZero(std::uint64_t id) {
    return id == 0 ? std::nullopt : std::optional<std::int64_t>(static_cast<std::int64_t>(id));
}

template <class T>
Status Take(Result<T> parsed, T& out, trading::OrderId id, const std::string& where) {
    if (!parsed) {
        return MakeError(ErrorCode::kDataLoss, where + ": order " + std::to_string(id) + ": " + parsed.error().message);
    }
    out = *parsed;
    return {};
}

}  // namespace detail

// Binds the 19 parameters kFirst … kFirst + 18 in IK_ORDER_COLUMNS order (replaces/replaced_by 0 → NULL);
// kFirst is the backend's first parameter index (1 in SQLite, 0 in MariaDB).
template <int kFirst, class Stmt>
void BindOrder(Stmt& stmt, const trading::Order& o) {
    stmt.Bind(kFirst + 0, static_cast<std::int64_t>(o.id))
        .Bind(kFirst + 1, static_cast<std::int64_t>(o.account))
        .Bind(kFirst + 2, std::int64_t{o.symbol})
        .Bind(kFirst + 3, trading::ClientOrderIdOf(o))  // the generated "ik-<id>" when the client gave none
        .Bind(kFirst + 4, trading::SideName(o.side))
        .Bind(kFirst + 5, trading::OrderTypeName(o.type))
        .Bind(kFirst + 6, trading::TimeInForceName(o.tif))
        .Bind(kFirst + 7, trading::OrderStatusName(o.status))
        .Bind(kFirst + 8, std::int64_t{o.triggered ? 1 : 0})
        .Bind(kFirst + 9, o.qty)
        .Bind(kFirst + 10, o.filled_qty)
        .Bind(kFirst + 11, o.limit_price)
        .Bind(kFirst + 12, o.stop_price)
        .Bind(kFirst + 13, o.filled_notional)
        .Bind(kFirst + 14, o.reserved_cash)
        .BindOptional(kFirst + 15, detail::NullIfZero(o.replaces))
        .BindOptional(kFirst + 16, detail::NullIfZero(o.replaced_by))
        .Bind(kFirst + 17, o.created_at)
        .Bind(kFirst + 18, o.updated_at);
}

// A row selected with IK_ORDER_COLUMNS as its first columns; kDataLoss (naming `where`) for an unknown enum name.
template <class Row>
Result<trading::Order> OrderFromRow(const Row& row, const std::string& where) {
    trading::Order o;
    o.id = static_cast<trading::OrderId>(row.Int(0));
    o.account = static_cast<trading::AccountId>(row.Int(1));
    o.symbol = static_cast<market::SymbolId>(row.Int(2));
    o.client_order_id = row.Text(3);
    if (auto ok = detail::Take(trading::ParseSide(row.Text(4)), o.side, o.id, where); !ok) {
        return std::unexpected(ok.error());
    }
    if (auto ok = detail::Take(trading::ParseOrderType(row.Text(5)), o.type, o.id, where); !ok) {
        return std::unexpected(ok.error());
    }
    if (auto ok = detail::Take(trading::ParseTimeInForce(row.Text(6)), o.tif, o.id, where); !ok) {
        return std::unexpected(ok.error());
    }
    if (auto ok = detail::Take(trading::ParseOrderStatus(row.Text(7)), o.status, o.id, where); !ok) {
        return std::unexpected(ok.error());
    }
    o.triggered = row.Int(8) != 0;
    o.qty = row.Int(9);
    o.filled_qty = row.Int(10);
    o.limit_price = row.Int(11);
    o.stop_price = row.Int(12);
    o.filled_notional = row.Int(13);
    o.reserved_cash = row.Int(14);
    o.replaces = static_cast<trading::OrderId>(row.Int(15));  // NULL reads as 0
    o.replaced_by = static_cast<trading::OrderId>(row.Int(16));
    o.created_at = row.Int(17);
    o.updated_at = row.Int(18);
    return o;
}

// A row selected with IK_FILL_COLUMNS; kDataLoss for an unknown side or a malformed settle date.
template <class Row>
Result<trading::Fill> FillFromRow(const Row& row, const std::string& where) {
    trading::Fill f;
    f.id = static_cast<trading::FillId>(row.Int(0));
    f.order = static_cast<trading::OrderId>(row.Int(1));
    f.account = static_cast<trading::AccountId>(row.Int(2));
    f.symbol = static_cast<market::SymbolId>(row.Int(3));
    auto side = trading::ParseSide(row.Text(4));
    if (!side) {
        return MakeError(ErrorCode::kDataLoss, where + ": fill " + std::to_string(f.id) + ": " + side.error().message);
    }
    f.side = *side;
    f.qty = row.Int(5);
    f.price = row.Int(6);
    f.commission = row.Int(7);
    f.tax = row.Int(8);
    f.ts = row.Int(9);
    auto date = ParseDate(row.Text(10));
    if (!date) {
        return MakeError(ErrorCode::kDataLoss,
                         where + ": fill " + std::to_string(f.id) + ": settle_date: " + date.error().message);
    }
    f.settle_date = *date;
    return f;
}

// A row selected with IK_POSITION_COLUMNS.
template <class Row>
trading::Position PositionFromRow(const Row& row) {
    trading::Position p;
    p.account = static_cast<trading::AccountId>(row.Int(0));
    p.symbol = static_cast<market::SymbolId>(row.Int(1));
    p.qty = row.Int(2);
    p.reserved_qty = row.Int(3);
    p.cost_basis = row.Int(4);
    p.realized_pnl = row.Int(5);
    return p;
}

// id, username, password_hash, email, phone, role, created_at
template <class Row>
UserRecord UserFromRow(const Row& row) {
    UserRecord u;
    u.id = row.Int(0);
    u.username = row.Text(1);
    u.password_hash = row.Text(2);
    u.email = row.Text(3);
    u.phone = row.Text(4);
    u.role = row.Text(5);
    u.created_at = row.Int(6);
    return u;
}

// stock_id, interval_s, start_ts, open, high, low, close, volume, trades
template <class Row>
market::Bar BarFromRow(const Row& row) {
    market::Bar b;
    b.symbol = static_cast<market::SymbolId>(row.Int(0));
    b.interval_s = row.Int(1);
    b.start = row.Int(2);
    b.open = row.Int(3);
    b.high = row.Int(4);
    b.low = row.Int(5);
    b.close = row.Int(6);
    b.volume = row.Int(7);
    b.trades = row.Int(8);
    return b;
}

// ts, price, bid, ask, volume (of `symbol`)
template <class Row>
market::Tick TickFromRow(const Row& row, market::SymbolId symbol) {
    market::Tick t;
    t.symbol = symbol;
    t.ts = row.Int(0);
    t.price = row.Int(1);
    t.bid = row.Int(2);
    t.ask = row.Int(3);
    t.volume = row.Int(4);
    return t;
}

// id, user_id, key_id, secret_hash, name, created_at, last_used_at, revoked_at
template <class Row>
ApiKeyRecord ApiKeyFromRow(const Row& row) {
    ApiKeyRecord k;
    k.id = row.Int(0);
    k.user_id = row.Int(1);
    k.key_id = row.Text(2);
    k.secret_hash = row.Text(3);
    k.name = row.Text(4);
    k.created_at = row.Int(5);
    if (!row.IsNull(6)) k.last_used_at = row.Int(6);
    if (!row.IsNull(7)) k.revoked_at = row.Int(7);
    return k;
}

// id, user_id, token_hash, family, created_at, expires_at, revoked_at
template <class Row>
RefreshTokenRecord RefreshTokenFromRow(const Row& row) {
    RefreshTokenRecord t;
    t.id = row.Int(0);
    t.user_id = row.Int(1);
    t.token_hash = row.Text(2);
    t.family = row.Text(3);
    t.created_at = row.Int(4);
    t.expires_at = row.Int(5);
    if (!row.IsNull(6)) t.revoked_at = row.Int(6);
    return t;
}

// id, user_id, name, created_at, updated_at (the symbols are read separately)
template <class Row>
WatchlistRecord WatchlistFromRow(const Row& row) {
    WatchlistRecord w;
    w.id = row.Text(0);
    w.user_id = row.Int(1);
    w.name = row.Text(2);
    w.created_at = row.Int(3);
    w.updated_at = row.Int(4);
    return w;
}

// id, cash, reserved_cash, opened_at
template <class Row>
AccountRecord AccountFromRow(const Row& row) {
    AccountRecord a;
    a.balance.id = static_cast<trading::AccountId>(row.Int(0));
    a.balance.cash = row.Int(1);
    a.balance.reserved_cash = row.Int(2);
    a.opened_at = row.Int(3);
    return a;
}

// txn_id, account_id, amount, equity_before, ts
template <class Row>
DepositRecord DepositFromRow(const Row& row) {
    return DepositRecord{static_cast<trading::LedgerTxnId>(row.Int(0)), static_cast<trading::AccountId>(row.Int(1)),
                         row.Int(2), row.Int(3), row.Int(4)};
}

// account id, username, cash, opened_at, fills
template <class Row>
AccountSummary AccountSummaryFromRow(const Row& row) {
    return AccountSummary{static_cast<trading::AccountId>(row.Int(0)), row.Text(1), row.Int(2), row.Int(4), row.Int(3)};
}

// id, code, name_ko, name_en, market, sector, previous_close: the stock master in id order. `expected_id` is
// the row's position (ids are dense from 0); kDataLoss naming `where` for a gap or an unknown market.
template <class Row>
Result<market::StockInfo> StockInfoFromRow(const Row& row, std::size_t expected_id, const std::string& where) {
    if (row.Int(0) != static_cast<std::int64_t>(expected_id)) {
        return MakeError(ErrorCode::kDataLoss, where + ": stock ids are not dense: expected id " +
                                                   std::to_string(expected_id) + ", found " +
                                                   std::to_string(row.Int(0)));
    }
    market::StockInfo info;
    info.code = row.Text(1);
    info.name_ko = row.Text(2);
    info.name_en = row.Text(3);
    auto exchange = market::ParseExchange(row.Text(4));
    if (!exchange) {
        return MakeError(ErrorCode::kDataLoss, where + ": stock " + info.code + ": " + exchange.error().message);
    }
    info.market = *exchange;
    info.sector = row.Text(5);
    info.previous_close = row.Int(6);
    return info;
}

// An alerts row (IK_ALERT_COLUMNS); kDataLoss naming `where` for a kind or mode this binary does not know.
template <class Row>
Result<AlertRecord> AlertFromRow(const Row& s, const std::string& where) {
    AlertRecord a;
    a.rule.id = static_cast<alerts::AlertId>(s.Int(0));
    a.rule.user = s.Int(1);
    a.rule.symbol = static_cast<market::SymbolId>(s.Int(2));
    auto kind = alerts::ParseKind(s.Text(3));
    auto mode = alerts::ParseMode(s.Text(5));
    if (!kind || !mode) {
        return MakeError(ErrorCode::kDataLoss,
                         where + ": alert " + std::to_string(a.rule.id) + " has an unknown kind or mode");
    }
    a.rule.kind = *kind;
    a.rule.level = s.Int(4);
    a.rule.mode = *mode;
    a.rule.cooldown_s = s.Int(6);
    a.rule.expires_at = s.Int(7);
    a.rule.channels = static_cast<std::uint8_t>(s.Int(8));
    a.webhook_url = s.Text(9);
    a.status = s.Text(10);
    a.rule.last_fired = s.Int(11);
    a.created_at = s.Int(12);
    a.updated_at = s.Int(13);
    a.rule.version = a.updated_at;
    a.webhook_secret = s.Text(14);
    a.sns_topic_arn = s.Text(15);
    a.language = s.Text(16);
    return a;
}

template <class Row>
NotificationRecord NotificationFromRow(const Row& s, int from = 0) {
    NotificationRecord n;
    n.id = s.Int(from + 0);
    n.user_id = s.Int(from + 1);
    n.alert_id = static_cast<alerts::AlertId>(s.Int(from + 2));
    n.symbol = static_cast<market::SymbolId>(s.Int(from + 3));
    n.price = s.Int(from + 4);
    n.message = s.Text(from + 5);
    n.channels = static_cast<std::uint8_t>(s.Int(from + 6));
    n.fired_at = s.Int(from + 7);
    n.created_at = s.Int(from + 8);
    n.read_at = s.Int(from + 9);
    return n;
}

// An alert_deliveries row (IK_DELIVERY_COLUMNS).
template <class Row>
DeliveryRecord DeliveryFromRow(const Row& s) {
    DeliveryRecord d;
    d.id = s.Int(0);
    d.notification_id = s.Int(1);
    d.user_id = s.Int(2);
    d.channel = s.Text(3);
    d.target = s.Text(4);
    d.secret = s.Text(5);
    d.status = s.Text(6);
    d.attempts = s.Int(7);
    d.next_attempt_at = s.Int(8);
    d.last_error = s.Text(9);
    d.delivered_at = s.Int(10);
    d.created_at = s.Int(11);
    return d;
}

// The deliveries a stored firing of an alert gets besides in-app: a webhook delivery, and an SNS one to the topic
// or else the user's phone; an SNS delivery with neither is dead at once, saying why. Status, times and ids are
// the caller's.
inline std::vector<DeliveryRecord> PlanDeliveries(std::uint8_t channels, const std::string& webhook_url,
                                                  const std::string& webhook_secret, const std::string& topic_arn,
                                                  const std::string& phone) {
    std::vector<DeliveryRecord> out;
    if ((channels & alerts::kWebhook) != 0) {
        DeliveryRecord d;
        d.channel = "webhook";
        d.target = webhook_url;
        d.secret = webhook_secret;
        out.push_back(std::move(d));
    }
    if ((channels & alerts::kSns) != 0) {
        DeliveryRecord d;
        d.channel = "sns";
        d.target = !topic_arn.empty() ? topic_arn : phone;
        if (d.target.empty()) {
            d.status = "dead";
            d.last_error = "no topic ARN on the alert and no phone number on the profile";
        }
        out.push_back(std::move(d));
    }
    return out;
}

template <class Row>
AlertMark AlertMarkFromRow(const Row& s) {
    return AlertMark{static_cast<market::SymbolId>(s.Int(0)), s.Int(1), s.Int(2), s.Int(3), s.Int(4)};
}

}  // namespace ik::storage::rows
