#pragma once
// The `engine` role (DESIGN.md §2–3): the trading engine of the distributed mode. Engines share the consumer
// group of the `orders` topic (key: the account), so each account belongs to exactly one engine at a time, the
// one that owns its partition. An engine:
//   - on assignment, loads from the service database the accounts, positions and open orders of the partitions
//     it now owns, and the offset stored for each partition, and resumes there;
//   - follows `Stocks` (StockFeed): stocks an admin lists, halts or resumes through any gateway are listed,
//     halted or resumed in its engine as it reads them, before the commands of the same round;
//   - applies order commands, the ticks of `StockInfos` (every engine reads all of them) and the market clock's
//     session changes to those accounts only;
//   - commits the resulting state AND the consumed offsets in one database transaction; the offsets are fenced
//     (a commit whose stored offsets moved under it is refused), so an engine that lost its partitions without
//     noticing cannot overwrite the work of the new owner;
//   - then publishes what happened to `order-updates` (key: the account): the answer to each command, carrying
//     its correlation id, and the fills and expiries that ticks and sessions caused.
// A command is therefore answered only after it is durable; after a crash, the new owner re-applies the
// commands after the stored offset, which the dead engine had not committed.
//
// Ids (orders, fills, ledger transactions) are striped by instance (EngineOptions::id_stride/id_offset), so
// engines writing one database never collide. Each instance number must run once at a time.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bus/bus.hpp"
#include "bus/order_messages.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "config/config.hpp"
#include "market/session.hpp"
#include "market/symbols.hpp"
#include "storage/store.hpp"
#include "trading/engine.hpp"

namespace ik::app {

class StockLookup;
class StockFeed;

// The id stride shared by every engine: at most this many instances (numbered 1 … kMaxEngines).
inline constexpr int kMaxEngines = 64;

struct EngineRoleOptions {
    config::Config config;
    int instance = 1;                         // 1 … kMaxEngines; unique among the running engines
    std::string group = "investking-engine";  // the consumer group of `orders`, also the offsets' owner name
    std::size_t max_batch = 1'000;            // commands per database transaction
};

struct EngineRoleStats {
    std::uint64_t commands = 0;
    std::uint64_t refused = 0;    // commands answered with an error (engine refusals included)
    std::uint64_t malformed = 0;  // messages that could not be decoded, skipped
    std::uint64_t ticks = 0;
    std::uint64_t commits = 0;
    std::uint64_t rebuilds = 0;  // assignments (each reloads the owned accounts)
    std::size_t accounts = 0;    // owned now
    std::size_t partitions = 0;  // owned now
};

class EngineWorker final {
public:
    EngineWorker(EngineRoleOptions options, bus::Bus& bus, storage::ServiceStore& store, const Clock& clock);
    ~EngineWorker();
    EngineWorker(const EngineWorker&) = delete;
    EngineWorker& operator=(const EngineWorker&) = delete;

    // Builds the universe (ids in market.symbols order, as every role numbers them), creates the topics if
    // needed and joins the group.
    Status Start();
    // One round: polls commands (waiting up to `wait`), ticks and the clock, commits, publishes. Returns the
    // number of commands handled. An error means the role must stop (storage failed, fenced, producer dead);
    // nothing uncommitted was acknowledged, and the next owner resumes from the stored offsets.
    Result<std::size_t> Step(std::chrono::milliseconds wait);
    // Leaves the group (after the last commit) and flushes the updates still being sent.
    void Stop();

    EngineRoleStats stats() const;
    std::string ActivityLine() const;

private:
    struct Answer;
    // The owned partitions of `orders`.
    std::set<std::int32_t> Owned() const;
    // Rebuilds the engine over the accounts of `owned` (everything owned from now on; empty: none) and their
    // stored offsets from the database; returns where each owned partition resumes.
    std::vector<bus::TopicPartitionOffset> Rebuild(const std::set<std::int32_t>& owned);
    void ApplyStocks(std::vector<trading::Event>& events);
    void ApplyTicks(std::vector<trading::Event>& events, std::chrono::milliseconds wait = std::chrono::milliseconds(0));
    void ApplyClock(Timestamp now, std::vector<trading::Event>& events);
    void HandleCommand(const bus::Message& m, const Result<bus::OrderRequest>& request,
                       std::vector<trading::Event>& events, std::vector<Answer>& answers);
    void Publish(const std::vector<Answer>& answers, const std::vector<trading::Event>& events,
                 const std::vector<std::pair<std::size_t, std::size_t>>& owned_ranges);

    EngineRoleOptions options_;
    bus::Bus& bus_;
    storage::ServiceStore& store_;
    const Clock& clock_;
    market::MarketCalendar calendar_;
    std::unique_ptr<StockLookup> lookup_;
    market::Universe universe_;
    std::int32_t partitions_ = 0;  // of `orders`
    std::unique_ptr<bus::Consumer> orders_;
    std::unique_ptr<bus::Consumer> ticks_;
    std::unique_ptr<StockFeed> stocks_;
    std::unique_ptr<bus::Producer> updates_;

    // The engine over the owned partitions' accounts; null while nothing is owned.
    std::unique_ptr<trading::Engine> engine_;
    std::map<std::int32_t, std::int64_t> stored_;  // per owned partition: the offset in the database
    std::map<std::int32_t, std::int64_t> next_;    // per owned partition: the next offset to read
    std::vector<trading::Event> pending_;          // events from a rebuild (re-reservations), not yet committed
    std::optional<Error> failure_;                 // set inside a rebalance callback; Step() reports it
    market::SessionState session_ = market::SessionState::kClosed;
    std::optional<Date> session_date_;
    std::vector<market::Tick> last_;                   // latest tick per symbol seen on StockInfos (for day rolls)
    std::map<std::int32_t, std::int64_t> ticks_read_;  // per StockInfos partition, the last offset read

    mutable std::mutex stats_mutex_;
    EngineRoleStats stats_;
    std::atomic<std::uint64_t> publish_failures_{0};
};

}  // namespace ik::app
