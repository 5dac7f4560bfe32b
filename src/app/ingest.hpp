#pragma once
// The `ingest` role (DESIGN.md §2–3): one quote-source worker per symbol group, the successor of the
// original's five parser pods. It publishes its stocks to the compacted `Stocks` topic and, while the market
// is open, every tick of its symbols to `StockInfos` (key: the code, so a stock's ticks stay in order on one
// partition). A stock's id is its place in `market.symbols`, so every role with the same configuration agrees.
//
// Ticks are produced asynchronously; librdkafka keeps retrying a message while the broker is away (no
// delivery timeout), so a broker restart delays ticks but loses none.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bus/bus.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "config/config.hpp"
#include "market/session.hpp"
#include "market/simulator.hpp"
#include "market/symbols.hpp"

namespace ik::app {

class StockLookup;
class StockFeed;

struct IngestOptions {
    config::Config config;
    // This worker's group: codes of market.symbols, or of stocks an admin listed at run time (on `Stocks`).
    std::vector<std::string> symbols;
};

class IngestWorker final {
public:
    IngestWorker(IngestOptions options, bus::Bus& bus, const Clock& clock);
    ~IngestWorker();

    // Checks the symbols, creates the topics when missing, reads `Stocks` (a stock's status and, for one listed
    // at run time, its id and record), publishes the records of its configured stocks that `Stocks` lacks and
    // prepares the simulator (halted stocks paused). Errors name the symbol or the topic.
    Status Start();
    // Applies halts and resumptions of its stocks read from `Stocks`, then polls the source at `now` and hands
    // the due ticks to the producer (none while the market is closed). Returns how many were sent.
    std::size_t Step(Timestamp now);
    // Waits until every tick sent so far is durable or failed.
    Status Flush(std::chrono::milliseconds timeout);
    // An error once the producer cannot send any more: the role stops (and is restarted) instead of dropping
    // every tick.
    Status Health();

    std::uint64_t sent() const { return sent_.load(); }
    std::uint64_t delivered() const { return delivered_.load(); }
    std::uint64_t failed() const { return failed_.load(); }
    std::string ActivityLine() const;

private:
    IngestOptions options_;
    bus::Bus& bus_;
    const Clock& clock_;
    market::MarketCalendar calendar_;
    std::unique_ptr<StockLookup> lookup_;
    std::unique_ptr<bus::Producer> producer_;
    std::unique_ptr<market::MarketSimulator> simulator_;
    std::unique_ptr<StockFeed> stocks_;
    std::vector<std::pair<market::SymbolId, std::string>> mine_;  // id and code of each symbol of this worker
    std::atomic<std::uint64_t> sent_{0}, delivered_{0}, failed_{0};
};

}  // namespace ik::app
