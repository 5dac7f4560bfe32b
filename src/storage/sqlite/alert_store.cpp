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

// Armed and not expired at ?2: an expired alert does not count towards the limit.
constexpr const char* kArmedOfUser =
    "SELECT COUNT(*) FROM alerts WHERE user_id = ?1 AND status = 'armed' AND (expires_at = 0 OR expires_at > ?2)";
constexpr const char* kInsertAlert = R"sql(
INSERT INTO alerts (user_id, stock_id, kind, level, mode, cooldown_s, expires_at, channels, webhook_url, status,
                    last_fired_at, created_at, updated_at, webhook_secret, sns_topic_arn, language)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'armed', 0, ?10, ?10, ?11, ?12, ?13))sql";
constexpr const char* kAlertsOfUser = "SELECT " IK_ALERT_COLUMNS " FROM alerts WHERE user_id = ?1 ORDER BY id DESC";
constexpr const char* kAlertOfUser = "SELECT " IK_ALERT_COLUMNS " FROM alerts WHERE user_id = ?1 AND id = ?2";
constexpr const char* kArmedAlerts = "SELECT " IK_ALERT_COLUMNS " FROM alerts WHERE status = 'armed' ORDER BY id";
constexpr const char* kUpdateAlert = R"sql(
UPDATE alerts SET level = ?3, mode = ?4, cooldown_s = ?5, expires_at = ?6, channels = ?7, webhook_url = ?8,
                  status = CASE WHEN ?15 THEN ?9 ELSE status END, updated_at = ?10, webhook_secret = ?11,
                  sns_topic_arn = ?12, language = ?13
WHERE user_id = ?1 AND id = ?2 AND updated_at = ?14)sql";
constexpr const char* kDeleteAlert = "DELETE FROM alerts WHERE user_id = ?1 AND id = ?2";
// What a firing needs of its alert: whether it is still armed, and where its deliveries go.
constexpr const char* kAlertForFiring = R"sql(
SELECT a.status, a.webhook_url, a.webhook_secret, a.sns_topic_arn, COALESCE(u.phone, ''), a.updated_at
FROM alerts a LEFT JOIN users u ON u.id = a.user_id WHERE a.id = ?1)sql";
constexpr const char* kInsertNotification = R"sql(
INSERT INTO notifications (user_id, alert_id, stock_id, price, message, channels, fired_at, created_at, read_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
ON CONFLICT (alert_id, fired_at) DO NOTHING)sql";
constexpr const char* kInsertDelivery = R"sql(
INSERT INTO alert_deliveries (notification_id, user_id, channel, target, secret, status, last_error,
                              next_attempt_at, created_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8))sql";
constexpr const char* kUpsertMark = R"sql(
INSERT INTO alert_marks (stock_id, ts, price, day_volume, previous_close) VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT (stock_id) DO UPDATE SET ts = excluded.ts, price = excluded.price, day_volume = excluded.day_volume,
                                     previous_close = excluded.previous_close)sql";
constexpr const char* kMarks =
    "SELECT stock_id, ts, price, day_volume, previous_close FROM alert_marks ORDER BY stock_id";
constexpr const char* kTicksAfter =
    "SELECT ts, price, bid, ask, volume FROM stock_infos WHERE stock_id = ?1 AND ts > ?2 ORDER BY ts LIMIT ?3";
constexpr const char* kDueDeliveries = "SELECT " IK_DELIVERY_COLUMNS ", " IK_DELIVERY_NOTIFICATION_COLUMNS
                                       " FROM alert_deliveries d JOIN notifications n ON n.id = d.notification_id"
                                       " WHERE d.status = 'pending' AND d.next_attempt_at <= ?1"
                                       " ORDER BY d.next_attempt_at, d.id LIMIT ?2";
constexpr const char* kNextDue =
    "SELECT COALESCE(MIN(next_attempt_at), 0) FROM alert_deliveries WHERE status = 'pending'";
constexpr const char* kFinishDelivery = R"sql(
UPDATE alert_deliveries SET status = ?2, attempts = ?3, next_attempt_at = ?4, last_error = ?5, delivered_at = ?6
WHERE id = ?1)sql";
constexpr const char* kDeliveriesOfNotification = "SELECT " IK_DELIVERY_COLUMNS
                                                  " FROM alert_deliveries d"
                                                  " WHERE d.user_id = ?1 AND d.notification_id = ?2 ORDER BY d.id";
constexpr const char* kLastRowId = "SELECT last_insert_rowid()";
constexpr const char* kFired = R"sql(
UPDATE alerts SET last_fired_at = ?2, status = CASE WHEN mode = 'once' THEN 'fired' ELSE status END
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
            *db_, kArmedOfUser, [&](const Stmt& s) { armed = s.Int(0); }, alert.rule.user, alert.created_at);
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
                  std::string_view(alert.webhook_url), alert.created_at, std::string_view(alert.webhook_secret),
                  std::string_view(alert.sns_topic_arn), std::string_view(alert.language));
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

Result<bool> SqliteServiceStore::UpdateAlert(const AlertRecord& alert, Timestamp expected_updated_at, bool set_status) {
    std::lock_guard lock(mutex_);
    const alerts::Rule& r = alert.rule;
    auto n =
        Exec(*db_, kUpdateAlert, r.user, AsInt(r.id), r.level, alerts::ModeName(r.mode), r.cooldown_s, r.expires_at,
             static_cast<std::int64_t>(r.channels), std::string_view(alert.webhook_url), std::string_view(alert.status),
             alert.updated_at, std::string_view(alert.webhook_secret), std::string_view(alert.sns_topic_arn),
             std::string_view(alert.language), expected_updated_at, std::int64_t{set_status ? 1 : 0});
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
                                                                          std::span<const AlertMark> marks,
                                                                          Timestamp now) {
    std::lock_guard lock(mutex_);
    auto txn = Transaction::Begin(*db_, Transaction::Kind::kImmediate);
    if (!txn) return std::unexpected(txn.error());
    std::vector<NotificationRecord> stored;
    for (const FiringRecord& f : firings) {
        const alerts::Firing& x = f.firing;
        std::string status, url, secret, arn, phone;
        Timestamp version = 0;
        if (auto ok = Each(
                *db_, kAlertForFiring,
                [&](const Stmt& s) {
                    status = s.Text(0);
                    url = s.Text(1);
                    secret = s.Text(2);
                    arn = s.Text(3);
                    phone = s.Text(4);
                    version = s.Int(5);
                },
                AsInt(x.id));
            !ok) {
            return std::unexpected(ok.error());
        }
        if (status != "armed") continue;  // deleted, fired or expired meanwhile
        if (x.version != 0 && x.version != version) continue;  // changed since: decided on an old level
        const Timestamp read_at = (x.channels & alerts::kInApp) != 0 ? 0 : now;
        auto n = Exec(*db_, kInsertNotification, x.user, AsInt(x.id), static_cast<std::int64_t>(x.symbol), x.price,
                      std::string_view(f.message), static_cast<std::int64_t>(x.channels), x.ts, now, read_at);
        if (!n) return std::unexpected(n.error());
        if (*n == 0) continue;  // this crossing is stored already
        NotificationRecord r;
        if (auto ok = Each(*db_, kLastRowId, [&](const Stmt& s) { r.id = s.Int(0); }); !ok) {
            return std::unexpected(ok.error());
        }
        if (auto u = Exec(*db_, kFired, AsInt(x.id), x.ts); !u) return std::unexpected(u.error());
        for (const DeliveryRecord& d : rows::PlanDeliveries(x.channels, url, secret, arn, phone)) {
            auto ins =
                Exec(*db_, kInsertDelivery, r.id, x.user, std::string_view(d.channel), std::string_view(d.target),
                     std::string_view(d.secret), std::string_view(d.status), std::string_view(d.last_error), now);
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
            Exec(*db_, kUpsertMark, static_cast<std::int64_t>(m.symbol), m.ts, m.price, m.day_volume, m.previous_close);
        if (!u) return std::unexpected(u.error());
    }
    if (auto ok = txn->Commit(); !ok) return std::unexpected(ok.error());
    return stored;
}

Result<std::vector<AlertMark>> SqliteServiceStore::LoadAlertMarks() {
    std::lock_guard lock(mutex_);
    std::vector<AlertMark> out;
    if (auto ok = Each(*db_, kMarks, [&](const Stmt& s) { out.push_back(rows::AlertMarkFromRow(s)); }); !ok) {
        return std::unexpected(ok.error());
    }
    return out;
}

Result<std::vector<market::Tick>> SqliteServiceStore::TicksAfter(market::SymbolId symbol, Timestamp after,
                                                                 std::size_t limit) {
    std::lock_guard lock(mutex_);
    std::vector<market::Tick> out;
    auto ok = Each(
        *db_, kTicksAfter,
        [&](const Stmt& s) {
            out.push_back(market::Tick{symbol, s.Int(0), s.Int(1), s.Int(2), s.Int(3), s.Int(4)});
        },
        static_cast<std::int64_t>(symbol), after, static_cast<std::int64_t>(limit));
    if (!ok) return std::unexpected(ok.error());
    return out;
}

Result<std::vector<DeliveryRecord>> SqliteServiceStore::DueDeliveries(Timestamp now, std::size_t limit) {
    std::lock_guard lock(mutex_);
    std::vector<DeliveryRecord> out;
    auto ok = Each(
        *db_, kDueDeliveries,
        [&](const Stmt& s) {
            out.push_back(rows::DeliveryFromRow(s));
            out.back().notification = NotificationFromRow(s, 12);
        },
        now, static_cast<std::int64_t>(limit));
    if (!ok) return std::unexpected(ok.error());
    return out;
}

Result<Timestamp> SqliteServiceStore::NextDeliveryDue() {
    std::lock_guard lock(mutex_);
    Timestamp next = 0;
    if (auto ok = Each(*db_, kNextDue, [&](const Stmt& s) { next = s.Int(0); }); !ok) {
        return std::unexpected(ok.error());
    }
    return next;
}

Status SqliteServiceStore::FinishDelivery(const DeliveryRecord& d) {
    std::lock_guard lock(mutex_);
    auto n = Exec(*db_, kFinishDelivery, d.id, std::string_view(d.status), d.attempts, d.next_attempt_at,
                  std::string_view(d.last_error), d.delivered_at);
    if (!n) return std::unexpected(n.error());
    return {};
}

Result<std::vector<DeliveryRecord>> SqliteServiceStore::DeliveriesOf(std::int64_t user_id,
                                                                     std::span<const std::int64_t> notification_ids) {
    std::lock_guard lock(mutex_);
    std::vector<DeliveryRecord> out;
    for (const std::int64_t id : notification_ids) {
        auto ok = Each(
            *db_, kDeliveriesOfNotification, [&](const Stmt& s) { out.push_back(rows::DeliveryFromRow(s)); }, user_id,
            id);
        if (!ok) return std::unexpected(ok.error());
    }
    return out;
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
