// The SQLite service store's queries for the API (accounts, order and fill history, ticks) and its small
// writes outside the group commit (API keys, refresh tokens, watchlists, listing statuses).
#include <limits>

#include <sqlite3.h>

#include "storage/sqlite/db.hpp"
#include "storage/sqlite/order_rows.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "storage/sqlite/statements.hpp"

namespace ik::storage {

namespace {

using impl::Each;
using impl::Exec;
using impl::Stmt;
using impl::Transaction;

constexpr const char* kGetAccount = "SELECT id, cash, reserved_cash, opened_at FROM accounts WHERE id = ?1";
constexpr const char* kPositionsOf = "SELECT " IK_POSITION_COLUMNS
                                     " FROM positions WHERE account_id = ?1 AND (qty <> 0 OR reserved_qty <> 0)"
                                     " ORDER BY stock_id";
constexpr const char* kAllPositions =
    "SELECT " IK_POSITION_COLUMNS " FROM positions WHERE qty <> 0 OR reserved_qty <> 0 ORDER BY account_id, stock_id";
constexpr const char* kAccountSummaries = R"sql(
SELECT a.id, u.username, a.cash, a.opened_at,
       (SELECT COUNT(*) FROM fills f WHERE f.account_id = a.id)
FROM accounts a JOIN users u ON u.id = a.id ORDER BY a.id)sql";
constexpr const char* kInsertApiKey = R"sql(
INSERT INTO api_keys (user_id, key_id, secret_hash, name, created_at) VALUES (?1, ?2, ?3, ?4, ?5))sql";
constexpr const char* kApiKeyById =
    "SELECT id, user_id, key_id, secret_hash, name, created_at, last_used_at, revoked_at FROM api_keys "
    "WHERE key_id = ?1";
constexpr const char* kApiKeysOf =
    "SELECT id, user_id, key_id, secret_hash, name, created_at, last_used_at, revoked_at FROM api_keys "
    "WHERE user_id = ?1 ORDER BY id";
constexpr const char* kRevokeApiKey =
    "UPDATE api_keys SET revoked_at = ?3 WHERE user_id = ?1 AND key_id = ?2 AND revoked_at IS NULL";
constexpr const char* kInsertRefresh = R"sql(
INSERT INTO refresh_tokens (user_id, token_hash, family, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5))sql";
constexpr const char* kRefreshByHash =
    "SELECT id, user_id, token_hash, family, created_at, expires_at, revoked_at FROM refresh_tokens "
    "WHERE token_hash = ?1";
constexpr const char* kRevokeRefresh =
    "UPDATE refresh_tokens SET revoked_at = ?2 WHERE token_hash = ?1 AND revoked_at IS NULL";
constexpr const char* kRevokeFamily =
    "UPDATE refresh_tokens SET revoked_at = ?2 WHERE family = ?1 AND revoked_at IS NULL";
constexpr const char* kInsertWatchlist =
    "INSERT INTO watchlists (id, user_id, name, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr const char* kWatchlistNameTaken =
    "SELECT COUNT(*) FROM watchlists WHERE user_id = ?1 AND name = ?2 AND id <> ?3";
constexpr const char* kWatchlistsOf =
    "SELECT id, user_id, name, created_at, updated_at FROM watchlists WHERE user_id = ?1 ORDER BY created_at, id";
constexpr const char* kWatchlistById =
    "SELECT id, user_id, name, created_at, updated_at FROM watchlists WHERE user_id = ?1 AND id = ?2";
constexpr const char* kWatchlistItems = "SELECT stock_id FROM watchlist_items WHERE watchlist_id = ?1 ORDER BY idx";
constexpr const char* kDeleteWatchlistItems = "DELETE FROM watchlist_items WHERE watchlist_id = ?1";
constexpr const char* kInsertWatchlistItem =
    "INSERT INTO watchlist_items (watchlist_id, idx, stock_id) VALUES (?1, ?2, ?3)";
constexpr const char* kUpdateWatchlist =
    "UPDATE watchlists SET name = ?3, updated_at = ?4 WHERE user_id = ?1 AND id = ?2";
constexpr const char* kDeleteWatchlist = "DELETE FROM watchlists WHERE user_id = ?1 AND id = ?2";
constexpr const char* kListingStatuses = "SELECT code, status, updated_at FROM universe ORDER BY code";
constexpr const char* kUpsertListingStatus = R"sql(
INSERT INTO universe (code, status, updated_at) VALUES (?1, ?2, ?3)
ON CONFLICT (code) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at)sql";

std::int64_t AsInt(std::uint64_t v) { return static_cast<std::int64_t>(v); }

std::int64_t Bound(Timestamp until) { return until == 0 ? std::numeric_limits<std::int64_t>::max() : until; }
std::int64_t Limit(std::size_t n) { return n == 0 || n > 1'000'000 ? 1'000'000 : static_cast<std::int64_t>(n); }

Status CheckWatchlistName(impl::Database& db, const WatchlistRecord& list) {
    std::int64_t taken = 0;
    auto ok = Each(
        db, kWatchlistNameTaken, [&](const Stmt& s) { taken = s.Int(0); }, list.user_id, list.name, list.id);
    if (!ok) return ok;
    if (taken > 0) return MakeError(ErrorCode::kAlreadyExists, "a watchlist named '" + list.name + "' already exists");
    return {};
}

Status LoadWatchlistSymbols(impl::Database& db, WatchlistRecord& list) {
    return Each(
        db, kWatchlistItems, [&](const Stmt& s) { list.symbols.push_back(static_cast<market::SymbolId>(s.Int(0))); },
        list.id);
}

}  // namespace

Result<std::optional<AccountRecord>> SqliteServiceStore::GetAccount(trading::AccountId id) {
    std::lock_guard lock(mutex_);
    std::optional<AccountRecord> out;
    auto ok = Each(
        *db_, kGetAccount, [&](const Stmt& s) { out = rows::AccountFromRow(s); }, AsInt(id));
    if (!ok) return std::unexpected(ok.error());
    return out;
}

Result<std::vector<trading::Position>> SqliteServiceStore::PositionsOf(trading::AccountId id) {
    std::lock_guard lock(mutex_);
    auto stmt = db_->Prepare(id == 0 ? kAllPositions : kPositionsOf);
    if (!stmt) return std::unexpected(stmt.error());
    if (id != 0) stmt->Bind(1, AsInt(id));
    std::vector<trading::Position> out;
    auto ok = stmt->ForEach([&](const Stmt& s) { out.push_back(rows::PositionFromRow(s)); });
    if (!ok) return std::unexpected(ok.error());
    return out;
}

Result<std::vector<trading::Order>> SqliteServiceStore::ListOrders(const OrderQuery& q) {
    // The filter set varies, so the statement is built here; every value is still a bound parameter.
    std::string sql =
        "SELECT " IK_ORDER_COLUMNS " FROM orders WHERE account_id = ?1 AND created_at > ?2 AND created_at < ?3";
    if (q.status == OrderStatusFilter::kOpen) sql += " AND status IN ('new', 'partially_filled')";
    if (q.status == OrderStatusFilter::kClosed) sql += " AND status NOT IN ('new', 'partially_filled')";
    int next = 4;
    if (q.side) sql += " AND side = ?" + std::to_string(next++);
    const int first_symbol = next;
    if (!q.symbols.empty()) {
        sql += " AND stock_id IN (";
        for (std::size_t i = 0; i < q.symbols.size(); ++i) sql += (i ? ", ?" : "?") + std::to_string(next++);
        sql += ")";
    }
    sql += q.ascending ? " ORDER BY created_at, id" : " ORDER BY created_at DESC, id DESC";
    sql += " LIMIT ?" + std::to_string(next);
    std::lock_guard lock(mutex_);
    auto stmt = db_->PrepareOnce(sql);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(1, AsInt(q.account)).Bind(2, q.after).Bind(3, Bound(q.until));
    if (q.side) stmt->Bind(4, trading::SideName(*q.side));
    for (std::size_t i = 0; i < q.symbols.size(); ++i) {
        stmt->Bind(first_symbol + static_cast<int>(i), std::int64_t{q.symbols[i]});
    }
    stmt->Bind(next, Limit(q.limit));
    return impl::ReadOrders(*stmt, path_);
}

Result<std::vector<trading::Fill>> SqliteServiceStore::ListFills(const HistoryQuery& q) {
    std::string sql = "SELECT " IK_FILL_COLUMNS " FROM fills WHERE ts > ?1 AND ts < ?2";
    if (q.account != 0) sql += " AND account_id = ?4";
    sql += q.ascending ? " ORDER BY ts, id" : " ORDER BY ts DESC, id DESC";
    sql += " LIMIT ?3";
    std::lock_guard lock(mutex_);
    auto stmt = db_->PrepareOnce(sql);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(1, q.after).Bind(2, Bound(q.until)).Bind(3, Limit(q.limit));
    if (q.account != 0) stmt->Bind(4, AsInt(q.account));
    return impl::ReadFills(*stmt, path_);
}

Result<std::vector<DepositRecord>> SqliteServiceStore::ListDeposits(const HistoryQuery& q) {
    std::string sql = "SELECT txn_id, account_id, amount, equity_before, ts FROM deposits WHERE ts > ?1 AND ts < ?2";
    if (q.account != 0) sql += " AND account_id = ?4";
    sql += q.ascending ? " ORDER BY ts, txn_id" : " ORDER BY ts DESC, txn_id DESC";
    sql += " LIMIT ?3";
    std::lock_guard lock(mutex_);
    auto stmt = db_->PrepareOnce(sql);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(1, q.after).Bind(2, Bound(q.until)).Bind(3, Limit(q.limit));
    if (q.account != 0) stmt->Bind(4, AsInt(q.account));
    std::vector<DepositRecord> out;
    auto ok = stmt->ForEach([&](const Stmt& s) { out.push_back(rows::DepositFromRow(s)); });
    if (!ok) return std::unexpected(ok.error());
    return out;
}

Result<std::vector<AccountSummary>> SqliteServiceStore::AccountSummaries() {
    std::lock_guard lock(mutex_);
    auto stmt = db_->Prepare(kAccountSummaries);
    if (!stmt) return std::unexpected(stmt.error());
    std::vector<AccountSummary> out;
    auto ok = stmt->ForEach([&](const Stmt& s) { out.push_back(rows::AccountSummaryFromRow(s)); });
    if (!ok) return std::unexpected(ok.error());
    return out;
}

Result<std::vector<market::Tick>> SqliteServiceStore::LoadTicks(market::SymbolId symbol, Timestamp from, Timestamp to,
                                                                std::size_t limit, bool ascending) {
    static constexpr const char* kAsc =
        "SELECT ts, price, bid, ask, volume FROM stock_infos WHERE stock_id = ?1 AND ts > ?2 AND ts < ?3 "
        "ORDER BY ts LIMIT ?4";
    static constexpr const char* kDesc =
        "SELECT ts, price, bid, ask, volume FROM stock_infos WHERE stock_id = ?1 AND ts > ?2 AND ts < ?3 "
        "ORDER BY ts DESC LIMIT ?4";
    std::lock_guard lock(mutex_);
    auto stmt = db_->Prepare(ascending ? kAsc : kDesc);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(1, std::int64_t{symbol}).Bind(2, from).Bind(3, Bound(to)).Bind(4, Limit(limit));
    std::vector<market::Tick> out;
    auto ok = stmt->ForEach([&](const Stmt& s) { out.push_back(rows::TickFromRow(s, symbol)); });
    if (!ok) return std::unexpected(ok.error());
    return out;
}

// ---- API keys ------------------------------------------------------------------------------------------

Status SqliteServiceStore::CreateApiKey(const ApiKeyRecord& key) {
    std::lock_guard lock(mutex_);
    auto n = Exec(*db_, kInsertApiKey, key.user_id, key.key_id, key.secret_hash, key.name, key.created_at);
    if (!n) return std::unexpected(n.error());
    return {};
}

Result<std::optional<ApiKeyRecord>> SqliteServiceStore::FindApiKey(const std::string& key_id) {
    std::lock_guard lock(mutex_);
    std::optional<ApiKeyRecord> out;
    if (auto ok = Each(
            *db_, kApiKeyById, [&](const Stmt& s) { out = rows::ApiKeyFromRow(s); }, key_id);
        !ok) {
        return std::unexpected(ok.error());
    }
    return out;
}

Result<std::vector<ApiKeyRecord>> SqliteServiceStore::ListApiKeys(std::int64_t user_id) {
    std::lock_guard lock(mutex_);
    std::vector<ApiKeyRecord> out;
    if (auto ok = Each(
            *db_, kApiKeysOf, [&](const Stmt& s) { out.push_back(rows::ApiKeyFromRow(s)); }, user_id);
        !ok) {
        return std::unexpected(ok.error());
    }
    return out;
}

Result<bool> SqliteServiceStore::RevokeApiKey(std::int64_t user_id, const std::string& key_id, Timestamp now) {
    std::lock_guard lock(mutex_);
    auto n = Exec(*db_, kRevokeApiKey, user_id, key_id, now);
    if (!n) return std::unexpected(n.error());
    return *n > 0;
}

// ---- Refresh tokens ------------------------------------------------------------------------------------

Status SqliteServiceStore::CreateRefreshToken(const RefreshTokenRecord& t) {
    std::lock_guard lock(mutex_);
    auto n = Exec(*db_, kInsertRefresh, t.user_id, t.token_hash, t.family, t.created_at, t.expires_at);
    if (!n) return std::unexpected(n.error());
    return {};
}

Result<std::optional<RefreshTokenRecord>> SqliteServiceStore::FindRefreshToken(const std::string& token_hash) {
    std::lock_guard lock(mutex_);
    auto stmt = db_->Prepare(kRefreshByHash);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(1, token_hash);
    std::optional<RefreshTokenRecord> out;
    auto ok = stmt->ForEach([&](const Stmt& s) { out = rows::RefreshTokenFromRow(s); });
    if (!ok) return std::unexpected(ok.error());
    return out;
}

Result<bool> SqliteServiceStore::RevokeRefreshToken(const std::string& token_hash, Timestamp now) {
    std::lock_guard lock(mutex_);
    auto n = Exec(*db_, kRevokeRefresh, token_hash, now);
    if (!n) return std::unexpected(n.error());
    return *n > 0;
}

Status SqliteServiceStore::RevokeRefreshFamily(const std::string& family, Timestamp now) {
    std::lock_guard lock(mutex_);
    auto n = Exec(*db_, kRevokeFamily, family, now);
    if (!n) return std::unexpected(n.error());
    return {};
}

// ---- Watchlists ----------------------------------------------------------------------------------------

Status SqliteServiceStore::WriteWatchlistSymbols(const WatchlistRecord& list) {
    auto del = db_->Prepare(kDeleteWatchlistItems);
    if (!del) return std::unexpected(del.error());
    del->Bind(1, list.id);
    if (auto ok = del->Run(); !ok) return ok;
    auto ins = db_->Prepare(kInsertWatchlistItem);
    if (!ins) return std::unexpected(ins.error());
    for (std::size_t i = 0; i < list.symbols.size(); ++i) {
        ins->Bind(1, list.id).Bind(2, static_cast<std::int64_t>(i)).Bind(3, std::int64_t{list.symbols[i]});
        if (auto ok = ins->Run(); !ok) return ok;
    }
    return {};
}

Status SqliteServiceStore::CreateWatchlist(const WatchlistRecord& list) {
    std::lock_guard lock(mutex_);
    auto txn = Transaction::Begin(*db_, Transaction::Kind::kImmediate);
    if (!txn) return std::unexpected(txn.error());
    if (auto ok = CheckWatchlistName(*db_, list); !ok) return ok;
    auto n = Exec(*db_, kInsertWatchlist, list.id, list.user_id, list.name, list.created_at, list.updated_at);
    if (!n) return std::unexpected(n.error());
    if (auto ok = WriteWatchlistSymbols(list); !ok) return ok;
    return txn->Commit();
}

Result<std::optional<WatchlistRecord>> SqliteServiceStore::GetWatchlistLocked(std::int64_t user_id,
                                                                              const std::string& id) {
    std::optional<WatchlistRecord> out;
    if (auto ok = Each(
            *db_, kWatchlistById, [&](const Stmt& s) { out = rows::WatchlistFromRow(s); }, user_id, id);
        !ok) {
        return std::unexpected(ok.error());
    }
    if (!out) return out;
    if (auto ok = LoadWatchlistSymbols(*db_, *out); !ok) return std::unexpected(ok.error());
    return out;
}

Result<std::vector<WatchlistRecord>> SqliteServiceStore::ListWatchlists(std::int64_t user_id) {
    std::lock_guard lock(mutex_);
    std::vector<WatchlistRecord> lists;
    if (auto ok = Each(
            *db_, kWatchlistsOf, [&](const Stmt& s) { lists.push_back(rows::WatchlistFromRow(s)); }, user_id);
        !ok) {
        return std::unexpected(ok.error());
    }
    for (auto& w : lists) {
        if (auto ok = LoadWatchlistSymbols(*db_, w); !ok) return std::unexpected(ok.error());
    }
    return lists;
}

Result<std::optional<WatchlistRecord>> SqliteServiceStore::GetWatchlist(std::int64_t user_id, const std::string& id) {
    std::lock_guard lock(mutex_);
    return GetWatchlistLocked(user_id, id);
}

Status SqliteServiceStore::UpdateWatchlist(const WatchlistRecord& list) {
    std::lock_guard lock(mutex_);
    auto txn = Transaction::Begin(*db_, Transaction::Kind::kImmediate);
    if (!txn) return std::unexpected(txn.error());
    auto existing = GetWatchlistLocked(list.user_id, list.id);
    if (!existing) return std::unexpected(existing.error());
    if (!*existing) return MakeError(ErrorCode::kNotFound, "watchlist not found");
    if (auto ok = CheckWatchlistName(*db_, list); !ok) return ok;
    auto n = Exec(*db_, kUpdateWatchlist, list.user_id, list.id, list.name, list.updated_at);
    if (!n) return std::unexpected(n.error());
    if (auto ok = WriteWatchlistSymbols(list); !ok) return ok;
    return txn->Commit();
}

Result<bool> SqliteServiceStore::DeleteWatchlist(std::int64_t user_id, const std::string& id) {
    std::lock_guard lock(mutex_);
    auto txn = Transaction::Begin(*db_, Transaction::Kind::kImmediate);
    if (!txn) return std::unexpected(txn.error());
    auto existing = GetWatchlistLocked(user_id, id);
    if (!existing) return std::unexpected(existing.error());
    if (!*existing) return false;
    auto items = db_->Prepare(kDeleteWatchlistItems);
    if (!items) return std::unexpected(items.error());
    items->Bind(1, id);
    if (auto ok = items->Run(); !ok) return std::unexpected(ok.error());
    auto stmt = db_->Prepare(kDeleteWatchlist);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(1, user_id).Bind(2, id);
    if (auto ok = stmt->Run(); !ok) return std::unexpected(ok.error());
    if (auto ok = txn->Commit(); !ok) return std::unexpected(ok.error());
    return true;
}

Result<std::vector<ListingStatusRecord>> SqliteServiceStore::LoadListingStatuses() {
    std::lock_guard lock(mutex_);
    std::vector<ListingStatusRecord> out;
    std::optional<Error> bad;
    auto ok = Each(*db_, kListingStatuses, [&](const Stmt& s) {
        ListingStatusRecord r;
        r.code = s.Text(0);
        auto status = market::ParseListingStatus(s.Text(1));
        if (!status && !bad) {
            bad = Error(ErrorCode::kDataLoss, path_ + ": universe row " + r.code + ": " + status.error().message);
        }
        r.status = status.value_or(market::ListingStatus::kInactive);
        r.updated_at = s.Int(2);
        out.push_back(std::move(r));
    });
    if (!ok) return std::unexpected(ok.error());
    if (bad) return std::unexpected(*bad);
    return out;
}

Status SqliteServiceStore::SetListingStatus(const std::string& code, market::ListingStatus status, Timestamp now) {
    if (!market::IsListed(status)) {
        return MakeError(ErrorCode::kInvalidArgument, "only active and halted listings are stored, not inactive");
    }
    std::lock_guard lock(mutex_);
    auto n = Exec(*db_, kUpsertListingStatus, code, market::ListingStatusName(status), now);
    if (!n) return std::unexpected(n.error());
    return {};
}

}  // namespace ik::storage
