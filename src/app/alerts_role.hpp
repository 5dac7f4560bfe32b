#pragma once
// The `alerts` role (DESIGN.md §2–3), the successor of the original's alarm server: one process evaluates every
// armed alert against `StockInfos` and delivers what fires, with the same evaluator and outbox as `serve`
// (AlertEvaluator, AlertDelivery) over the MySQL/MariaDB service database.
//
//   - It reads `Stocks` (the universe: ids, names, statuses), `StockInfos` (ticks) and `alert-changes` (alerts the
//     gateways stored, read back from the database) in one consumer group.
//   - Each batch is evaluated and stored (notifications, disarmed once alerts, outbox, marks) before its offsets
//     are committed. A crash before the commit redelivers the batch: ticks at or before a stock's mark are skipped
//     and a crossing already stored is not stored again, so each crossing fires once.
//   - New notifications are published on `notifications` (key: the user) for the gateways' /stream pushes.
// Run one instance (the index holds every alert).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "app/alert_delivery.hpp"
#include "app/alert_evaluator.hpp"
#include "bus/bus.hpp"
#include "config/config.hpp"
#include "market/symbols.hpp"
#include "storage/store.hpp"

namespace ik::app {

class StockLookup;

struct AlertsRoleOptions {
    config::Config config;
    std::string group = "investking-alerts";
    std::size_t max_batch = 5'000;                    // messages per evaluation and commit
    std::chrono::milliseconds store_timeout{30'000};  // for the evaluator to store a batch
    std::chrono::milliseconds reconcile_every{60'000};  // re-reads the armed alerts (lost change messages)
};

class AlertsRole final {
public:
    AlertsRole(AlertsRoleOptions options, bus::Bus& bus, storage::ServiceStore& service, const Clock& clock);
    ~AlertsRole();
    AlertsRole(const AlertsRole&) = delete;
    AlertsRole& operator=(const AlertsRole&) = delete;

    // Builds the universe, loads the alerts and marks, starts the evaluator and the delivery worker, joins the
    // consumer group. kInvalidArgument when the service store keeps no alerts.
    Status Start();
    // Reads up to one batch (waiting up to `wait`), evaluates and stores it, then commits its offsets. Returns how
    // many messages it handled.
    Result<std::size_t> Step(std::chrono::milliseconds wait);
    void Stop();
    std::string ActivityLine() const;
    std::uint64_t changes() const { return changes_.load(); }  // alert changes applied

private:
    void Publish(const std::vector<storage::NotificationRecord>& notes);

    AlertsRoleOptions options_;
    bus::Bus& bus_;
    storage::ServiceStore& service_;
    storage::AlertStore* alerts_ = nullptr;
    const Clock& clock_;
    std::unique_ptr<StockLookup> lookup_;
    market::Universe universe_;
    std::unique_ptr<bus::Producer> producer_;
    std::unique_ptr<bus::Consumer> consumer_;
    std::unique_ptr<AlertDelivery> delivery_;
    std::unique_ptr<AlertEvaluator> evaluator_;
    std::chrono::steady_clock::time_point reconciled_ = std::chrono::steady_clock::now();
    std::atomic<std::uint64_t> batches_{0}, changes_{0}, malformed_{0}, published_{0}, publish_failures_{0};
};

}  // namespace ik::app
