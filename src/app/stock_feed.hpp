#pragma once
// The universe as the distributed roles share it, and the `Stocks` topic that keeps every role's copy current.
//
//   - Ids: the codes of market.symbols in that order (0 … n−1, BuildConfiguredUniverse), then the stocks an
//     admin listed while the cluster ran, in the order they were listed. A gateway claims such an id in the
//     service database (ServiceStore::InsertStock refuses a taken id or code), so two gateways listing at the
//     same moment never give one id to two stocks; LoadListedAtRunTime reads them back.
//   - Names and status: the latest message per code on the compacted `Stocks` topic. Every change is published
//     there after it is durable; each role reads the whole topic at start (StockFeed::Start) and follows it
//     (StockFeed::Poll), applying each message with ApplyStockMessage. A configured stock without a message is
//     active; a stock listed at run time stays inactive until its message says otherwise.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bus/bus.hpp"
#include "bus/topics.hpp"
#include "common/error.hpp"
#include "market/symbols.hpp"
#include "storage/store.hpp"

namespace ik::app {

// Appends to `universe` the stocks of the service database it lacks (those listed at run time), in id order,
// inactive. kFailedPrecondition when a stored id belongs to another code than the universe's (the roles were
// configured with different market.symbols). Safe to call again and from two threads: known codes are kept.
Status LoadListedAtRunTime(storage::ServiceStore& store, market::Universe& universe);

// Inserts the stocks of `universe` the store lacks under their ids; stored rows stay as they are (a newer name
// from the Stocks topic is not overwritten). Run before a new id is claimed, so the stored ids stay dense.
Status StoreMissingStocks(storage::ServiceStore& store, const market::Universe& universe);

// What one Stocks message changed.
struct StockChange {
    market::SymbolId id = market::kNoSymbol;
    market::ListingStatus before = market::ListingStatus::kInactive;
    market::ListingStatus after = market::ListingStatus::kInactive;
    bool is_new = false;  // the id was not in the universe before
};

// Applies a message: names, sector and previous close, then the status. For an id the universe does not know
// yet, `load_more` (LoadListedAtRunTime) runs, and the message is skipped (nullopt) when the id is still unknown;
// without `load_more` (a role with no database) the id is appended when it is the next one, else skipped. kInvalidArgument when the message gives a known code another id
// or a known id another code.
Result<std::optional<StockChange>> ApplyStockMessage(market::Universe& universe, const bus::StockMessage& m,
                                                     const std::function<Status()>& load_more);

// A reader of the whole `Stocks` topic for one process: a consumer group of its own that never commits.
class StockFeed final {
public:
    // `group`: unique per process (the role and its instance).
    StockFeed(bus::Bus& bus, std::string group);
    ~StockFeed();
    StockFeed(const StockFeed&) = delete;
    StockFeed& operator=(const StockFeed&) = delete;

    // Creates the topic if needed, joins it from its beginning and returns everything on it up to its end as it
    // is now, the latest message per code, in id order. kUnavailable after `timeout`.
    Result<std::vector<bus::StockMessage>> Start(std::chrono::milliseconds timeout);
    // What arrived since, waiting up to `wait` for the first; messages that do not decode are skipped (logged,
    // counted). Each comes with its offset.
    Result<std::vector<std::pair<std::int64_t, bus::StockMessage>>> Poll(std::chrono::milliseconds wait);
    void Close();
    std::uint64_t malformed() const { return malformed_; }

private:
    bus::Bus& bus_;
    std::string group_;
    std::unique_ptr<bus::Consumer> consumer_;
    std::uint64_t malformed_ = 0;
};

}  // namespace ik::app
