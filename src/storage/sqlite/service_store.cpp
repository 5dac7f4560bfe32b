#include <algorithm>
#include <map>
#include <unordered_map>

#include <sqlite3.h>

#include "common/log.hpp"
#include "storage/event_checks.hpp"
#include "storage/sqlite/db.hpp"
#include "storage/sqlite/migrations.hpp"
#include "storage/sqlite/order_rows.hpp"
#include "storage/sqlite/shared.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace ik::storage {

namespace {

using impl::Database;
using impl::Stmt;
using impl::Transaction;

constexpr const char* kOpenAccount = R"sql(
INSERT INTO accounts (id, cash, reserved_cash, opened_at, updated_at, seq) VALUES (?1, ?2, ?3, ?4, ?4, ?5)
ON CONFLICT (id) DO UPDATE SET cash = excluded.cash, reserved_cash = excluded.reserved_cash,
    updated_at = excluded.updated_at, seq = excluded.seq
WHERE excluded.seq >= accounts.seq)sql";
constexpr const char* kUpdateAccount = R"sql(
UPDATE accounts SET cash = ?2, reserved_cash = ?3, updated_at = ?4, seq = ?5 WHERE id = ?1 AND seq <= ?5)sql";
constexpr const char* kAccountExists = "SELECT COUNT(*) FROM accounts WHERE id = ?1";
constexpr const char* kUpsertOrder = R"sql(
INSERT INTO orders (id, account_id, stock_id, client_order_id, side, type, time_in_force, status, triggered, qty,
    filled_qty, limit_price, stop_price, filled_notional, reserved_cash, replaces, replaced_by, created_at,
    updated_at, seq)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
ON CONFLICT (id) DO UPDATE SET time_in_force = excluded.time_in_force, status = excluded.status,
    triggered = excluded.triggered, qty = excluded.qty, filled_qty = excluded.filled_qty,
    limit_price = excluded.limit_price, stop_price = excluded.stop_price, filled_notional = excluded.filled_notional,
    reserved_cash = excluded.reserved_cash, replaces = excluded.replaces, replaced_by = excluded.replaced_by,
    updated_at = excluded.updated_at, seq = excluded.seq
WHERE excluded.seq >= orders.seq)sql";
constexpr const char* kUpsertPosition = R"sql(
INSERT INTO positions (account_id, stock_id, qty, reserved_qty, cost_basis, realized_pnl, updated_at, seq)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
ON CONFLICT (account_id, stock_id) DO UPDATE SET qty = excluded.qty, reserved_qty = excluded.reserved_qty,
    cost_basis = excluded.cost_basis, realized_pnl = excluded.realized_pnl, updated_at = excluded.updated_at,
    seq = excluded.seq
WHERE excluded.seq >= positions.seq)sql";
constexpr const char* kInsertFill = R"sql(
INSERT INTO fills (id, order_id, account_id, stock_id, side, qty, price, commission, tax, ts, settle_date, txn_id)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
ON CONFLICT (id) DO NOTHING)sql";
constexpr const char* kInsertDeposit = R"sql(
INSERT INTO deposits (txn_id, account_id, amount, ts, equity_before) VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (txn_id) DO NOTHING)sql";
constexpr const char* kInsertLedger = R"sql(
INSERT INTO ledger_entries (txn_id, idx, book, account_id, stock_id, amount, ts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (txn_id, idx) DO NOTHING)sql";
constexpr const char* kUpsertLastSeq = R"sql(
INSERT INTO engine_meta (key, value) VALUES ('last_event_seq', ?1)
ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value))sql";
constexpr const char* kUpsertBar = R"sql(
INSERT INTO bars (stock_id, interval_s, start_ts, open, high, low, close, volume, trades)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
ON CONFLICT (stock_id, interval_s, start_ts) DO UPDATE SET open = excluded.open, high = excluded.high,
    low = excluded.low, close = excluded.close, volume = excluded.volume, trades = excluded.trades)sql";

constexpr const char* kSelectOffset =
    "SELECT next_offset FROM consumer_offsets WHERE consumer = ?1 AND topic = ?2 AND partition_id = ?3";
constexpr const char* kUpsertOffset = R"sql(
INSERT INTO consumer_offsets (consumer, topic, partition_id, next_offset, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (consumer, topic, partition_id) DO UPDATE SET next_offset = excluded.next_offset,
    updated_at = excluded.updated_at)sql";
constexpr const char* kLoadOffsets =
    "SELECT partition_id, next_offset FROM consumer_offsets WHERE consumer = ?1 AND topic = ?2 ORDER BY partition_id";

constexpr const char* kLoadAccounts = "SELECT id, cash, reserved_cash FROM accounts ORDER BY id";
constexpr const char* kLoadPositions = "SELECT " IK_POSITION_COLUMNS " FROM positions ORDER BY account_id, stock_id";
// INDEXED BY: the open-order partial index holds only open orders, so start-up does not scan history.
constexpr const char* kLoadOpenOrders = "SELECT " IK_ORDER_COLUMNS
                                        " FROM orders INDEXED BY orders_open"
                                        " WHERE status IN ('new', 'partially_filled')";
constexpr const char* kLoadStocks =
    "SELECT id, code, name_ko, name_en, market, sector, previous_close FROM stocks ORDER BY id";
constexpr const char* kLastTick =
    "SELECT ts, price, bid, ask, volume FROM stock_infos WHERE stock_id = ?1 ORDER BY ts DESC LIMIT 1";
constexpr const char* kMaxOrderId = "SELECT MAX(id) FROM orders";
constexpr const char* kMaxFillId = "SELECT MAX(id) FROM fills";
constexpr const char* kMaxLedgerTxn = "SELECT MAX(txn_id) FROM ledger_entries";
constexpr const char* kMaxDepositTxn = "SELECT MAX(txn_id) FROM deposits";
constexpr const char* kLastEventSeq = "SELECT value FROM engine_meta WHERE key = 'last_event_seq'";

constexpr const char* kInsertUser = R"sql(
INSERT INTO users (id, username, password_hash, email, phone, role, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7))sql";
constexpr const char* kUserByName =
    "SELECT id, username, password_hash, email, phone, role, created_at FROM users WHERE username = ?1";
constexpr const char* kUserById =
    "SELECT id, username, password_hash, email, phone, role, created_at FROM users WHERE id = ?1";
constexpr const char* kClientOrderIdExists =
    "SELECT COUNT(*) FROM orders WHERE account_id = ?1 AND client_order_id = ?2";
constexpr const char* kOrderById = "SELECT " IK_ORDER_COLUMNS " FROM orders WHERE id = ?1";
constexpr const char* kOrderByClientId =
    "SELECT " IK_ORDER_COLUMNS " FROM orders WHERE account_id = ?1 AND client_order_id = ?2";
constexpr const char* kFillsOfOrder = "SELECT " IK_FILL_COLUMNS " FROM fills WHERE order_id = ?1 ORDER BY id";
constexpr const char* kLoadBars =
    "SELECT stock_id, interval_s, start_ts, open, high, low, close, volume, trades FROM bars "
    "WHERE stock_id = ?1 AND interval_s = ?2 AND start_ts >= ?3 AND start_ts < ?4 ORDER BY start_ts";

using events::CheckLedger;
using events::Invalid;

std::int64_t AsInt(std::uint64_t v) { return static_cast<std::int64_t>(v); }

Result<std::optional<std::int64_t>> MaxOf(Database& db, const char* sql) { return db.QueryInt(sql); }

}  // namespace

SqliteServiceStore::SqliteServiceStore(std::unique_ptr<impl::Database> db, std::string path)
    : db_(std::move(db)), path_(std::move(path)) {}

SqliteServiceStore::~SqliteServiceStore() = default;

Result<std::unique_ptr<SqliteServiceStore>> SqliteServiceStore::Open(const std::string& path,
                                                                     const SqliteOptions& options) {
    auto db = impl::OpenConfigured(path, options, impl::ServiceMigrations());
    if (!db) return std::unexpected(db.error());
    return std::unique_ptr<SqliteServiceStore>(new SqliteServiceStore(std::move(*db), path));
}

Status SqliteServiceStore::Migrate() {
    std::lock_guard lock(mutex_);
    return impl::ApplyMigrations(*db_, impl::ServiceMigrations());
}

Result<int> SqliteServiceStore::SchemaVersion() {
    std::lock_guard lock(mutex_);
    return impl::SchemaVersionOf(*db_);
}

int SqliteServiceStore::LatestSchemaVersion() const { return static_cast<int>(impl::ServiceMigrations().size()); }

// ---- Commit -----------------------------------------------------------------------------------------------

Status SqliteServiceStore::CommitGroup(std::span<const WriteBatch> batches) {
    std::lock_guard lock(mutex_);
    auto txn = Transaction::Begin(*db_, Transaction::Kind::kImmediate);
    if (!txn) return std::unexpected(txn.error());
    // Rows that hold state (accounts, orders, positions) are written once per commit, from the last event that
    // touches them: an order accepted and filled in one batch is one upsert, not two. Fills, deposits and
    // ledger entries are all inserted. A fill may therefore precede the upsert of its order: that foreign key is
    // DEFERRABLE INITIALLY DEFERRED in the schema and checked at COMMIT. (Not `PRAGMA defer_foreign_keys`: a
    // pragma that changes connection flags expires every prepared statement, and re-preparing them all on each
    // commit cost two thirds of a commit's CPU.)
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
            if (auto ok = ApplyEvent(e, account, order, position); !ok) return ok;
            max_seq = std::max(max_seq, e.seq);
        }
        if (auto ok = WriteTicks(batch.ticks); !ok) return ok;
        if (auto ok = WriteBars(batch.bars); !ok) return ok;
        const Timestamp now = batch.events.empty() ? 0 : batch.events.back().ts;
        if (auto ok = WriteOffsets(batch.offsets, now); !ok) return ok;
    }
    if (max_seq > 0) {
        auto stmt = db_->Prepare(kUpsertLastSeq);
        if (!stmt) return std::unexpected(stmt.error());
        stmt->Bind(1, AsInt(max_seq));
        if (auto ok = stmt->Run(); !ok) return ok;
    }
    return txn->Commit();
}

Status SqliteServiceStore::ApplyEvent(const trading::Event& e, bool write_account, bool write_order,
                                      bool write_position) {
    if (auto ok = CheckLedger(e); !ok) return ok;
    const auto seq = AsInt(e.seq);

    // The account first: orders, fills, positions and deposits refer to it.
    if (e.type == trading::EventType::kAccountOpened) {
        if (e.balance.id == 0) return Invalid(e, "account opened without an account id");
        auto stmt = db_->Prepare(kOpenAccount);
        if (!stmt) return std::unexpected(stmt.error());
        stmt->Bind(1, AsInt(e.balance.id)).Bind(2, e.balance.cash).Bind(3, e.balance.reserved_cash);
        stmt->Bind(4, e.ts).Bind(5, seq);
        if (auto ok = stmt->Run(); !ok) return ok;
    } else if (e.balance.id != 0 && write_account) {
        auto stmt = db_->Prepare(kUpdateAccount);
        if (!stmt) return std::unexpected(stmt.error());
        stmt->Bind(1, AsInt(e.balance.id)).Bind(2, e.balance.cash).Bind(3, e.balance.reserved_cash);
        stmt->Bind(4, e.ts).Bind(5, seq);
        if (auto ok = stmt->Run(); !ok) return ok;
        if (stmt->Changes() == 0) {  // a newer event already wrote it, or the account was never opened
            auto exists = db_->Prepare(kAccountExists);
            if (!exists) return std::unexpected(exists.error());
            exists->Bind(1, AsInt(e.balance.id));
            auto row = exists->Step();
            if (!row) return std::unexpected(row.error());
            if (!*row || exists->Int(0) == 0) {
                return Invalid(e, "account " + std::to_string(e.balance.id) + " was never opened");
            }
        }
    }

    if (e.has_order && write_order) {
        const trading::Order& o = e.order;
        auto stmt = db_->Prepare(kUpsertOrder);
        if (!stmt) return std::unexpected(stmt.error());
        impl::BindOrder(*stmt, o);
        stmt->Bind(20, seq);
        if (auto ok = stmt->Run(); !ok) return ok;
    }

    if (e.has_position && write_position) {
        const trading::Position& p = e.position;
        auto stmt = db_->Prepare(kUpsertPosition);
        if (!stmt) return std::unexpected(stmt.error());
        stmt->Bind(1, AsInt(p.account)).Bind(2, std::int64_t{p.symbol}).Bind(3, p.qty).Bind(4, p.reserved_qty);
        stmt->Bind(5, p.cost_basis).Bind(6, p.realized_pnl).Bind(7, e.ts).Bind(8, seq);
        if (auto ok = stmt->Run(); !ok) return ok;
    }

    if (e.has_fill) {
        const trading::Fill& f = e.fill;
        auto stmt = db_->Prepare(kInsertFill);
        if (!stmt) return std::unexpected(stmt.error());
        stmt->Bind(1, AsInt(f.id)).Bind(2, AsInt(f.order)).Bind(3, AsInt(f.account)).Bind(4, std::int64_t{f.symbol});
        stmt->Bind(5, trading::SideName(f.side)).Bind(6, f.qty).Bind(7, f.price).Bind(8, f.commission);
        stmt->Bind(9, f.tax).Bind(10, f.ts).Bind(11, FormatDate(f.settle_date));
        stmt->BindOptional(12, e.ledger.id != 0 ? std::optional<std::int64_t>(AsInt(e.ledger.id)) : std::nullopt);
        if (auto ok = stmt->Run(); !ok) return ok;
    }

    const bool posts_deposit = e.type == trading::EventType::kAccountOpened || e.type == trading::EventType::kDeposited;
    if (posts_deposit && e.deposit_amount != 0) {
        if (e.ledger.id == 0) return Invalid(e, "deposit without a ledger transaction");
        auto stmt = db_->Prepare(kInsertDeposit);
        if (!stmt) return std::unexpected(stmt.error());
        stmt->Bind(1, AsInt(e.ledger.id)).Bind(2, AsInt(e.balance.id)).Bind(3, e.deposit_amount).Bind(4, e.ts);
        stmt->Bind(5, e.equity_before);
        if (auto ok = stmt->Run(); !ok) return ok;
    }

    if (e.ledger.count > 0) {
        auto stmt = db_->Prepare(kInsertLedger);
        if (!stmt) return std::unexpected(stmt.error());
        for (std::size_t i = 0; i < e.ledger.count; ++i) {
            const trading::LedgerEntry& entry = e.ledger.entries[i];
            stmt->Bind(1, AsInt(e.ledger.id)).Bind(2, static_cast<std::int64_t>(i));
            stmt->Bind(3, trading::LedgerBookName(entry.book)).Bind(4, AsInt(entry.account));
            stmt->BindOptional(
                5, entry.symbol == market::kNoSymbol ? std::nullopt : std::optional<std::int64_t>(entry.symbol));
            stmt->Bind(6, entry.amount).Bind(7, e.ts);
            if (auto ok = stmt->Run(); !ok) return ok;
        }
    }
    return {};
}

Status SqliteServiceStore::WriteTicks(std::span<const market::Tick> ticks) { return impl::InsertTicksIn(*db_, ticks); }

Status SqliteServiceStore::WriteBars(std::span<const market::Bar> bars) {
    if (bars.empty()) return {};
    auto stmt = db_->Prepare(kUpsertBar);
    if (!stmt) return std::unexpected(stmt.error());
    for (const market::Bar& b : bars) {
        stmt->Bind(1, std::int64_t{b.symbol}).Bind(2, b.interval_s).Bind(3, b.start).Bind(4, b.open);
        stmt->Bind(5, b.high).Bind(6, b.low).Bind(7, b.close).Bind(8, b.volume).Bind(9, b.trades);
        if (auto ok = stmt->Run(); !ok) return ok;
    }
    return {};
}

// ---- Loading ----------------------------------------------------------------------------------------------

// The stored position must still be the one the writer expects (see ConsumerOffset): otherwise another writer
// owns the partition now, and the whole commit is refused.
Status SqliteServiceStore::WriteOffsets(std::span<const ConsumerOffset> offsets, Timestamp now) {
    for (const ConsumerOffset& o : offsets) {
        auto select = db_->Prepare(kSelectOffset);
        if (!select) return std::unexpected(select.error());
        select->Bind(1, o.consumer).Bind(2, o.topic).Bind(3, std::int64_t{o.partition});
        std::int64_t stored = -1;
        if (auto ok = select->ForEach([&](Stmt& row) { stored = row.Int(0); }); !ok) return ok;
        if (stored != o.expected) return rows::FencedError(o, stored);
        if (o.next < 0) return MakeError(ErrorCode::kInvalidArgument, "consumer offset must not be negative");
        if (o.next == stored) continue;
        auto upsert = db_->Prepare(kUpsertOffset);
        if (!upsert) return std::unexpected(upsert.error());
        upsert->Bind(1, o.consumer).Bind(2, o.topic).Bind(3, std::int64_t{o.partition}).Bind(4, o.next).Bind(5, now);
        if (auto ok = upsert->Run(); !ok) return ok;
    }
    return {};
}

Result<std::map<std::int32_t, std::int64_t>> SqliteServiceStore::LoadConsumerOffsets(const std::string& consumer,
                                                                                     const std::string& topic) {
    std::lock_guard lock(mutex_);
    auto stmt = db_->Prepare(kLoadOffsets);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(1, consumer).Bind(2, topic);
    std::map<std::int32_t, std::int64_t> out;
    if (auto ok = stmt->ForEach([&](Stmt& row) { out[static_cast<std::int32_t>(row.Int(0))] = row.Int(1); }); !ok) {
        return std::unexpected(ok.error());
    }
    return out;
}

Result<trading::EngineSnapshot> SqliteServiceStore::LoadEngineState() {
    std::lock_guard lock(mutex_);
    // One read transaction: every part of the snapshot comes from the same committed state.
    auto txn = Transaction::Begin(*db_, Transaction::Kind::kDeferred);
    if (!txn) return std::unexpected(txn.error());
    trading::EngineSnapshot snap;
    {
        auto stmt = db_->Prepare(kLoadAccounts);
        if (!stmt) return std::unexpected(stmt.error());
        for (;;) {
            auto row = stmt->Step();
            if (!row) return std::unexpected(row.error());
            if (!*row) break;
            snap.accounts.push_back(
                trading::AccountBalance{static_cast<trading::AccountId>(stmt->Int(0)), stmt->Int(1), stmt->Int(2)});
        }
    }
    {
        auto stmt = db_->Prepare(kLoadPositions);
        if (!stmt) return std::unexpected(stmt.error());
        auto ok = stmt->ForEach([&](const Stmt& s) { snap.positions.push_back(rows::PositionFromRow(s)); });
        if (!ok) return std::unexpected(ok.error());
    }
    {
        auto stmt = db_->Prepare(kLoadOpenOrders);
        if (!stmt) return std::unexpected(stmt.error());
        for (;;) {
            auto row = stmt->Step();
            if (!row) return std::unexpected(row.error());
            if (!*row) break;
            auto order = rows::OrderFromRow(*stmt, path_);
            if (!order) return std::unexpected(order.error());
            snap.open_orders.push_back(std::move(*order));
        }
        std::sort(snap.open_orders.begin(), snap.open_orders.end(),
                  [](const trading::Order& a, const trading::Order& b) { return a.id < b.id; });
    }
    {
        std::vector<market::SymbolId> listed;
        {
            auto stmt = db_->Prepare(kLoadStocks);
            if (!stmt) return std::unexpected(stmt.error());
            for (;;) {
                auto row = stmt->Step();
                if (!row) return std::unexpected(row.error());
                if (!*row) break;
                const auto id = static_cast<market::SymbolId>(stmt->Int(0));
                listed.push_back(id);
                snap.previous_closes.emplace_back(id, stmt->Int(6));
            }
        }
        auto stmt = db_->Prepare(kLastTick);
        if (!stmt) return std::unexpected(stmt.error());
        for (market::SymbolId id : listed) {
            stmt->Bind(1, std::int64_t{id});
            auto row = stmt->Step();
            if (!row) return std::unexpected(row.error());
            if (*row) {
                snap.last_ticks.push_back(rows::TickFromRow(*stmt, id));
            }
            stmt->Reset();
        }
    }
    auto max_order = MaxOf(*db_, kMaxOrderId);
    auto max_fill = MaxOf(*db_, kMaxFillId);
    auto max_txn = MaxOf(*db_, kMaxLedgerTxn);
    auto max_deposit = MaxOf(*db_, kMaxDepositTxn);
    auto last_seq = MaxOf(*db_, kLastEventSeq);
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

Result<std::vector<market::StockInfo>> SqliteServiceStore::LoadStocks() {
    std::lock_guard lock(mutex_);
    auto stmt = db_->Prepare(kLoadStocks);
    if (!stmt) return std::unexpected(stmt.error());
    std::vector<market::StockInfo> out;
    for (;;) {
        auto row = stmt->Step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        auto info = rows::StockInfoFromRow(*stmt, out.size(), path_);
        if (!info) return std::unexpected(info.error());
        out.push_back(std::move(*info));
    }
    return out;
}

Status SqliteServiceStore::UpsertStocks(const market::Universe& universe) {
    std::lock_guard lock(mutex_);
    auto txn = Transaction::Begin(*db_, Transaction::Kind::kImmediate);
    if (!txn) return std::unexpected(txn.error());
    if (auto ok = impl::UpsertStocksIn(*db_, universe); !ok) return ok;
    return txn->Commit();
}

Status SqliteServiceStore::InsertStock(market::SymbolId id, const market::StockInfo& info) {
    std::lock_guard lock(mutex_);
    auto txn = Transaction::Begin(*db_, Transaction::Kind::kImmediate);
    if (!txn) return std::unexpected(txn.error());
    if (auto ok = impl::InsertStockIn(*db_, id, info); !ok) return ok;
    return txn->Commit();
}

// ---- Users ------------------------------------------------------------------------------------------------

Result<std::int64_t> SqliteServiceStore::CreateUser(const UserRecord& user) {
    if (user.role != "user" && user.role != "admin") {
        return MakeError(ErrorCode::kInvalidArgument, "role must be 'user' or 'admin'; got '" + user.role + "'");
    }
    if (user.username.empty()) return MakeError(ErrorCode::kInvalidArgument, "username must not be empty");
    std::lock_guard lock(mutex_);
    // Checked under the store's lock before inserting, so duplicates get a precise error rather than a
    // constraint failure.
    auto by_name = FindUser(kUserByName, &user.username, 0);
    if (!by_name) return std::unexpected(by_name.error());
    if (by_name->has_value()) {
        return MakeError(ErrorCode::kAlreadyExists, "username '" + user.username + "' is taken");
    }
    if (user.id != 0) {
        auto by_id = FindUser(kUserById, nullptr, user.id);
        if (!by_id) return std::unexpected(by_id.error());
        if (by_id->has_value()) {
            return MakeError(ErrorCode::kAlreadyExists, "user id " + std::to_string(user.id) + " is taken");
        }
    }
    auto stmt = db_->Prepare(kInsertUser);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->BindOptional(1, user.id != 0 ? std::optional<std::int64_t>(user.id) : std::nullopt);
    stmt->Bind(2, user.username).Bind(3, user.password_hash).Bind(4, user.email).Bind(5, user.phone);
    stmt->Bind(6, user.role).Bind(7, user.created_at);
    if (auto ok = stmt->Run(); !ok) return std::unexpected(ok.error());
    return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_->handle()));
}

Result<std::optional<UserRecord>> SqliteServiceStore::FindUser(const char* sql, const std::string* name,
                                                               std::int64_t id) {
    auto stmt = db_->Prepare(sql);
    if (!stmt) return std::unexpected(stmt.error());
    if (name != nullptr) {
        stmt->Bind(1, *name);
    } else {
        stmt->Bind(1, id);
    }
    auto row = stmt->Step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<UserRecord>{};
    return std::optional<UserRecord>(rows::UserFromRow(*stmt));
}

Result<std::optional<UserRecord>> SqliteServiceStore::FindUserByName(const std::string& username) {
    std::lock_guard lock(mutex_);
    return FindUser(kUserByName, &username, 0);
}

Result<std::optional<UserRecord>> SqliteServiceStore::FindUserById(std::int64_t id) {
    std::lock_guard lock(mutex_);
    return FindUser(kUserById, nullptr, id);
}

// ---- Orders and history -----------------------------------------------------------------------------------

Result<bool> SqliteServiceStore::ClientOrderIdExists(trading::AccountId account, const std::string& client_order_id) {
    std::lock_guard lock(mutex_);
    auto stmt = db_->Prepare(kClientOrderIdExists);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(1, AsInt(account)).Bind(2, client_order_id);
    auto row = stmt->Step();
    if (!row) return std::unexpected(row.error());
    return *row && stmt->Int(0) > 0;
}

Result<std::optional<trading::Order>> SqliteServiceStore::GetOrder(trading::OrderId id) {
    std::lock_guard lock(mutex_);
    auto stmt = db_->Prepare(kOrderById);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(1, AsInt(id));
    auto row = stmt->Step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<trading::Order>{};
    auto order = rows::OrderFromRow(*stmt, path_);
    if (!order) return std::unexpected(order.error());
    return std::optional<trading::Order>(std::move(*order));
}

Result<std::optional<trading::Order>> SqliteServiceStore::GetOrderByClientOrderId(trading::AccountId account,
                                                                                  const std::string& client_order_id) {
    std::lock_guard lock(mutex_);
    auto stmt = db_->Prepare(kOrderByClientId);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(1, AsInt(account)).Bind(2, client_order_id);
    auto row = stmt->Step();
    if (!row) return std::unexpected(row.error());
    if (!*row) return std::optional<trading::Order>{};
    auto order = rows::OrderFromRow(*stmt, path_);
    if (!order) return std::unexpected(order.error());
    return std::optional<trading::Order>(std::move(*order));
}

Result<std::vector<trading::Fill>> SqliteServiceStore::FillsOfOrder(trading::OrderId id) {
    std::lock_guard lock(mutex_);
    auto stmt = db_->Prepare(kFillsOfOrder);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(1, AsInt(id));
    return impl::ReadFills(*stmt, path_);
}

Result<std::vector<market::Bar>> SqliteServiceStore::LoadBars(market::SymbolId symbol, std::int64_t interval_s,
                                                              Timestamp from, Timestamp to) {
    std::lock_guard lock(mutex_);
    auto stmt = db_->Prepare(kLoadBars);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(1, std::int64_t{symbol}).Bind(2, interval_s).Bind(3, from).Bind(4, to);
    std::vector<market::Bar> out;
    for (;;) {
        auto row = stmt->Step();
        if (!row) return std::unexpected(row.error());
        if (!*row) break;
        out.push_back(rows::BarFromRow(*stmt));
    }
    return out;
}

Result<std::int64_t> SqliteServiceStore::CountRows(const std::string& table) {
    std::lock_guard lock(mutex_);
    return impl::CountRowsIn(*db_, table);
}

Result<std::vector<Violation>> SqliteServiceStore::Verify() {
    std::lock_guard lock(mutex_);
    return VerifyLocked();
}

}  // namespace ik::storage
