// The SQLite service store's alerts and notifications (AlertStore). Every statement is static SQL with bound
// parameters.
#include <limits>

#include "storage/rows.hpp"
#include "storage/sqlite/db.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "storage/sqlite/statements.hpp"

namespace ik::storage {

namespace {

using impl::Each;
using impl::Exec;
using impl::Stmt;
using impl::Transaction;

constexpr const char* kArmedOfUser = "SELECT COUNT(*) FROM alerts WHERE user_id = ?1 AND status = 'armed'";
constexpr const char* kInsertAlert = R"sql(
INSERT INTO alerts (user_id, stock_id, kind, level, mode, cooldown_s, expires_at, channels, webhook_url, status,
                    last_fired_at, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'armed', 0, ?10, ?10))sql";
constexpr const char* kAlertsOfUser = "SELECT " IK_ALERT_COLUMNS " FROM alerts WHERE user_id = ?1 ORDER BY id DESC";
constexpr const char* kAlertOfUser = "SELECT " IK_ALERT_COLUMNS " FROM alerts WHERE user_id = ?1 AND id = ?2";
constexpr const char* kArmedAlerts = "SELECT " IK_ALERT_COLUMNS " FROM alerts WHERE status = 'armed' ORDER BY id";
constexpr const char* kUpdateAlert = R"sql(
UPDATE alerts SET level = ?3, mode = ?4, cooldown_s = ?5, expires_at = ?6, channels = ?7, webhook_url = ?8,
                  status = ?9, updated_at = ?10
WHERE user_id = ?1 AND id = ?2)sql";
constexpr const char* kDeleteAlert = "DELETE FROM alerts WHERE user_id = ?1 AND id = ?2";
constexpr const char* kAlertStatus = "SELECT status FROM alerts WHERE id = ?1";
constexpr const char* kInsertNotification = R"sql(
INSERT INTO notifications (user_id, alert_id, stock_id, price, message, channels, fired_at, created_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
ON CONFLICT (alert_id, fired_at) DO NOTHING)sql";
constexpr const char* kLastRowId = "SELECT last_insert_rowid()";
constexpr const char* kFired = R"sql(
UPDATE alerts SET last_fired_at = ?2, updated_at = ?3,
                  status = CASE WHEN mode = 'once' THEN 'fired' ELSE status END
WHERE id = ?1)sql";
constexpr const char* kNotificationsOfUser = "SELECT " IK_NOTIFICATION_COLUMNS
                                             " FROM notifications WHERE user_id = ?1 AND id < ?2"
                                             " ORDER BY id DESC LIMIT ?3";
constexpr const char* kMarkRead =
    "UPDATE notifications SET read_at = CASE WHEN read_at = 0 THEN ?3 ELSE read_at END WHERE user_id = ?1 AND id = ?2";
constexpr const char* kUnread = "SELECT COUNT(*) FROM notifications WHERE user_id = ?1 AND read_at = 0";

std::int64_t AsInt(std::uint64_t v) { return static_cast<std::int64_t>(v); }

using rows::AlertFromRow;
using rows::NotificationFromRow;

// The rows of an alert query, each checked.
Result<std::vector<AlertRecord>> Alerts(impl::Database& db, const char* sql, const std::string& where,
                                        std::int64_t user, std::int64_t id = -1) {
    std::vector<AlertRecord> out;
    std::optional<Error> bad;
    auto collect = [&](const Stmt& s) {
        auto a = AlertFromRow(s, where);
        if (!a) {
            if (!bad) bad = a.error();
            return;
        }
        out.push_back(std::move(*a));
    };
    Status ok = user < 0 ? Each(db, sql, collect)
                : id < 0 ? Each(db, sql, collect, user)
                         : Each(db, sql, collect, user, id);
    if (!ok) return std::unexpected(ok.error());
    if (bad) return std::unexpected(*bad);
    return out;
}

}  // namespace

Result<alerts::AlertId> SqliteServiceStore::CreateAlert(const AlertRecord& alert, std::size_t max_armed) {
    std::lock_guard lock(mutex_);
    auto txn = Transaction::Begin(*db_, Transaction::Kind::kImmediate);
    if (!txn) return std::unexpected(txn.error());
    std::int64_t armed = 0;
    if (auto ok = Each(
            *db_, kArmedOfUser, [&](const Stmt& s) { armed = s.Int(0); }, alert.rule.user);
        !ok) {
        return std::unexpected(ok.error());
    }
    if (armed >= static_cast<std::int64_t>(max_armed)) {
        return MakeError(ErrorCode::kFailedPrecondition,
                         "at most " + std::to_string(max_armed) + " armed alerts per user; delete one first");
    }
    const alerts::Rule& r = alert.rule;
    auto n = Exec(*db_, kInsertAlert, r.user, static_cast<std::int64_t>(r.symbol), alerts::KindName(r.kind), r.level,
                  alerts::ModeName(r.mode), r.cooldown_s, r.expires_at, static_cast<std::int64_t>(r.channels),
                  std::string_view(alert.webhook_url), alert.created_at);
    if (!n) return std::unexpected(n.error());
    std::int64_t id = 0;
    if (auto ok = Each(*db_, kLastRowId, [&](const Stmt& s) { id = s.Int(0); }); !ok)
        return std::unexpected(ok.error());
    if (auto ok = txn->Commit(); !ok) return std::unexpected(ok.error());
    return static_cast<alerts::AlertId>(id);
}

Result<std::vector<AlertRecord>> SqliteServiceStore::ListAlerts(std::int64_t user_id) {
    std::lock_guard lock(mutex_);
    return Alerts(*db_, kAlertsOfUser, path_, user_id);
}

Result<std::optional<AlertRecord>> SqliteServiceStore::GetAlert(std::int64_t user_id, alerts::AlertId id) {
    std::lock_guard lock(mutex_);
    auto rows = Alerts(*db_, kAlertOfUser, path_, user_id, AsInt(id));
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return std::optional<AlertRecord>{};
    return std::optional<AlertRecord>(std::move(rows->front()));
}

Result<bool> SqliteServiceStore::UpdateAlert(const AlertRecord& alert) {
    std::lock_guard lock(mutex_);
    const alerts::Rule& r = alert.rule;
    auto n = Exec(*db_, kUpdateAlert, r.user, AsInt(r.id), r.level, alerts::ModeName(r.mode), r.cooldown_s,
                  r.expires_at, static_cast<std::int64_t>(r.channels), std::string_view(alert.webhook_url),
                  std::string_view(alert.status), alert.updated_at);
    if (!n) return std::unexpected(n.error());
    return *n > 0;
}

Result<bool> SqliteServiceStore::DeleteAlert(std::int64_t user_id, alerts::AlertId id) {
    std::lock_guard lock(mutex_);
    auto n = Exec(*db_, kDeleteAlert, user_id, AsInt(id));
    if (!n) return std::unexpected(n.error());
    return *n > 0;
}

Result<std::vector<AlertRecord>> SqliteServiceStore::LoadArmedAlerts() {
    std::lock_guard lock(mutex_);
    return Alerts(*db_, kArmedAlerts, path_, -1);
}

Result<std::vector<NotificationRecord>> SqliteServiceStore::RecordFirings(std::span<const FiringRecord> firings,
                                                                          Timestamp now) {
    std::lock_guard lock(mutex_);
    auto txn = Transaction::Begin(*db_, Transaction::Kind::kImmediate);
    if (!txn) return std::unexpected(txn.error());
    std::vector<NotificationRecord> stored;
    for (const FiringRecord& f : firings) {
        const alerts::Firing& x = f.firing;
        std::string status;
        if (auto ok = Each(
                *db_, kAlertStatus, [&](const Stmt& s) { status = s.Text(0); }, AsInt(x.id));
            !ok) {
            return std::unexpected(ok.error());
        }
        if (status != "armed") continue;  // deleted, fired or expired meanwhile
        auto n = Exec(*db_, kInsertNotification, x.user, AsInt(x.id), static_cast<std::int64_t>(x.symbol), x.price,
                      std::string_view(f.message), static_cast<std::int64_t>(x.channels), x.ts, now);
        if (!n) return std::unexpected(n.error());
        if (*n == 0) continue;  // this crossing is stored already
        NotificationRecord r;
        if (auto ok = Each(*db_, kLastRowId, [&](const Stmt& s) { r.id = s.Int(0); }); !ok) {
            return std::unexpected(ok.error());
        }
        if (auto u = Exec(*db_, kFired, AsInt(x.id), x.ts, now); !u) return std::unexpected(u.error());
        r.user_id = x.user;
        r.alert_id = x.id;
        r.symbol = x.symbol;
        r.price = x.price;
        r.message = f.message;
        r.channels = x.channels;
        r.fired_at = x.ts;
        r.created_at = now;
        stored.push_back(std::move(r));
    }
    if (auto ok = txn->Commit(); !ok) return std::unexpected(ok.error());
    return stored;
}

Result<std::vector<NotificationRecord>> SqliteServiceStore::ListNotifications(std::int64_t user_id, std::size_t limit,
                                                                              std::int64_t before_id) {
    std::lock_guard lock(mutex_);
    std::vector<NotificationRecord> out;
    const std::int64_t below = before_id <= 0 ? std::numeric_limits<std::int64_t>::max() : before_id;
    const auto n = static_cast<std::int64_t>(limit == 0 || limit > 1'000 ? 1'000 : limit);
    auto ok = Each(
        *db_, kNotificationsOfUser, [&](const Stmt& s) { out.push_back(NotificationFromRow(s)); }, user_id, below, n);
    if (!ok) return std::unexpected(ok.error());
    return out;
}

Result<bool> SqliteServiceStore::MarkNotificationRead(std::int64_t user_id, std::int64_t id, Timestamp now) {
    std::lock_guard lock(mutex_);
    auto n = Exec(*db_, kMarkRead, user_id, id, now);
    if (!n) return std::unexpected(n.error());
    return *n > 0;
}

Result<std::int64_t> SqliteServiceStore::UnreadNotifications(std::int64_t user_id) {
    std::lock_guard lock(mutex_);
    std::int64_t count = 0;
    if (auto ok = Each(
            *db_, kUnread, [&](const Stmt& s) { count = s.Int(0); }, user_id);
        !ok) {
        return std::unexpected(ok.error());
    }
    return count;
}

}  // namespace ik::storage
