#pragma once
// The `sink` role (DESIGN.md §2–3), the successor of the original's Kafka Connect JDBC sinks: it consumes
// `Stocks` and `StockInfos` and writes them, in batches, into BOTH databases (service and recommend), so the
// two hold the same stocks and ticks. The service database also gets the one-minute bars of the minutes the
// batch touched, recomputed from the stored ticks (so a redelivered batch changes nothing).
//
// Exactly-once effect: rows are keyed (a tick by stock and instant; a stock by its id), so redelivery never
// duplicates a row, and the consumed offsets are committed only after both databases have the batch durably.
// A crash between the two writes redelivers the batch, which lands as no-ops where it already landed.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "bus/bus.hpp"
#include "common/error.hpp"
#include "config/config.hpp"
#include "market/symbols.hpp"
#include "storage/store.hpp"

namespace ik::app {

class StockLookup;

struct SinkOptions {
    config::Config config;
    std::string group = "investking-sink";
    std::size_t max_batch = 5'000;  // messages per database transaction
};

class SinkWorker final {
public:
    SinkWorker(SinkOptions options, bus::Bus& bus, storage::ServiceStore& service, storage::PlatformStore& platform,
               storage::RecommendStore& recommend);
    ~SinkWorker();

    // Writes the configured stock master (ids in market.symbols order, as every role numbers them) to both
    // databases and joins the consumer group.
    Status Start();
    // Reads up to one batch (waiting up to `wait` for the first message), writes it to both databases and then
    // commits its offsets. Returns how many messages it handled.
    Result<std::size_t> Step(std::chrono::milliseconds wait);
    void Stop();

    std::uint64_t ticks() const { return ticks_.load(); }
    std::uint64_t batches() const { return batches_.load(); }
    std::uint64_t rejected() const { return rejected_.load(); }
    std::string ActivityLine() const;

private:
    Status WriteBars(const std::vector<market::Tick>& ticks);

    SinkOptions options_;
    bus::Bus& bus_;
    storage::ServiceStore& service_;
    storage::PlatformStore& platform_;
    storage::RecommendStore& recommend_;
    std::unique_ptr<StockLookup> lookup_;
    market::Universe universe_;
    std::unique_ptr<bus::Consumer> consumer_;
    std::atomic<std::uint64_t> ticks_{0}, batches_{0}, rejected_{0};
};

}  // namespace ik::app
