// MysqlServiceStore: migrations, the group commit, the engine's state, users, stocks, orders, fills and bars.
#include <algorithm>
#include <map>
#include <unordered_map>

#include "common/log.hpp"
#include "common/money.hpp"
#include "storage/event_checks.hpp"
#include "storage/mysql/db.hpp"
#include "storage/mysql/migrations.hpp"
#include "storage/mysql/mysql_store.hpp"
#include "storage/mysql/order_rows.hpp"
#include "storage/mysql/shared.hpp"

namespace ik::storage {

namespace {

using mysql::Connection;
using mysql::Statement;
using mysql::Transaction;

// State rows: overwritten only by an event at least as new as the one that wrote them. MariaDB evaluates the
// assignments left to right with the row's updated values, so `seq` is assigned last.
#define IK_IF_NEWER(col) #col " = IF(VALUES(seq) >= seq, VALUES(" #col "), " #col ")"
constexpr const char* kOpenAccount =
    "INSERT INTO accounts (id, cash, reserved_cash, opened_at, updated_at, seq)"
    " VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE " IK_IF_NEWER(cash) ", " IK_IF_NEWER(
        reserved_cash) ", " IK_IF_NEWER(updated_at) ", " IK_IF_NEWER(seq);
constexpr const char* kUpdateAccount =
    "UPDATE accounts SET cash = ?, reserved_cash = ?, updated_at = ?, seq = ? WHERE id = ? AND seq <= ?";
constexpr const char* kAccountExists = "SELECT COUNT(*) FROM accounts WHERE id = ?";
constexpr const char* kUpsertOrder =
    "INSERT INTO orders (" IK_ORDER_COLUMNS ", seq)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
    IK_IF_NEWER(time_in_force) ", " IK_IF_NEWER(status) ", " IK_IF_NEWER(triggered) ", " IK_IF_NEWER(qty) ", "
    IK_IF_NEWER(filled_qty) ", " IK_IF_NEWER(limit_price) ", " IK_IF_NEWER(stop_price) ", "
    IK_IF_NEWER(filled_notional) ", " IK_IF_NEWER(reserved_cash) ", " IK_IF_NEWER(replaces) ", "
    IK_IF_NEWER(replaced_by) ", " IK_IF_NEWER(updated_at) ", " IK_IF_NEWER(seq);
constexpr const char* kUpsertPosition =
    "INSERT INTO positions (account_id, stock_id, qty, reserved_qty, cost_basis, realized_pnl, updated_at, seq)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
    IK_IF_NEWER(qty) ", " IK_IF_NEWER(reserved_qty) ", " IK_IF_NEWER(cost_basis) ", " IK_IF_NEWER(realized_pnl) ", "
    IK_IF_NEWER(updated_at) ", " IK_IF_NEWER(seq);
#undef IK_IF_NEWER
// History rows: keyed by their ids, a redelivered one is skipped. Not INSERT IGNORE, which would also skip a
// row whose foreign key fails.
constexpr const char* kInsertFill =
    "INSERT INTO fills (id, order_id, account_id, stock_id, side, qty, price, commission, tax, ts, settle_date, txn_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE id = id";
constexpr const char* kInsertDeposit =
    "INSERT INTO deposits (txn_id, account_id, amount, ts, equity_before) VALUES (?, ?, ?, ?, ?)"
    " ON DUPLICATE KEY UPDATE txn_id = txn_id";
constexpr const char* kInsertLedger =
    "INSERT INTO ledger_entries (txn_id, idx, book, account_id, stock_id, amount, ts) VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON DUPLICATE KEY UPDATE txn_id = txn_id";
constexpr const char* kUpsertLastSeq =
    "INSERT INTO engine_meta (`key`, value) VALUES ('last_event_seq', ?)"
    " ON DUPLICATE KEY UPDATE value = GREATEST(value, VALUES(value))";
constexpr const char* kUpsertBar =
    "INSERT INTO bars (stock_id, interval_s, start_ts, `open`, high, low, `close`, volume, trades)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE `open` = VALUES(`open`), high = VALUES(high),"
    " low = VALUES(low), `close` = VALUES(`close`), volume = VALUES(volume), trades = VALUES(trades)";

constexpr const char* kSelectOffset =
    "SELECT next_offset FROM consumer_offsets WHERE consumer = ? AND topic = ? AND partition_id = ? FOR UPDATE";
constexpr const char* kUpsertOffset =
    "INSERT INTO consumer_offsets (consumer, topic, partition_id, next_offset, updated_at) VALUES (?, ?, ?, ?, ?)"
    " ON DUPLICATE KEY UPDATE next_offset = VALUES(next_offset), updated_at = VALUES(updated_at)";
constexpr const char* kLoadOffsets =
    "SELECT partition_id, next_offset FROM consumer_offsets WHERE consumer = ? AND topic = ? ORDER BY partition_id";

constexpr const char* kLoadAccounts = "SELECT id, cash, reserved_cash FROM accounts ORDER BY id";
constexpr const char* kLoadPositions = "SELECT " IK_POSITION_COLUMNS " FROM positions ORDER BY account_id, stock_id";
constexpr const char* kLoadOpenOrders =
    "SELECT " IK_ORDER_COLUMNS " FROM orders WHERE status IN ('new', 'partially_filled') ORDER BY id";
constexpr const char* kLoadStocks =
    "SELECT id, code, name_ko, name_en, market, sector, previous_close FROM stocks ORDER BY id";
constexpr const char* kLastTick =
    "SELECT ts, price, bid, ask, volume FROM stock_infos WHERE stock_id = ? ORDER BY ts DESC LIMIT 1";
constexpr const char* kMaxOrderId = "SELECT MAX(id) FROM orders";
constexpr const char* kMaxFillId = "SELECT MAX(id) FROM fills";
constexpr const char* kMaxLedgerTxn = "SELECT MAX(txn_id) FROM ledger_entries";
constexpr const char* kMaxDepositTxn = "SELECT MAX(txn_id) FROM deposits";
constexpr const char* kLastEventSeq = "SELECT value FROM engine_meta WHERE `key` = 'last_event_seq'";

constexpr const char* kInsertUser =
    "INSERT INTO users (id, username, password_hash, email, phone, role, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kUserByName =
    "SELECT id, username, password_hash, email, phone, role, created_at FROM users WHERE username = ?";
constexpr const char* kUserById =
    "SELECT id, username, password_hash, email, phone, role, created_at FROM users WHERE id = ?";
constexpr const char* kClientOrderIdExists = "SELECT COUNT(*) FROM orders WHERE account_id = ? AND client_order_id = ?";
constexpr const char* kOrderById = "SELECT " IK_ORDER_COLUMNS " FROM orders WHERE id = ?";
constexpr const char* kOrderByClientId =
    "SELECT " IK_ORDER_COLUMNS " FROM orders WHERE account_id = ? AND client_order_id = ?";
constexpr const char* kFillsOfOrder = "SELECT " IK_FILL_COLUMNS " FROM fills WHERE order_id = ? ORDER BY id";
constexpr const char* kLoadBars =
    "SELECT stock_id, interval_s, start_ts, `open`, high, low, `close`, volume, trades FROM bars"
    " WHERE stock_id = ? AND interval_s = ? AND start_ts >= ? AND start_ts < ? ORDER BY start_ts";

using events::Invalid;

// The ledger transaction of an event must be well formed before it is written (storage/event_checks.hpp), and a
// deposit needs one.
Status CheckLedger(const trading::Event& e) {
    if (auto ok = events::CheckLedger(e); !ok) return ok;
    const bool posts_deposit = e.type == trading::EventType::kAccountOpened || e.type == trading::EventType::kDeposited;
    if (posts_deposit && e.deposit_amount != 0 && e.ledger.id == 0) {
        return Invalid(e, "deposit without a ledger transaction");
    }
    return {};
}

std::int64_t AsInt(std::uint64_t v) { return static_cast<std::int64_t>(v); }

// Executes a statement expected to return at most one row; true when it did.
Result<bool> FetchOne(Statement& stmt) {
    if (auto ok = stmt.Execute(); !ok) return std::unexpected(ok.error());
    return stmt.Fetch();
}

}  // namespace

MysqlServiceStore::MysqlServiceStore(std::unique_ptr<Connection> c) : c_(std::move(c)), where_(c_->dsn().Redacted()) {}

MysqlServiceStore::~MysqlServiceStore() = default;

Result<std::unique_ptr<MysqlServiceStore>> MysqlServiceStore::Open(const mysql::Dsn& dsn, const MysqlOptions& options) {
    auto c = mysql::OpenChecked(dsn, options.connect_timeout, mysql::ServiceMigrations());
    if (!c) return std::unexpected(c.error());
    return std::unique_ptr<MysqlServiceStore>(new MysqlServiceStore(std::move(*c)));
}

Status MysqlServiceStore::Migrate() {
    std::lock_guard lock(mutex_);
    return mysql::ApplyMigrations(*c_, mysql::ServiceMigrations());
}

Result<int> MysqlServiceStore::SchemaVersion() {
    std::lock_guard lock(mutex_);
    return mysql::SchemaVersionOf(*c_);
}

int MysqlServiceStore::LatestSchemaVersion() const { return static_cast<int>(mysql::ServiceMigrations().size()); }

// ---- Commit -----------------------------------------------------------------------------------------------

// InnoDB resolves a deadlock between two writers by rolling one of them back (two engines claiming offset rows
// in the same index gap at once, say); the loser runs its transaction again, as MariaDB advises.
Status MysqlServiceStore::CommitGroup(std::span<const WriteBatch> batches) {
    std::lock_guard lock(mutex_);
    constexpr int kAttempts = 5;
    for (int attempt = 1;; ++attempt) {
        auto s = CommitGroupOnce(batches);
        if (s || attempt == kAttempts || !mysql::IsTransactionConflict(s.error())) return s;
        GetLogger("storage")->warn("event=commit_retried attempt={} error=\"{}\"", attempt, s.error().message);
    }
}

Status MysqlServiceStore::CommitGroupOnce(std::span<const WriteBatch> batches) {
    for (const WriteBatch& batch : batches) {
        for (const trading::Event& e : batch.events) {
            if (auto ok = CheckLedger(e); !ok) return ok;
        }
    }
    auto txn = Transaction::Begin(*c_);
    if (!txn) return std::unexpected(txn.error());
    // As in the SQLite store, state rows (accounts, orders, positions) are written once per commit, from the last
    // event that touches them. InnoDB has no deferred foreign keys, so every state row is written before any
    // history row (a fill may come before the event that writes its order's final state).
    std::unordered_map<std::uint64_t, const trading::Event*> last_account, last_order;
    std::map<std::pair<std::uint64_t, std::uint32_t>, const trading::Event*> last_position;
    for (const WriteBatch& batch : batches) {
        for (const trading::Event& e : batch.events) {
            if (e.balance.id != 0) last_account[e.balance.id] = &e;
            if (e.has_order) last_order[e.order.id] = &e;
            if (e.has_position) last_position[{e.position.account, e.position.symbol}] = &e;
        }
    }
    std::uint64_t max_seq = 0;
    for (const WriteBatch& batch : batches) {
        for (const trading::Event& e : batch.events) {
            const bool account = e.balance.id != 0 && last_account[e.balance.id] == &e;
            const bool order = e.has_order && last_order[e.order.id] == &e;
            const bool position = e.has_position && last_position[{e.position.account, e.position.symbol}] == &e;
            if (auto ok = ApplyState(e, account, order, position); !ok) return ok;
            max_seq = std::max(max_seq, e.seq);
        }
    }
    for (const WriteBatch& batch : batches) {
        for (const trading::Event& e : batch.events) {
            if (auto ok = ApplyHistory(e); !ok) return ok;
        }
        if (auto ok = mysql::InsertTicksIn(*c_, batch.ticks); !ok) return ok;
        if (auto ok = WriteBars(batch.bars); !ok) return ok;
        const Timestamp now = batch.events.empty() ? 0 : batch.events.back().ts;
        if (auto ok = WriteOffsets(batch.offsets, now); !ok) return ok;
    }
    if (max_seq > 0) {
        auto stmt = c_->Prepare(kUpsertLastSeq);
        if (!stmt) return std::unexpected(stmt.error());
        stmt->Bind(0, AsInt(max_seq));
        if (auto ok = stmt->Execute(); !ok) return ok;
    }
    return txn->Commit();
}

Status MysqlServiceStore::ApplyState(const trading::Event& e, bool write_account, bool write_order,
                                     bool write_position) {
    const auto seq = AsInt(e.seq);
    // The account first: orders, fills, positions and deposits refer to it.
    if (e.type == trading::EventType::kAccountOpened) {
        if (e.balance.id == 0) return Invalid(e, "account opened without an account id");
        auto stmt = c_->Prepare(kOpenAccount);
        if (!stmt) return std::unexpected(stmt.error());
        stmt->Bind(0, AsInt(e.balance.id)).Bind(1, e.balance.cash).Bind(2, e.balance.reserved_cash);
        stmt->Bind(3, e.ts).Bind(4, e.ts).Bind(5, seq);
        if (auto ok = stmt->Execute(); !ok) return ok;
    } else if (e.balance.id != 0 && write_account) {
        auto stmt = c_->Prepare(kUpdateAccount);
        if (!stmt) return std::unexpected(stmt.error());
        stmt->Bind(0, e.balance.cash).Bind(1, e.balance.reserved_cash).Bind(2, e.ts).Bind(3, seq);
        stmt->Bind(4, AsInt(e.balance.id)).Bind(5, seq);
        if (auto ok = stmt->Execute(); !ok) return ok;
        if (stmt->AffectedRows() == 0) {  // a newer event already wrote it, it is unchanged, or it was never opened
            auto exists = c_->Prepare(kAccountExists);
            if (!exists) return std::unexpected(exists.error());
            exists->Bind(0, AsInt(e.balance.id));
            auto row = FetchOne(*exists);
            if (!row) return std::unexpected(row.error());
            if (!*row || exists->Int(0) == 0) {
                return Invalid(e, "account " + std::to_string(e.balance.id) + " was never opened");
            }
        }
    }
    if (e.has_order && write_order) {
        auto stmt = c_->Prepare(kUpsertOrder);
        if (!stmt) return std::unexpected(stmt.error());
        mysql::BindOrder(*stmt, e.order);
        stmt->Bind(19, seq);
        if (auto ok = stmt->Execute(); !ok) return ok;
    }
    if (e.has_position && write_position) {
        const trading::Position& p = e.position;
        auto stmt = c_->Prepare(kUpsertPosition);
        if (!stmt) return std::unexpected(stmt.error());
        stmt->Bind(0, AsInt(p.account)).Bind(1, std::int64_t{p.symbol}).Bind(2, p.qty).Bind(3, p.reserved_qty);
        stmt->Bind(4, p.cost_basis).Bind(5, p.realized_pnl).Bind(6, e.ts).Bind(7, seq);
        if (auto ok = stmt->Execute(); !ok) return ok;
    }
    return {};
}

Status MysqlServiceStore::ApplyHistory(const trading::Event& e) {
    if (e.has_fill) {
        const trading::Fill& f = e.fill;
        auto stmt = c_->Prepare(kInsertFill);
        if (!stmt) return std::unexpected(stmt.error());
        stmt->Bind(0, AsInt(f.id)).Bind(1, AsInt(f.order)).Bind(2, AsInt(f.account)).Bind(3, std::int64_t{f.symbol});
        stmt->Bind(4, trading::SideName(f.side)).Bind(5, f.qty).Bind(6, f.price).Bind(7, f.commission);
        stmt->Bind(8, f.tax).Bind(9, f.ts).Bind(10, FormatDate(f.settle_date));
        stmt->BindOptional(11, e.ledger.id != 0 ? std::optional<std::int64_t>(AsInt(e.ledger.id)) : std::nullopt);
        if (auto ok = stmt->Execute(); !ok) return ok;
    }
    const bool posts_deposit = e.type == trading::EventType::kAccountOpened || e.type == trading::EventType::kDeposited;
    if (posts_deposit && e.deposit_amount != 0) {
        auto stmt = c_->Prepare(kInsertDeposit);
        if (!stmt) return std::unexpected(stmt.error());
        stmt->Bind(0, AsInt(e.ledger.id)).Bind(1, AsInt(e.balance.id)).Bind(2, e.deposit_amount).Bind(3, e.ts);
        stmt->Bind(4, e.equity_before);
        if (auto ok = stmt->Execute(); !ok) return ok;
    }
    if (e.ledger.count > 0) {
        auto stmt = c_->Prepare(kInsertLedger);
        if (!stmt) return std::unexpected(stmt.error());
        for (std::size_t i = 0; i < e.ledger.count; ++i) {
            const trading::LedgerEntry& entry = e.ledger.entries[i];
            stmt->Bind(0, AsInt(e.ledger.id)).Bind(1, static_cast<std::int64_t>(i));
            stmt->Bind(2, trading::LedgerBookName(entry.book)).Bind(3, AsInt(entry.account));
            stmt->BindOptional(
                4, entry.symbol == market::kNoSymbol ? std::nullopt : std::optional<std::int64_t>(entry.symbol));
            stmt->Bind(5, entry.amount).Bind(6, e.ts);
            if (auto ok = stmt->Execute(); !ok) return ok;
        }
    }
    return {};
}

Status MysqlServiceStore::WriteBars(std::span<const market::Bar> bars) {
    if (bars.empty()) return {};
    auto stmt = c_->Prepare(kUpsertBar);
    if (!stmt) return std::unexpected(stmt.error());
    for (const market::Bar& b : bars) {
        stmt->Bind(0, std::int64_t{b.symbol}).Bind(1, b.interval_s).Bind(2, b.start).Bind(3, b.open);
        stmt->Bind(4, b.high).Bind(5, b.low).Bind(6, b.close).Bind(7, b.volume).Bind(8, b.trades);
        if (auto ok = stmt->Execute(); !ok) return ok;
    }
    return {};
}

// ---- Loading ----------------------------------------------------------------------------------------------

// The stored position must still be the one the writer expects (see ConsumerOffset): otherwise another writer
// owns the partition now, and the whole commit is refused.
// SELECT … FOR UPDATE locks the row (or, under REPEATABLE READ, the gap where it would be), so two writers that
// both expect the same position cannot both pass the check: the second waits, then sees the first's value.
Status MysqlServiceStore::WriteOffsets(std::span<const ConsumerOffset> offsets, Timestamp now) {
    for (const ConsumerOffset& o : offsets) {
        auto select = c_->Prepare(kSelectOffset);
        if (!select) return std::unexpected(select.error());
        select->Bind(0, o.consumer).Bind(1, o.topic).Bind(2, std::int64_t{o.partition});
        if (auto ok = select->Execute(); !ok) return ok;
        std::int64_t stored = -1;
        if (auto ok = select->ForEach([&](mysql::Statement& row) { stored = row.Int(0); }); !ok) return ok;
        if (stored != o.expected) return rows::FencedError(o, stored);
        if (o.next < 0) return MakeError(ErrorCode::kInvalidArgument, "consumer offset must not be negative");
        if (o.next == stored) continue;
        auto upsert = c_->Prepare(kUpsertOffset);
        if (!upsert) return std::unexpected(upsert.error());
        upsert->Bind(0, o.consumer).Bind(1, o.topic).Bind(2, std::int64_t{o.partition}).Bind(3, o.next).Bind(4, now);
        if (auto ok = upsert->Execute(); !ok) return ok;
    }
    return {};
}

Result<std::map<std::int32_t, std::int64_t>> MysqlServiceStore::LoadConsumerOffsets(const std::string& consumer,
                                                                                    const std::string& topic) {
    std::lock_guard lock(mutex_);
    auto stmt = c_->Prepare(kLoadOffsets);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(0, consumer).Bind(1, topic);
    if (auto ok = stmt->Execute(); !ok) return std::unexpected(ok.error());
    std::map<std::int32_t, std::int64_t> out;
    auto ok = stmt->ForEach([&](mysql::Statement& row) { out[static_cast<std::int32_t>(row.Int(0))] = row.Int(1); });
    if (!ok) return std::unexpected(ok.error());
    return out;
}

Result<trading::EngineSnapshot> MysqlServiceStore::LoadEngineState() {
    std::lock_guard lock(mutex_);
    // One transaction (REPEATABLE READ): every part of the snapshot comes from the same committed state.
    auto txn = Transaction::Begin(*c_);
    if (!txn) return std::unexpected(txn.error());
    trading::EngineSnapshot snap;
    {
        auto stmt = c_->Prepare(kLoadAccounts);
        if (!stmt) return std::unexpected(stmt.error());
        if (auto ok = stmt->Execute(); !ok) return std::unexpected(ok.error());
        auto each = stmt->ForEach([&](const mysql::Statement&) {
            snap.accounts.push_back(
                trading::AccountBalance{static_cast<trading::AccountId>(stmt->Int(0)), stmt->Int(1), stmt->Int(2)});
        });
        if (!each) return std::unexpected(each.error());
    }
    {
        auto stmt = c_->Prepare(kLoadPositions);
        if (!stmt) return std::unexpected(stmt.error());
        if (auto ok = stmt->Execute(); !ok) return std::unexpected(ok.error());
        auto each =
            stmt->ForEach([&](const mysql::Statement&) { snap.positions.push_back(rows::PositionFromRow(*stmt)); });
        if (!each) return std::unexpected(each.error());
    }
    {
        auto stmt = c_->Prepare(kLoadOpenOrders);
        if (!stmt) return std::unexpected(stmt.error());
        if (auto ok = stmt->Execute(); !ok) return std::unexpected(ok.error());
        auto orders = mysql::ReadOrders(*stmt, where_);
        if (!orders) return std::unexpected(orders.error());
        snap.open_orders = std::move(*orders);
    }
    {
        std::vector<market::SymbolId> listed;
        {
            auto stmt = c_->Prepare(kLoadStocks);
            if (!stmt) return std::unexpected(stmt.error());
            if (auto ok = stmt->Execute(); !ok) return std::unexpected(ok.error());
            auto each = stmt->ForEach([&](const mysql::Statement&) {
                const auto id = static_cast<market::SymbolId>(stmt->Int(0));
                listed.push_back(id);
                snap.previous_closes.emplace_back(id, stmt->Int(6));
            });
            if (!each) return std::unexpected(each.error());
        }
        auto stmt = c_->Prepare(kLastTick);
        if (!stmt) return std::unexpected(stmt.error());
        for (market::SymbolId id : listed) {
            stmt->Bind(0, std::int64_t{id});
            auto row = FetchOne(*stmt);
            if (!row) return std::unexpected(row.error());
            if (*row) {
                snap.last_ticks.push_back(rows::TickFromRow(*stmt, id));
            }
        }
    }
    auto max_order = mysql::QueryInt(*c_, kMaxOrderId);
    auto max_fill = mysql::QueryInt(*c_, kMaxFillId);
    auto max_txn = mysql::QueryInt(*c_, kMaxLedgerTxn);
    auto max_deposit = mysql::QueryInt(*c_, kMaxDepositTxn);
    auto last_seq = mysql::QueryInt(*c_, kLastEventSeq);
    for (const auto* r : {&max_order, &max_fill, &max_txn, &max_deposit, &last_seq}) {
        if (!*r) return std::unexpected(r->error());
    }
    snap.next_order_id = static_cast<trading::OrderId>(max_order->value_or(0)) + 1;
    snap.next_fill_id = static_cast<trading::FillId>(max_fill->value_or(0)) + 1;
    snap.next_ledger_txn =
        static_cast<trading::LedgerTxnId>(std::max(max_txn->value_or(0), max_deposit->value_or(0))) + 1;
    snap.next_event_seq = static_cast<std::uint64_t>(last_seq->value_or(0)) + 1;
    if (auto ok = txn->Commit(); !ok) return std::unexpected(ok.error());
    return snap;
}

Result<std::vector<market::StockInfo>> MysqlServiceStore::LoadStocks() {
    std::lock_guard lock(mutex_);
    auto stmt = c_->Prepare(kLoadStocks);
    if (!stmt) return std::unexpected(stmt.error());
    if (auto ok = stmt->Execute(); !ok) return std::unexpected(ok.error());
    std::vector<market::StockInfo> out;
    auto each = stmt->ForEach([&](const mysql::Statement&) -> Status {
        auto info = rows::StockInfoFromRow(*stmt, out.size(), where_);
        if (!info) return std::unexpected(info.error());
        out.push_back(std::move(*info));
        return {};
    });
    if (!each) return std::unexpected(each.error());
    return out;
}

Status MysqlServiceStore::UpsertStocks(const market::Universe& universe) {
    std::lock_guard lock(mutex_);
    auto txn = Transaction::Begin(*c_);
    if (!txn) return std::unexpected(txn.error());
    if (auto ok = mysql::UpsertStocksIn(*c_, universe); !ok) return ok;
    return txn->Commit();
}

Status MysqlServiceStore::InsertStock(market::SymbolId id, const market::StockInfo& info) {
    std::lock_guard lock(mutex_);
    auto txn = Transaction::Begin(*c_);
    if (!txn) return std::unexpected(txn.error());
    if (auto ok = mysql::InsertStockIn(*c_, id, info); !ok) return ok;
    return txn->Commit();
}

// ---- Users ------------------------------------------------------------------------------------------------

Result<std::int64_t> MysqlServiceStore::CreateUser(const UserRecord& user) {
    if (user.role != "user" && user.role != "admin") {
        return MakeError(ErrorCode::kInvalidArgument, "role must be 'user' or 'admin'; got '" + user.role + "'");
    }
    if (user.username.empty()) return MakeError(ErrorCode::kInvalidArgument, "username must not be empty");
    std::lock_guard lock(mutex_);
    // Checked first for a precise message; the unique keys still refuse a duplicate another connection inserted
    // in between (kAlreadyExists from the server's duplicate-key error).
    auto by_name = FindUser(kUserByName, &user.username, 0);
    if (!by_name) return std::unexpected(by_name.error());
    if (by_name->has_value()) return MakeError(ErrorCode::kAlreadyExists, "username '" + user.username + "' is taken");
    if (user.id != 0) {
        auto by_id = FindUser(kUserById, nullptr, user.id);
        if (!by_id) return std::unexpected(by_id.error());
        if (by_id->has_value()) {
            return MakeError(ErrorCode::kAlreadyExists, "user id " + std::to_string(user.id) + " is taken");
        }
    }
    auto stmt = c_->Prepare(kInsertUser);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->BindOptional(0, user.id != 0 ? std::optional<std::int64_t>(user.id) : std::nullopt);
    stmt->Bind(1, user.username).Bind(2, user.password_hash).Bind(3, user.email).Bind(4, user.phone);
    stmt->Bind(5, user.role).Bind(6, user.created_at);
    if (auto ok = stmt->Execute(); !ok) return std::unexpected(ok.error());
    return user.id != 0 ? user.id : stmt->LastInsertId();
}

Result<std::optional<UserRecord>> MysqlServiceStore::FindUser(const char* sql, const std::string* name,
                                                              std::int64_t id) {
    auto stmt = c_->Prepare(sql);
    if (!stmt) return std::unexpected(stmt.error());
    if (name != nullptr) {
        stmt->Bind(0, *name);
    } else {
        stmt->Bind(0, id);
    }
    auto row = FetchOne(*stmt);
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<UserRecord>{};
    return std::optional<UserRecord>(rows::UserFromRow(*stmt));
}

Result<std::optional<UserRecord>> MysqlServiceStore::FindUserByName(const std::string& username) {
    std::lock_guard lock(mutex_);
    return FindUser(kUserByName, &username, 0);
}

Result<std::optional<UserRecord>> MysqlServiceStore::FindUserById(std::int64_t id) {
    std::lock_guard lock(mutex_);
    return FindUser(kUserById, nullptr, id);
}

// ---- Orders and history -----------------------------------------------------------------------------------

Result<bool> MysqlServiceStore::ClientOrderIdExists(trading::AccountId account, const std::string& client_order_id) {
    std::lock_guard lock(mutex_);
    auto stmt = c_->Prepare(kClientOrderIdExists);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(0, AsInt(account)).Bind(1, client_order_id);
    auto row = FetchOne(*stmt);
    if (!row) return std::unexpected(row.error());
    return *row && stmt->Int(0) > 0;
}

Result<std::optional<trading::Order>> MysqlServiceStore::GetOrder(trading::OrderId id) {
    std::lock_guard lock(mutex_);
    auto stmt = c_->Prepare(kOrderById);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(0, AsInt(id));
    auto row = FetchOne(*stmt);
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<trading::Order>{};
    auto order = rows::OrderFromRow(*stmt, where_);
    if (!order) return std::unexpected(order.error());
    return std::optional<trading::Order>(std::move(*order));
}

Result<std::optional<trading::Order>> MysqlServiceStore::GetOrderByClientOrderId(trading::AccountId account,
                                                                                 const std::string& client_order_id) {
    std::lock_guard lock(mutex_);
    auto stmt = c_->Prepare(kOrderByClientId);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(0, AsInt(account)).Bind(1, client_order_id);
    auto row = FetchOne(*stmt);
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<trading::Order>{};
    auto order = rows::OrderFromRow(*stmt, where_);
    if (!order) return std::unexpected(order.error());
    return std::optional<trading::Order>(std::move(*order));
}

Result<std::vector<trading::Fill>> MysqlServiceStore::FillsOfOrder(trading::OrderId id) {
    std::lock_guard lock(mutex_);
    auto stmt = c_->Prepare(kFillsOfOrder);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(0, AsInt(id));
    if (auto ok = stmt->Execute(); !ok) return std::unexpected(ok.error());
    return mysql::ReadFills(*stmt, where_);
}

Result<std::vector<market::Bar>> MysqlServiceStore::LoadBars(market::SymbolId symbol, std::int64_t interval_s,
                                                             Timestamp from, Timestamp to) {
    std::lock_guard lock(mutex_);
    auto stmt = c_->Prepare(kLoadBars);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(0, std::int64_t{symbol}).Bind(1, interval_s).Bind(2, from).Bind(3, to);
    if (auto ok = stmt->Execute(); !ok) return std::unexpected(ok.error());
    std::vector<market::Bar> out;
    auto each = stmt->ForEach([&](const mysql::Statement&) { out.push_back(rows::BarFromRow(*stmt)); });
    if (!each) return std::unexpected(each.error());
    return out;
}

Result<std::int64_t> MysqlServiceStore::CountRows(const std::string& table) {
    std::lock_guard lock(mutex_);
    return mysql::CountRowsIn(*c_, table);
}

Result<bool> MysqlServiceStore::TryNamedLock(const std::string& name) {
    std::lock_guard lock(mutex_);
    auto stmt = c_->Prepare("SELECT GET_LOCK(?, 0)");
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(0, std::string_view(name));
    if (auto ok = stmt->Execute(); !ok) return std::unexpected(ok.error());
    auto row = stmt->Fetch();
    if (!row) return std::unexpected(row.error());
    const bool held = *row && !stmt->IsNull(0) && stmt->Int(0) == 1;
    while (*row) {
        row = stmt->Fetch();
        if (!row) return std::unexpected(row.error());
    }
    return held;
}

Result<std::vector<Violation>> MysqlServiceStore::Verify() {
    std::lock_guard lock(mutex_);
    return VerifyLocked();
}

}  // namespace ik::storage
