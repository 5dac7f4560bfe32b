#pragma once
// The `gateway` role (DESIGN.md §2–3): the HTTP and WebSocket front of the distributed mode, stateless. It
// serves the same API as `serve` (the same gateway::Api and StreamHub), with a different TradingBackend:
//   - a command is published to `orders` (key: the account) with a correlation id and this gateway's id, and
//     answered when the engine's update with that id arrives on `order-updates` — which the engine publishes
//     only after the command's effects are durable. No answer within `answer_timeout` → 504 (the outcome is
//     unknown to the gateway); the broker refusing the message → 503;
//   - every update (answers and tick-driven fills alike) keeps the gateway's account book current and becomes
//     trade updates on /stream; the ticks of `StockInfos` feed the market cache and the data streams.
//   - it follows `Stocks` (StockFeed): stocks listed, renamed, halted or resumed by any gateway's admin API
//     (DistributedUniverseAdmin) reach its universe and market cache.
// Reads (orders, fills, leaderboard, bars, users, keys) go to the service database. Gateways are independent:
// run as many as the load needs; tokens signed by one are accepted by all (INVESTKING_JWT_SECRET).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "bus/bus.hpp"
#include "bus/topics.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "config/config.hpp"
#include "gateway/account_book.hpp"
#include "gateway/api.hpp"
#include "gateway/market_cache.hpp"
#include "gateway/metrics.hpp"
#include "market/session.hpp"
#include "market/symbols.hpp"
#include "storage/store.hpp"

namespace ik::gateway {
class Api;
class HttpServer;
class StreamHub;
class UniverseAdmin;
}  // namespace ik::gateway

namespace ik::app {

class StockLookup;
class StockFeed;
class BusBackend;

struct GatewayRoleOptions {
    config::Config config;
    std::string instance;        // this gateway's id (reply_to); empty = host-pid-time
    std::string jwt_secret;      // ≥ 32 bytes, the same on every gateway
    std::string admin_password;  // creates user "admin" when set
    std::chrono::milliseconds answer_timeout{10'000};
};

// The stores a gateway reads and writes: the service database, one connection for writes (users, keys,
// tokens, watchlists) and one for queries.
struct GatewayStores {
    storage::ServiceStore& writes;
    storage::PlatformStore& platform_writes;
    storage::ServiceStore& reads;
    storage::PlatformStore& platform_reads;
};

class GatewayNode final {
public:
    GatewayNode(GatewayRoleOptions options, bus::Bus& bus, GatewayStores stores, const Clock& clock);
    ~GatewayNode();
    GatewayNode(const GatewayNode&) = delete;
    GatewayNode& operator=(const GatewayNode&) = delete;

    // Builds the universe, loads balances and last prices from the database, joins the update and tick streams,
    // then starts the HTTP server.
    Status Start();
    void Stop();
    unsigned short http_port() const;
    // An error once the node cannot go on (its producer died).
    Status Health() const;
    std::string ActivityLine() const;

private:
    void RunUpdates();
    void RunTicks();
    // An injected tick is answered once the tick consumer read it back (so the market data shows it): queued
    // here, answered by AnswerTicks after each batch (or failed at the deadline or on stopping).
    void AwaitTick(const bus::Delivery& at,
                   std::function<void(const trading::CommandResult&, const std::vector<trading::Event>&)> done);
    void AnswerTicks(const std::map<std::int32_t, std::int64_t>& read_up_to, bool stopping);
    void RunStocks();
    // Pushes the alerts role's notifications to this gateway's /stream connections, with unread counts from `reads`.
    void RunNotifications(storage::AlertStore& reads);
    // Applies one Stocks message to the universe and the market cache.
    void ApplyStock(const bus::StockMessage& m);
    // Waits until RunStocks applied `offset` (DistributedUniverseAdmin's WaitApplied).
    Status WaitStocksApplied(std::int64_t offset);

    GatewayRoleOptions options_;
    bus::Bus& bus_;
    GatewayStores stores_;
    const Clock& clock_;
    market::MarketCalendar calendar_;
    std::unique_ptr<StockLookup> lookup_;
    market::Universe universe_;
    gateway::MarketCache market_;
    gateway::AccountBook accounts_;
    gateway::Metrics metrics_;
    std::unique_ptr<bus::Producer> producer_;
    std::unique_ptr<bus::Consumer> updates_;
    std::unique_ptr<bus::Consumer> ticks_;
    std::unique_ptr<bus::Consumer> notes_;  // notifications
    std::unique_ptr<StockFeed> stocks_;
    struct AwaitedTick {
        bus::Delivery at;
        std::function<void(const trading::CommandResult&, const std::vector<trading::Event>&)> done;
        std::chrono::steady_clock::time_point deadline;
    };
    std::mutex ticks_mutex_;
    std::vector<AwaitedTick> awaited_ticks_;           // ticks_mutex_
    std::map<std::int32_t, std::int64_t> ticks_read_;  // ticks_mutex_: per StockInfos partition, the last offset read
    std::mutex stocks_mutex_;
    std::condition_variable stocks_cv_;
    std::int64_t stocks_applied_ = -1;  // the last offset of `Stocks` applied (stocks_mutex_)
    std::unique_ptr<BusBackend> backend_;
    std::unique_ptr<gateway::UniverseAdmin> admin_;
    std::unique_ptr<gateway::Api::AlertListener> alert_listener_;
    std::unique_ptr<gateway::Api> api_;
    std::unique_ptr<gateway::StreamHub> streams_;
    std::unique_ptr<gateway::HttpServer> http_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> ready_{false};
    std::thread updates_thread_;
    std::thread ticks_thread_;
    std::thread stocks_thread_;
    std::thread notes_thread_;
    std::atomic<std::uint64_t> updates_seen_{0}, ticks_seen_{0}, malformed_{0};
};

}  // namespace ik::app
