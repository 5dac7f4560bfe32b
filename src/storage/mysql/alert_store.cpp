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

// Armed and not expired: an expired alert does not count towards the limit.
constexpr const char* kArmedOfUser =
    "SELECT COUNT(*) FROM alerts WHERE user_id = ? AND status = 'armed' AND (expires_at = 0 OR expires_at > ?)";
constexpr const char* kInsertAlert = R"sql(
INSERT INTO alerts (user_id, stock_id, kind, level, mode, cooldown_s, expires_at, channels, webhook_url, status,
                    last_fired_at, created_at, updated_at, webhook_secret, sns_topic_arn, language)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'armed', 0, ?, ?, ?, ?, ?))sql";
constexpr const char* kAlertsOfUser = "SELECT " IK_ALERT_COLUMNS " FROM alerts WHERE user_id = ? ORDER BY id DESC";
constexpr const char* kAlertOfUser = "SELECT " IK_ALERT_COLUMNS " FROM alerts WHERE user_id = ? AND id = ?";
constexpr const char* kArmedAlerts = "SELECT " IK_ALERT_COLUMNS " FROM alerts WHERE status = 'armed' ORDER BY id";
constexpr const char* kUpdateAlert = R"sql(
UPDATE alerts SET level = ?, mode = ?, cooldown_s = ?, expires_at = ?, channels = ?, webhook_url = ?,
                  status = CASE WHEN ? THEN ? ELSE status END, updated_at = ?, webhook_secret = ?,
                  sns_topic_arn = ?, language = ?
WHERE user_id = ? AND id = ? AND updated_at = ?)sql";
constexpr const char* kDeleteAlert = "DELETE FROM alerts WHERE user_id = ? AND id = ?";
// What a firing needs of its alert: whether it is still armed, and where its deliveries go.
constexpr const char* kAlertForFiring = R"sql(
SELECT status, webhook_url, webhook_secret, sns_topic_arn, user_id, updated_at FROM alerts WHERE id = ? FOR UPDATE)sql";
constexpr const char* kPhone = "SELECT phone FROM users WHERE id = ?";
constexpr const char* kInsertNotification = R"sql(
INSERT INTO notifications (user_id, alert_id, stock_id, price, message, channels, fired_at, created_at, read_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON DUPLICATE KEY UPDATE id = id)sql";
constexpr const char* kInsertDelivery = R"sql(
INSERT INTO alert_deliveries (notification_id, user_id, channel, target, secret, status, last_error,
                              next_attempt_at, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?))sql";
constexpr const char* kUpsertMark = R"sql(
INSERT INTO alert_marks (stock_id, ts, price, day_volume, previous_close) VALUES (?, ?, ?, ?, ?)
ON DUPLICATE KEY UPDATE ts = VALUES(ts), price = VALUES(price), day_volume = VALUES(day_volume),
                        previous_close = VALUES(previous_close))sql";
constexpr const char* kMarks =
    "SELECT stock_id, ts, price, day_volume, previous_close FROM alert_marks ORDER BY stock_id";
constexpr const char* kTicksAfter =
    "SELECT ts, price, bid, ask, volume FROM stock_infos WHERE stock_id = ? AND ts > ? ORDER BY ts LIMIT ?";
constexpr const char* kDueDeliveries = "SELECT " IK_DELIVERY_COLUMNS ", " IK_DELIVERY_NOTIFICATION_COLUMNS
                                       " FROM alert_deliveries d JOIN notifications n ON n.id = d.notification_id"
                                       " WHERE d.status = 'pending' AND d.next_attempt_at <= ?"
                                       " ORDER BY d.next_attempt_at, d.id LIMIT ?";
constexpr const char* kNextDue =
    "SELECT COALESCE(MIN(next_attempt_at), 0) FROM alert_deliveries WHERE status = 'pending'";
constexpr const char* kFinishDelivery = R"sql(
UPDATE alert_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, delivered_at = ?
WHERE id = ?)sql";
constexpr const char* kDeliveriesOfNotification = "SELECT " IK_DELIVERY_COLUMNS
                                                  " FROM alert_deliveries d"
                                                  " WHERE d.user_id = ? AND d.notification_id = ? ORDER BY d.id";
constexpr const char* kFired = R"sql(
UPDATE alerts SET last_fired_at = ?, status = CASE WHEN mode = 'once' THEN 'fired' ELSE status END
WHERE id = ?)sql";
constexpr const char* kAlertCurrent =
    "SELECT COUNT(*) FROM alerts WHERE user_id = ? AND id = ? AND updated_at = ? FOR UPDATE";
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
    auto armed = Count(*c_, kArmedOfUser, alert.rule.user, alert.created_at);
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
                   std::string_view(alert.webhook_url), alert.created_at, alert.created_at,
                   std::string_view(alert.webhook_secret), std::string_view(alert.sns_topic_arn),
                   std::string_view(alert.language));
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

Result<bool> MysqlServiceStore::UpdateAlert(const AlertRecord& alert, Timestamp expected_updated_at, bool set_status) {
    std::lock_guard lock(mutex_);
    const alerts::Rule& r = alert.rule;
    // Affected rows count only rows whose values changed: the row is found (and locked) first.
    auto txn = Transaction::Begin(*c_);
    if (!txn) return std::unexpected(txn.error());
    auto exists = Count(*c_, kAlertCurrent, r.user, AsInt(r.id), expected_updated_at);
    if (!exists) return std::unexpected(exists.error());
    if (*exists == 0) return false;
    auto n = Exec(*c_, kUpdateAlert, r.level, alerts::ModeName(r.mode), r.cooldown_s, r.expires_at,
                  static_cast<std::int64_t>(r.channels), std::string_view(alert.webhook_url),
                  std::int64_t{set_status ? 1 : 0}, std::string_view(alert.status), alert.updated_at,
                  std::string_view(alert.webhook_secret), std::string_view(alert.sns_topic_arn),
                  std::string_view(alert.language), r.user, AsInt(r.id), expected_updated_at);
    if (!n) return std::unexpected(n.error());
    if (auto ok = txn->Commit(); !ok) return std::unexpected(ok.error());
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
                                                                         std::span<const AlertMark> marks,
                                                                         Timestamp now) {
    std::lock_guard lock(mutex_);
    auto txn = Transaction::Begin(*c_);
    if (!txn) return std::unexpected(txn.error());
    std::vector<NotificationRecord> stored;
    for (const FiringRecord& f : firings) {
        const alerts::Firing& x = f.firing;
        std::string status, url, secret, arn, phone;
        std::int64_t owner = 0;
        Timestamp version = 0;
        if (auto ok = Each(
                *c_, kAlertForFiring,
                [&](const Statement& s) {
                    status = s.Text(0);
                    url = s.Text(1);
                    secret = s.Text(2);
                    arn = s.Text(3);
                    owner = s.Int(4);
                    version = s.Int(5);
                },
                AsInt(x.id));
            !ok) {
            return std::unexpected(ok.error());
        }
        if (status != "armed") continue;  // deleted, fired or expired meanwhile
        if (x.version != 0 && x.version != version) continue;  // changed since: decided on an old level
        if ((x.channels & alerts::kSns) != 0 && arn.empty()) {
            // Read without a lock: a firing must not hold the user's row.
            if (auto ok = Each(
                    *c_, kPhone, [&](const Statement& s) { phone = s.Text(0); }, owner);
                !ok) {
                return std::unexpected(ok.error());
            }
        }
        const Timestamp read_at = (x.channels & alerts::kInApp) != 0 ? 0 : now;
        auto stmt = c_->Prepare(kInsertNotification);
        if (!stmt) return std::unexpected(stmt.error());
        mysql::BindAll(*stmt, 0, x.user, AsInt(x.id), static_cast<std::int64_t>(x.symbol), x.price,
                       std::string_view(f.message), static_cast<std::int64_t>(x.channels), x.ts, now, read_at);
        if (auto ok = stmt->Execute(); !ok) return std::unexpected(ok.error());
        if (stmt->AffectedRows() != 1) continue;  // this crossing is stored already
        NotificationRecord r;
        r.id = stmt->LastInsertId();
        if (auto u = Exec(*c_, kFired, x.ts, AsInt(x.id)); !u) return std::unexpected(u.error());
        for (const DeliveryRecord& d : rows::PlanDeliveries(x.channels, url, secret, arn, phone)) {
            auto ins =
                Exec(*c_, kInsertDelivery, r.id, x.user, std::string_view(d.channel), std::string_view(d.target),
                     std::string_view(d.secret), std::string_view(d.status), std::string_view(d.last_error), now, now);
            if (!ins) return std::unexpected(ins.error());
        }
        r.user_id = x.user;
        r.alert_id = x.id;
        r.symbol = x.symbol;
        r.price = x.price;
        r.message = f.message;
        r.channels = x.channels;
        r.fired_at = x.ts;
        r.created_at = now;
        r.read_at = read_at;
        stored.push_back(std::move(r));
    }
    for (const AlertMark& m : marks) {
        auto u =
            Exec(*c_, kUpsertMark, static_cast<std::int64_t>(m.symbol), m.ts, m.price, m.day_volume, m.previous_close);
        if (!u) return std::unexpected(u.error());
    }
    if (auto ok = txn->Commit(); !ok) return std::unexpected(ok.error());
    return stored;
}

Result<std::vector<AlertMark>> MysqlServiceStore::LoadAlertMarks() {
    std::lock_guard lock(mutex_);
    std::vector<AlertMark> out;
    if (auto ok = Each(*c_, kMarks, [&](const Statement& s) { out.push_back(rows::AlertMarkFromRow(s)); }); !ok) {
        return std::unexpected(ok.error());
    }
    return out;
}

Result<std::vector<market::Tick>> MysqlServiceStore::TicksAfter(market::SymbolId symbol, Timestamp after,
                                                                std::size_t limit) {
    std::lock_guard lock(mutex_);
    std::vector<market::Tick> out;
    auto ok = Each(
        *c_, kTicksAfter,
        [&](const Statement& s) {
            out.push_back(market::Tick{symbol, s.Int(0), s.Int(1), s.Int(2), s.Int(3), s.Int(4)});
        },
        static_cast<std::int64_t>(symbol), after, static_cast<std::int64_t>(limit));
    if (!ok) return std::unexpected(ok.error());
    return out;
}

Result<std::vector<DeliveryRecord>> MysqlServiceStore::DueDeliveries(Timestamp now, std::size_t limit) {
    std::lock_guard lock(mutex_);
    std::vector<DeliveryRecord> out;
    auto ok = Each(
        *c_, kDueDeliveries,
        [&](const Statement& s) {
            out.push_back(rows::DeliveryFromRow(s));
            out.back().notification = NotificationFromRow(s, 12);
        },
        now, static_cast<std::int64_t>(limit));
    if (!ok) return std::unexpected(ok.error());
    return out;
}

Result<Timestamp> MysqlServiceStore::NextDeliveryDue() {
    std::lock_guard lock(mutex_);
    return Count(*c_, kNextDue);
}

Status MysqlServiceStore::FinishDelivery(const DeliveryRecord& d) {
    std::lock_guard lock(mutex_);
    auto n = Exec(*c_, kFinishDelivery, std::string_view(d.status), d.attempts, d.next_attempt_at,
                  std::string_view(d.last_error), d.delivered_at, d.id);
    if (!n) return std::unexpected(n.error());
    return {};
}

Result<std::vector<DeliveryRecord>> MysqlServiceStore::DeliveriesOf(std::int64_t user_id,
                                                                    std::span<const std::int64_t> notification_ids) {
    std::lock_guard lock(mutex_);
    std::vector<DeliveryRecord> out;
    for (const std::int64_t id : notification_ids) {
        auto ok = Each(
            *c_, kDeliveriesOfNotification, [&](const Statement& s) { out.push_back(rows::DeliveryFromRow(s)); },
            user_id, id);
        if (!ok) return std::unexpected(ok.error());
    }
    return out;
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
