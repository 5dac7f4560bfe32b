#pragma once
// The embedded server's gateway::UniverseAdmin: makes stocks tradable, renames, halts and resumes them while
// `serve` runs. A change takes effect in this order, each step finished before the next: the stock master in
// both databases, the listing status in service.db (durable), the engine (ListSymbol / HaltSymbol through the
// pipeline, waited for), the market cache's previous close, the price source (stopped before a halt reaches
// the engine, started after), and last the Universe's status, which the API reads, so the API never offers a
// stock the engine does not know. Changes are serialised by one
// mutex and each is logged once (event=universe_changed). Thread-safe; the references must outlive it.
#include <functional>
#include <mutex>

#include "app/pipeline.hpp"
#include "app/stock_lookup.hpp"
#include "bus/bus.hpp"
#include "common/time.hpp"
#include "gateway/market_cache.hpp"
#include "gateway/universe_admin.hpp"
#include "storage/store.hpp"

namespace ik::app {

// How the price source follows the universe; empty functions when prices come only from injection.
struct PriceSourceHooks {
    std::function<Status(market::SymbolId)> start;              // begin ticking a newly listed symbol
    std::function<Status(market::SymbolId, bool halted)> halt;  // stop (true) or resume (false) its ticks
};

// The record a NewListing makes, after every check both admins (embedded and distributed) share: a valid code
// not listed already (kAlreadyExists), a Korean name and a previous close given or known (kInvalidArgument),
// room to trade in the price band.
Result<market::StockInfo> ResolveNewListing(const gateway::NewListing& listing, const market::Universe& universe,
                                            StockLookup& lookup, Ppm price_limit_ppm);

// A ListingChange checked against the universe: the stock's record with the change applied, the names of the
// fields that differ ("name_ko,sector"; empty: none) and the new status when it differs. kNotFound for a code
// that is unknown or not listed; kInvalidArgument for status kInactive or an empty Korean name.
struct ResolvedChange {
    market::SymbolId id = market::kNoSymbol;
    market::StockInfo info;
    std::string fields;
    std::optional<market::ListingStatus> status;
};
Result<ResolvedChange> ResolveListingChange(const std::string& code, const gateway::ListingChange& change,
                                            const market::Universe& universe);

struct UniverseStores {
    storage::ServiceStore& service;
    storage::RecommendStore& recommend;
    storage::PlatformStore& statuses;  // the same service.db connection: the `universe` table
};

class EmbeddedUniverseAdmin final : public gateway::UniverseAdmin {
public:
    EmbeddedUniverseAdmin(const Clock& clock, Ppm price_limit_ppm, market::Universe& universe, StockLookup& lookup,
                          UniverseStores stores, Pipeline& pipeline, gateway::MarketCache& market,
                          PriceSourceHooks prices);

    std::vector<gateway::Listing> List() const override;
    Result<gateway::Listing> Add(const gateway::NewListing& listing, std::int64_t by_user) override;
    Result<gateway::Listing> Update(const std::string& code, const gateway::ListingChange& change,
                                    std::int64_t by_user) override;

private:
    gateway::Listing ListingOf(market::SymbolId id) const;
    // The stock master of both databases, then 1-day bars from the daily history when they are missing.
    Status StoreStock(market::SymbolId id);
    // Durable status, engine, price source, then the Universe's status.
    Status ApplyHalt(market::SymbolId id, bool halted);

    const Clock& clock_;
    const Ppm price_limit_ppm_;
    market::Universe& universe_;
    StockLookup& lookup_;
    UniverseStores stores_;
    Pipeline& pipeline_;
    gateway::MarketCache& market_;
    PriceSourceHooks prices_;
    std::mutex mutex_;  // one change at a time
};

// The distributed mode's gateway::UniverseAdmin, a gateway's. A change is made durable in the service database
// first (a new stock's id claimed with ServiceStore::InsertStock, retried on the next id when another gateway
// took it; the status in the `universe` table), then published on `Stocks` (StockFeed), which every role
// follows: engines list, halt and resume the stock, ingest workers pause or resume its ticks, the sink writes
// the stock master into both databases, gateways offer it. A call returns once this gateway's own feed has
// applied the change (`wait_applied`); the other roles apply it as they read it, a few milliseconds later.
// Changes of one gateway are serialised by a mutex; thread-safe; the references must outlive it.
class DistributedUniverseAdmin final : public gateway::UniverseAdmin {
public:
    // Returns once the feed has applied every message up to `offset` of `Stocks`, or an error after a bound.
    using WaitApplied = std::function<Status(std::int64_t offset)>;

    DistributedUniverseAdmin(const Clock& clock, Ppm price_limit_ppm, market::Universe& universe, StockLookup& lookup,
                             storage::ServiceStore& service, storage::PlatformStore& statuses, bus::Producer& producer,
                             WaitApplied wait_applied);

    std::vector<gateway::Listing> List() const override;
    Result<gateway::Listing> Add(const gateway::NewListing& listing, std::int64_t by_user) override;
    Result<gateway::Listing> Update(const std::string& code, const gateway::ListingChange& change,
                                    std::int64_t by_user) override;

private:
    // Publishes the stock with `status` and waits until this gateway applied it.
    Status Publish(market::SymbolId id, const market::StockInfo& info, market::ListingStatus status);

    const Clock& clock_;
    const Ppm price_limit_ppm_;
    market::Universe& universe_;
    StockLookup& lookup_;
    storage::ServiceStore& service_;
    storage::PlatformStore& statuses_;
    bus::Producer& producer_;
    WaitApplied wait_applied_;
    std::mutex mutex_;
};

}  // namespace ik::app
