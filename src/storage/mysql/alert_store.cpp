// The MariaDB service store's alerts and notifications (AlertStore). Every statement is static SQL with bound
// parameters.
#include <limits>
#include <utility>

#include "storage/mysql/db.hpp"
#include "storage/mysql/mysql_store.hpp"
#include "storage/mysql/statements.hpp"
#include "storage/rows.hpp"

namespace ik::storage {

namespace {

using mysql::Connection;
using mysql::Each;
using mysql::Exec;
using mysql::Statement;
using mysql::Transaction;
using Stmt = mysql::Statement;

constexpr const char* kArmedOfUser = "SELECT COUNT(*) FROM alerts WHERE user_id = ? AND status = 'armed'";
constexpr const char* kInsertAlert = R"sql(
INSERT INTO alerts (user_id, stock_id, kind, level, mode, cooldown_s, expires_at, channels, webhook_url, status,
                    last_fired_at, created_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'armed', 0, ?, ?))sql";
constexpr const char* kAlertsOfUser = "SELECT " IK_ALERT_COLUMNS " FROM alerts WHERE user_id = ? ORDER BY id DESC";
constexpr const char* kAlertOfUser = "SELECT " IK_ALERT_COLUMNS " FROM alerts WHERE user_id = ? AND id = ?";
constexpr const char* kArmedAlerts = "SELECT " IK_ALERT_COLUMNS " FROM alerts WHERE status = 'armed' ORDER BY id";
constexpr const char* kUpdateAlert = R"sql(
UPDATE alerts SET level = ?, mode = ?, cooldown_s = ?, expires_at = ?, channels = ?, webhook_url = ?,
                  status = ?, updated_at = ?
WHERE user_id = ? AND id = ?)sql";
constexpr const char* kDeleteAlert = "DELETE FROM alerts WHERE user_id = ? AND id = ?";
constexpr const char* kAlertStatus = "SELECT status FROM alerts WHERE id = ? FOR UPDATE";
constexpr const char* kInsertNotification = R"sql(
INSERT INTO notifications (user_id, alert_id, stock_id, price, message, channels, fired_at, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON DUPLICATE KEY UPDATE id = id)sql";
constexpr const char* kFired = R"sql(
UPDATE alerts SET last_fired_at = ?, updated_at = ?,
                  status = CASE WHEN mode = 'once' THEN 'fired' ELSE status END
WHERE id = ?)sql";
constexpr const char* kAlertExists = "SELECT COUNT(*) FROM alerts WHERE user_id = ? AND id = ?";
constexpr const char* kNotificationsOfUser = "SELECT " IK_NOTIFICATION_COLUMNS
                                             " FROM notifications WHERE user_id = ? AND id < ?"
                                             " ORDER BY id DESC LIMIT ?";
constexpr const char* kMarkRead =
    "UPDATE notifications SET read_at = CASE WHEN read_at = 0 THEN ? ELSE read_at END WHERE user_id = ? AND id = ?";
constexpr const char* kNotificationOfUser = "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND id = ?";
constexpr const char* kUnread = "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at = 0";

std::int64_t AsInt(std::uint64_t v) { return static_cast<std::int64_t>(v); }

using rows::AlertFromRow;
using rows::NotificationFromRow;

// The rows of an alert query, each checked.
Result<std::vector<AlertRecord>> Alerts(Connection& db, const char* sql, const std::string& where, std::int64_t user,
                                        std::int64_t id = -1) {
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

// A COUNT(*) query's value.
template <class... Args>
Result<std::int64_t> Count(Connection& c, const char* sql, const Args&... args) {
    std::int64_t n = 0;
    if (auto ok = Each(
            c, sql, [&](const Statement& s) { n = s.Int(0); }, args...);
        !ok)
        return std::unexpected(ok.error());
    return n;
}

}  // namespace

Result<alerts::AlertId> MysqlServiceStore::CreateAlert(const AlertRecord& alert, std::size_t max_armed) {
    std::lock_guard lock(mutex_);
    auto txn = Transaction::Begin(*c_);
    if (!txn) return std::unexpected(txn.error());
    auto armed = Count(*c_, kArmedOfUser, alert.rule.user);
    if (!armed) return std::unexpected(armed.error());
    if (*armed >= static_cast<std::int64_t>(max_armed)) {
        return MakeError(ErrorCode::kFailedPrecondition,
                         "at most " + std::to_string(max_armed) + " armed alerts per user; delete one first");
    }
    const alerts::Rule& r = alert.rule;
    auto stmt = c_->Prepare(kInsertAlert);
    if (!stmt) return std::unexpected(stmt.error());
    mysql::BindAll(*stmt, 0, r.user, static_cast<std::int64_t>(r.symbol), alerts::KindName(r.kind), r.level,
                   alerts::ModeName(r.mode), r.cooldown_s, r.expires_at, static_cast<std::int64_t>(r.channels),
                   std::string_view(alert.webhook_url), alert.created_at, alert.created_at);
    if (auto ok = stmt->Execute(); !ok) return std::unexpected(ok.error());
    const auto id = static_cast<alerts::AlertId>(stmt->LastInsertId());
    if (auto ok = txn->Commit(); !ok) return std::unexpected(ok.error());
    return id;
}

Result<std::vector<AlertRecord>> MysqlServiceStore::ListAlerts(std::int64_t user_id) {
    std::lock_guard lock(mutex_);
    return Alerts(*c_, kAlertsOfUser, where_, user_id);
}

Result<std::optional<AlertRecord>> MysqlServiceStore::GetAlert(std::int64_t user_id, alerts::AlertId id) {
    std::lock_guard lock(mutex_);
    auto rows = Alerts(*c_, kAlertOfUser, where_, user_id, AsInt(id));
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return std::optional<AlertRecord>{};
    return std::optional<AlertRecord>(std::move(rows->front()));
}

Result<bool> MysqlServiceStore::UpdateAlert(const AlertRecord& alert) {
    std::lock_guard lock(mutex_);
    const alerts::Rule& r = alert.rule;
    // Affected rows count only rows whose values changed: existence is asked first.
    auto exists = Count(*c_, kAlertExists, r.user, AsInt(r.id));
    if (!exists) return std::unexpected(exists.error());
    if (*exists == 0) return false;
    auto n = Exec(*c_, kUpdateAlert, r.level, alerts::ModeName(r.mode), r.cooldown_s, r.expires_at,
                  static_cast<std::int64_t>(r.channels), std::string_view(alert.webhook_url),
                  std::string_view(alert.status), alert.updated_at, r.user, AsInt(r.id));
    if (!n) return std::unexpected(n.error());
    return true;
}

Result<bool> MysqlServiceStore::DeleteAlert(std::int64_t user_id, alerts::AlertId id) {
    std::lock_guard lock(mutex_);
    auto n = Exec(*c_, kDeleteAlert, user_id, AsInt(id));
    if (!n) return std::unexpected(n.error());
    return *n > 0;
}

Result<std::vector<AlertRecord>> MysqlServiceStore::LoadArmedAlerts() {
    std::lock_guard lock(mutex_);
    return Alerts(*c_, kArmedAlerts, where_, -1);
}

Result<std::vector<NotificationRecord>> MysqlServiceStore::RecordFirings(std::span<const FiringRecord> firings,
                                                                         Timestamp now) {
    std::lock_guard lock(mutex_);
    auto txn = Transaction::Begin(*c_);
    if (!txn) return std::unexpected(txn.error());
    std::vector<NotificationRecord> stored;
    for (const FiringRecord& f : firings) {
        const alerts::Firing& x = f.firing;
        std::string status;
        if (auto ok = Each(
                *c_, kAlertStatus, [&](const Statement& s) { status = s.Text(0); }, AsInt(x.id));
            !ok) {
            return std::unexpected(ok.error());
        }
        if (status != "armed") continue;  // deleted, fired or expired meanwhile
        auto stmt = c_->Prepare(kInsertNotification);
        if (!stmt) return std::unexpected(stmt.error());
        mysql::BindAll(*stmt, 0, x.user, AsInt(x.id), static_cast<std::int64_t>(x.symbol), x.price,
                       std::string_view(f.message), static_cast<std::int64_t>(x.channels), x.ts, now);
        if (auto ok = stmt->Execute(); !ok) return std::unexpected(ok.error());
        if (stmt->AffectedRows() != 1) continue;  // this crossing is stored already
        NotificationRecord r;
        r.id = stmt->LastInsertId();
        if (auto u = Exec(*c_, kFired, x.ts, now, AsInt(x.id)); !u) return std::unexpected(u.error());
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

Result<std::vector<NotificationRecord>> MysqlServiceStore::ListNotifications(std::int64_t user_id, std::size_t limit,
                                                                             std::int64_t before_id) {
    std::lock_guard lock(mutex_);
    std::vector<NotificationRecord> out;
    const std::int64_t below = before_id <= 0 ? std::numeric_limits<std::int64_t>::max() : before_id;
    const auto n = static_cast<std::int64_t>(limit == 0 || limit > 1'000 ? 1'000 : limit);
    auto ok = Each(
        *c_, kNotificationsOfUser, [&](const Statement& s) { out.push_back(NotificationFromRow(s)); }, user_id, below,
        n);
    if (!ok) return std::unexpected(ok.error());
    return out;
}

Result<bool> MysqlServiceStore::MarkNotificationRead(std::int64_t user_id, std::int64_t id, Timestamp now) {
    std::lock_guard lock(mutex_);
    auto exists = Count(*c_, kNotificationOfUser, user_id, id);
    if (!exists) return std::unexpected(exists.error());
    if (*exists == 0) return false;
    if (auto n = Exec(*c_, kMarkRead, now, user_id, id); !n) return std::unexpected(n.error());
    return true;
}

Result<std::int64_t> MysqlServiceStore::UnreadNotifications(std::int64_t user_id) {
    std::lock_guard lock(mutex_);
    return Count(*c_, kUnread, user_id);
}

}  // namespace ik::storage
