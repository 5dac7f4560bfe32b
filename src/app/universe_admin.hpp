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

}  // namespace ik::app
