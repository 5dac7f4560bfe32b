// The MariaDB service store's queries for the API (accounts, order and fill history, ticks) and its small
// writes outside the group commit (API keys, refresh tokens, watchlists, listing statuses). Every statement is
// static SQL with bound parameters; optional filters are parameters too (`? = 0 OR …`).
#include <limits>
#include <type_traits>
#include <utility>

#include "storage/mysql/db.hpp"
#include "storage/mysql/mysql_store.hpp"
#include "storage/mysql/order_rows.hpp"
#include "storage/mysql/statements.hpp"

namespace ik::storage {

namespace {

using mysql::Connection;
using mysql::Each;
using mysql::Exec;
using mysql::Statement;
using mysql::Transaction;

constexpr const char* kGetAccount = "SELECT id, cash, reserved_cash, opened_at FROM accounts WHERE id = ?";
constexpr const char* kPositionsOf = "SELECT " IK_POSITION_COLUMNS
                                     " FROM positions WHERE account_id = ? AND (qty <> 0 OR reserved_qty <> 0)"
                                     " ORDER BY stock_id";
constexpr const char* kAllPositions =
    "SELECT " IK_POSITION_COLUMNS " FROM positions WHERE qty <> 0 OR reserved_qty <> 0 ORDER BY account_id, stock_id";
constexpr const char* kAccountSummaries = R"sql(
SELECT a.id, u.username, a.cash, a.opened_at,
       (SELECT COUNT(*) FROM fills f WHERE f.account_id = a.id)
FROM accounts a JOIN users u ON u.id = a.id ORDER BY a.id)sql";

// ListOrders: ?0 account, ?1 after, ?2 until, ?3-?5 status filter (0 all, 1 open, 2 closed), ?6-?7 side ('' =
// any), ?8-?9 stock ids as "3,5,7" ('' = any), ?10 limit.
#define IK_LIST_ORDERS                                                        \
    "SELECT " IK_ORDER_COLUMNS                                                \
    " FROM orders WHERE account_id = ? AND created_at > ? AND created_at < ?" \
    " AND (? = 0 OR (? = 1 AND status IN ('new', 'partially_filled'))"        \
    " OR (? = 2 AND status NOT IN ('new', 'partially_filled')))"              \
    " AND (? = '' OR side = ?) AND (? = '' OR FIND_IN_SET(stock_id, ?) > 0)"
constexpr const char* kListOrdersAsc = IK_LIST_ORDERS " ORDER BY created_at, id LIMIT ?";
constexpr const char* kListOrdersDesc = IK_LIST_ORDERS " ORDER BY created_at DESC, id DESC LIMIT ?";
#undef IK_LIST_ORDERS
// ListFills / ListDeposits: ?0 after, ?1 until, [?2 account,] then the limit.
#define IK_FILLS "SELECT " IK_FILL_COLUMNS " FROM fills WHERE ts > ? AND ts < ?"
constexpr const char* kFillsAsc = IK_FILLS " ORDER BY ts, id LIMIT ?";
constexpr const char* kFillsDesc = IK_FILLS " ORDER BY ts DESC, id DESC LIMIT ?";
constexpr const char* kFillsOfAsc = IK_FILLS " AND account_id = ? ORDER BY ts, id LIMIT ?";
constexpr const char* kFillsOfDesc = IK_FILLS " AND account_id = ? ORDER BY ts DESC, id DESC LIMIT ?";
#undef IK_FILLS
#define IK_DEPOSITS "SELECT txn_id, account_id, amount, equity_before, ts FROM deposits WHERE ts > ? AND ts < ?"
constexpr const char* kDepositsAsc = IK_DEPOSITS " ORDER BY ts, txn_id LIMIT ?";
constexpr const char* kDepositsDesc = IK_DEPOSITS " ORDER BY ts DESC, txn_id DESC LIMIT ?";
constexpr const char* kDepositsOfAsc = IK_DEPOSITS " AND account_id = ? ORDER BY ts, txn_id LIMIT ?";
constexpr const char* kDepositsOfDesc = IK_DEPOSITS " AND account_id = ? ORDER BY ts DESC, txn_id DESC LIMIT ?";
#undef IK_DEPOSITS
constexpr const char* kTicksAsc =
    "SELECT ts, price, bid, ask, volume FROM stock_infos WHERE stock_id = ? AND ts > ? AND ts < ? ORDER BY ts LIMIT ?";
constexpr const char* kTicksDesc =
    "SELECT ts, price, bid, ask, volume FROM stock_infos WHERE stock_id = ? AND ts > ? AND ts < ?"
    " ORDER BY ts DESC LIMIT ?";

constexpr const char* kInsertApiKey =
    "INSERT INTO api_keys (user_id, key_id, secret_hash, name, created_at) VALUES (?, ?, ?, ?, ?)";
constexpr const char* kApiKeyById =
    "SELECT id, user_id, key_id, secret_hash, name, created_at, last_used_at, revoked_at FROM api_keys WHERE key_id = "
    "?";
constexpr const char* kApiKeysOf =
    "SELECT id, user_id, key_id, secret_hash, name, created_at, last_used_at, revoked_at FROM api_keys"
    " WHERE user_id = ? ORDER BY id";
constexpr const char* kRevokeApiKey =
    "UPDATE api_keys SET revoked_at = ? WHERE user_id = ? AND key_id = ? AND revoked_at IS NULL";
constexpr const char* kInsertRefresh =
    "INSERT INTO refresh_tokens (user_id, token_hash, family, created_at, expires_at) VALUES (?, ?, ?, ?, ?)";
constexpr const char* kRefreshByHash =
    "SELECT id, user_id, token_hash, family, created_at, expires_at, revoked_at FROM refresh_tokens"
    " WHERE token_hash = ?";
constexpr const char* kRevokeRefresh =
    "UPDATE refresh_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL";
constexpr const char* kRevokeFamily =
    "UPDATE refresh_tokens SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL";
constexpr const char* kInsertWatchlist =
    "INSERT INTO watchlists (id, user_id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)";
constexpr const char* kWatchlistNameTaken =
    "SELECT COUNT(*) FROM watchlists WHERE user_id = ? AND name = ? AND id <> ?";
constexpr const char* kWatchlistsOf =
    "SELECT id, user_id, name, created_at, updated_at FROM watchlists WHERE user_id = ? ORDER BY created_at, id";
constexpr const char* kWatchlistById =
    "SELECT id, user_id, name, created_at, updated_at FROM watchlists WHERE user_id = ? AND id = ?";
constexpr const char* kWatchlistItems = "SELECT stock_id FROM watchlist_items WHERE watchlist_id = ? ORDER BY idx";
constexpr const char* kDeleteWatchlistItems = "DELETE FROM watchlist_items WHERE watchlist_id = ?";
constexpr const char* kInsertWatchlistItem =
    "INSERT INTO watchlist_items (watchlist_id, idx, stock_id) VALUES (?, ?, ?)";
constexpr const char* kUpdateWatchlist = "UPDATE watchlists SET name = ?, updated_at = ? WHERE user_id = ? AND id = ?";
constexpr const char* kDeleteWatchlist = "DELETE FROM watchlists WHERE user_id = ? AND id = ?";
constexpr const char* kListingStatuses = "SELECT code, status, updated_at FROM universe ORDER BY code";
constexpr const char* kUpsertListingStatus =
    "INSERT INTO universe (code, status, updated_at) VALUES (?, ?, ?)"
    " ON DUPLICATE KEY UPDATE status = VALUES(status), updated_at = VALUES(updated_at)";

std::int64_t AsInt(std::uint64_t v) { return static_cast<std::int64_t>(v); }
std::int64_t Bound(Timestamp until) { return until == 0 ? std::numeric_limits<std::int64_t>::max() : until; }
std::int64_t Limit(std::size_t n) { return n == 0 || n > 1'000'000 ? 1'000'000 : static_cast<std::int64_t>(n); }

Status CheckWatchlistName(Connection& c, const WatchlistRecord& list) {
    std::int64_t taken = 0;
    auto ok = Each(
        c, kWatchlistNameTaken, [&](const Statement& s) { taken = s.Int(0); }, list.user_id, list.name, list.id);
    if (!ok) return ok;
    if (taken > 0) return MakeError(ErrorCode::kAlreadyExists, "a watchlist named '" + list.name + "' already exists");
    return {};
}

Status LoadWatchlistSymbols(Connection& c, WatchlistRecord& list) {
    return Each(
        c, kWatchlistItems,
        [&](const Statement& s) { list.symbols.push_back(static_cast<market::SymbolId>(s.Int(0))); }, list.id);
}

}  // namespace

Result<std::optional<AccountRecord>> MysqlServiceStore::GetAccount(trading::AccountId id) {
    std::lock_guard lock(mutex_);
    std::optional<AccountRecord> out;
    auto ok = Each(
        *c_, kGetAccount, [&](const Statement& s) { out = rows::AccountFromRow(s); }, AsInt(id));
    if (!ok) return std::unexpected(ok.error());
    return out;
}

Result<std::vector<trading::Position>> MysqlServiceStore::PositionsOf(trading::AccountId id) {
    std::lock_guard lock(mutex_);
    std::vector<trading::Position> out;
    const auto read = [&](const Statement& s) { out.push_back(rows::PositionFromRow(s)); };
    auto ok = id == 0 ? Each(*c_, kAllPositions, read) : Each(*c_, kPositionsOf, read, AsInt(id));
    if (!ok) return std::unexpected(ok.error());
    return out;
}

Result<std::vector<trading::Order>> MysqlServiceStore::ListOrders(const OrderQuery& q) {
    const std::int64_t mode = q.status == OrderStatusFilter::kAll ? 0 : q.status == OrderStatusFilter::kOpen ? 1 : 2;
    const std::string side = q.side ? std::string(trading::SideName(*q.side)) : std::string();
    std::string symbols;
    for (std::size_t i = 0; i < q.symbols.size(); ++i) symbols += (i ? "," : "") + std::to_string(q.symbols[i]);
    std::lock_guard lock(mutex_);
    auto stmt = c_->Prepare(q.ascending ? kListOrdersAsc : kListOrdersDesc);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(0, AsInt(q.account)).Bind(1, q.after).Bind(2, Bound(q.until));
    stmt->Bind(3, mode).Bind(4, mode).Bind(5, mode).Bind(6, side).Bind(7, side).Bind(8, symbols).Bind(9, symbols);
    stmt->Bind(10, Limit(q.limit));
    if (auto ok = stmt->Execute(); !ok) return std::unexpected(ok.error());
    return mysql::ReadOrders(*stmt, where_);
}

Result<std::vector<trading::Fill>> MysqlServiceStore::ListFills(const HistoryQuery& q) {
    std::lock_guard lock(mutex_);
    const char* sql =
        q.account == 0 ? (q.ascending ? kFillsAsc : kFillsDesc) : (q.ascending ? kFillsOfAsc : kFillsOfDesc);
    auto stmt = c_->Prepare(sql);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(0, q.after).Bind(1, Bound(q.until));
    if (q.account != 0) {
        stmt->Bind(2, AsInt(q.account)).Bind(3, Limit(q.limit));
    } else {
        stmt->Bind(2, Limit(q.limit));
    }
    if (auto ok = stmt->Execute(); !ok) return std::unexpected(ok.error());
    return mysql::ReadFills(*stmt, where_);
}

Result<std::vector<DepositRecord>> MysqlServiceStore::ListDeposits(const HistoryQuery& q) {
    std::lock_guard lock(mutex_);
    const char* sql = q.account == 0 ? (q.ascending ? kDepositsAsc : kDepositsDesc)
                                     : (q.ascending ? kDepositsOfAsc : kDepositsOfDesc);
    std::vector<DepositRecord> out;
    const auto read = [&](const Statement& s) { out.push_back(rows::DepositFromRow(s)); };
    auto ok = q.account == 0 ? Each(*c_, sql, read, q.after, Bound(q.until), Limit(q.limit))
                             : Each(*c_, sql, read, q.after, Bound(q.until), AsInt(q.account), Limit(q.limit));
    if (!ok) return std::unexpected(ok.error());
    return out;
}

Result<std::vector<AccountSummary>> MysqlServiceStore::AccountSummaries() {
    std::lock_guard lock(mutex_);
    std::vector<AccountSummary> out;
    auto ok = Each(*c_, kAccountSummaries, [&](const Statement& s) { out.push_back(rows::AccountSummaryFromRow(s)); });
    if (!ok) return std::unexpected(ok.error());
    return out;
}

Result<std::vector<market::Tick>> MysqlServiceStore::LoadTicks(market::SymbolId symbol, Timestamp from, Timestamp to,
                                                               std::size_t limit, bool ascending) {
    std::lock_guard lock(mutex_);
    std::vector<market::Tick> out;
    auto ok = Each(
        *c_, ascending ? kTicksAsc : kTicksDesc,
        [&](const Statement& s) { out.push_back(rows::TickFromRow(s, symbol)); }, std::int64_t{symbol}, from, Bound(to),
        Limit(limit));
    if (!ok) return std::unexpected(ok.error());
    return out;
}

// ---- API keys ------------------------------------------------------------------------------------------

Status MysqlServiceStore::CreateApiKey(const ApiKeyRecord& key) {
    std::lock_guard lock(mutex_);
    auto n = Exec(*c_, kInsertApiKey, key.user_id, key.key_id, key.secret_hash, key.name, key.created_at);
    if (!n) return std::unexpected(n.error());
    return {};
}

Result<std::optional<ApiKeyRecord>> MysqlServiceStore::FindApiKey(const std::string& key_id) {
    std::lock_guard lock(mutex_);
    std::optional<ApiKeyRecord> out;
    if (auto ok = Each(
            *c_, kApiKeyById, [&](const Statement& s) { out = rows::ApiKeyFromRow(s); }, key_id);
        !ok) {
        return std::unexpected(ok.error());
    }
    return out;
}

Result<std::vector<ApiKeyRecord>> MysqlServiceStore::ListApiKeys(std::int64_t user_id) {
    std::lock_guard lock(mutex_);
    std::vector<ApiKeyRecord> out;
    if (auto ok = Each(
            *c_, kApiKeysOf, [&](const Statement& s) { out.push_back(rows::ApiKeyFromRow(s)); }, user_id);
        !ok) {
        return std::unexpected(ok.error());
    }
    return out;
}

Result<bool> MysqlServiceStore::RevokeApiKey(std::int64_t user_id, const std::string& key_id, Timestamp now) {
    std::lock_guard lock(mutex_);
    auto n = Exec(*c_, kRevokeApiKey, now, user_id, key_id);
    if (!n) return std::unexpected(n.error());
    return *n > 0;
}

// ---- Refresh tokens ------------------------------------------------------------------------------------

Status MysqlServiceStore::CreateRefreshToken(const RefreshTokenRecord& t) {
    std::lock_guard lock(mutex_);
    auto n = Exec(*c_, kInsertRefresh, t.user_id, t.token_hash, t.family, t.created_at, t.expires_at);
    if (!n) return std::unexpected(n.error());
    return {};
}

Result<std::optional<RefreshTokenRecord>> MysqlServiceStore::FindRefreshToken(const std::string& token_hash) {
    std::lock_guard lock(mutex_);
    std::optional<RefreshTokenRecord> out;
    auto ok = Each(
        *c_, kRefreshByHash, [&](const Statement& s) { out = rows::RefreshTokenFromRow(s); }, token_hash);
    if (!ok) return std::unexpected(ok.error());
    return out;
}

Result<bool> MysqlServiceStore::RevokeRefreshToken(const std::string& token_hash, Timestamp now) {
    std::lock_guard lock(mutex_);
    auto n = Exec(*c_, kRevokeRefresh, now, token_hash);
    if (!n) return std::unexpected(n.error());
    return *n > 0;
}

Status MysqlServiceStore::RevokeRefreshFamily(const std::string& family, Timestamp now) {
    std::lock_guard lock(mutex_);
    auto n = Exec(*c_, kRevokeFamily, now, family);
    if (!n) return std::unexpected(n.error());
    return {};
}

// ---- Watchlists ----------------------------------------------------------------------------------------

Status MysqlServiceStore::WriteWatchlistSymbols(const WatchlistRecord& list) {
    if (auto n = Exec(*c_, kDeleteWatchlistItems, list.id); !n) return std::unexpected(n.error());
    auto ins = c_->Prepare(kInsertWatchlistItem);
    if (!ins) return std::unexpected(ins.error());
    for (std::size_t i = 0; i < list.symbols.size(); ++i) {
        ins->Bind(0, list.id).Bind(1, static_cast<std::int64_t>(i)).Bind(2, std::int64_t{list.symbols[i]});
        if (auto ok = ins->Execute(); !ok) return ok;
    }
    return {};
}

Status MysqlServiceStore::CreateWatchlist(const WatchlistRecord& list) {
    std::lock_guard lock(mutex_);
    auto txn = Transaction::Begin(*c_);
    if (!txn) return std::unexpected(txn.error());
    if (auto ok = CheckWatchlistName(*c_, list); !ok) return ok;
    auto n = Exec(*c_, kInsertWatchlist, list.id, list.user_id, list.name, list.created_at, list.updated_at);
    if (!n) return std::unexpected(n.error());
    if (auto ok = WriteWatchlistSymbols(list); !ok) return ok;
    return txn->Commit();
}

Result<std::optional<WatchlistRecord>> MysqlServiceStore::GetWatchlistLocked(std::int64_t user_id,
                                                                             const std::string& id) {
    std::optional<WatchlistRecord> out;
    if (auto ok = Each(
            *c_, kWatchlistById, [&](const Statement& s) { out = rows::WatchlistFromRow(s); }, user_id, id);
        !ok) {
        return std::unexpected(ok.error());
    }
    if (!out) return out;
    if (auto ok = LoadWatchlistSymbols(*c_, *out); !ok) return std::unexpected(ok.error());
    return out;
}

Result<std::vector<WatchlistRecord>> MysqlServiceStore::ListWatchlists(std::int64_t user_id) {
    std::lock_guard lock(mutex_);
    std::vector<WatchlistRecord> lists;
    if (auto ok = Each(
            *c_, kWatchlistsOf, [&](const Statement& s) { lists.push_back(rows::WatchlistFromRow(s)); }, user_id);
        !ok) {
        return std::unexpected(ok.error());
    }
    for (auto& w : lists) {
        if (auto ok = LoadWatchlistSymbols(*c_, w); !ok) return std::unexpected(ok.error());
    }
    return lists;
}

Result<std::optional<WatchlistRecord>> MysqlServiceStore::GetWatchlist(std::int64_t user_id, const std::string& id) {
    std::lock_guard lock(mutex_);
    return GetWatchlistLocked(user_id, id);
}

Status MysqlServiceStore::UpdateWatchlist(const WatchlistRecord& list) {
    std::lock_guard lock(mutex_);
    auto txn = Transaction::Begin(*c_);
    if (!txn) return std::unexpected(txn.error());
    auto existing = GetWatchlistLocked(list.user_id, list.id);
    if (!existing) return std::unexpected(existing.error());
    if (!*existing) return MakeError(ErrorCode::kNotFound, "watchlist not found");
    if (auto ok = CheckWatchlistName(*c_, list); !ok) return ok;
    auto n = Exec(*c_, kUpdateWatchlist, list.name, list.updated_at, list.user_id, list.id);
    if (!n) return std::unexpected(n.error());
    if (auto ok = WriteWatchlistSymbols(list); !ok) return ok;
    return txn->Commit();
}

Result<bool> MysqlServiceStore::DeleteWatchlist(std::int64_t user_id, const std::string& id) {
    std::lock_guard lock(mutex_);
    auto txn = Transaction::Begin(*c_);
    if (!txn) return std::unexpected(txn.error());
    auto existing = GetWatchlistLocked(user_id, id);
    if (!existing) return std::unexpected(existing.error());
    if (!*existing) return false;
    if (auto n = Exec(*c_, kDeleteWatchlistItems, id); !n) return std::unexpected(n.error());
    if (auto n = Exec(*c_, kDeleteWatchlist, user_id, id); !n) return std::unexpected(n.error());
    if (auto ok = txn->Commit(); !ok) return std::unexpected(ok.error());
    return true;
}

// ---- Listing statuses ----------------------------------------------------------------------------------

Result<std::vector<ListingStatusRecord>> MysqlServiceStore::LoadListingStatuses() {
    std::lock_guard lock(mutex_);
    std::vector<ListingStatusRecord> out;
    std::optional<Error> bad;
    auto ok = Each(*c_, kListingStatuses, [&](const Statement& s) {
        ListingStatusRecord r;
        r.code = s.Text(0);
        auto status = market::ParseListingStatus(s.Text(1));
        if (!status && !bad) {
            bad = Error(ErrorCode::kDataLoss, where_ + ": universe row " + r.code + ": " + status.error().message);
        }
        r.status = status.value_or(market::ListingStatus::kInactive);
        r.updated_at = s.Int(2);
        out.push_back(std::move(r));
    });
    if (!ok) return std::unexpected(ok.error());
    if (bad) return std::unexpected(*bad);
    return out;
}

Status MysqlServiceStore::SetListingStatus(const std::string& code, market::ListingStatus status, Timestamp now) {
    if (!market::IsListed(status)) {
        return MakeError(ErrorCode::kInvalidArgument, "only active and halted listings are stored, not inactive");
    }
    std::lock_guard lock(mutex_);
    auto n = Exec(*c_, kUpsertListingStatus, code, market::ListingStatusName(status), now);
    if (!n) return std::unexpected(n.error());
    return {};
}

}  // namespace ik::storage
