#include "app/universe_admin.hpp"

#include <string>
#include <tuple>

#include "app/stock_feed.hpp"
#include "bus/topics.hpp"
#include "common/log.hpp"
#include "market/rules.hpp"

namespace ik::app {

namespace {

std::vector<gateway::Listing> ListingsOf(const market::Universe& universe) {
    std::vector<gateway::Listing> out;
    const std::size_t n = universe.size();
    out.reserve(n);
    for (market::SymbolId id = 0; id < n; ++id) out.push_back({universe.Get(id), universe.status(id)});
    return out;
}

}  // namespace

EmbeddedUniverseAdmin::EmbeddedUniverseAdmin(const Clock& clock, Ppm price_limit_ppm, market::Universe& universe,
                                             StockLookup& lookup, UniverseStores stores, Pipeline& pipeline,
                                             gateway::MarketCache& market, PriceSourceHooks prices)
    : clock_(clock),
      price_limit_ppm_(price_limit_ppm),
      universe_(universe),
      lookup_(lookup),
      stores_(stores),
      pipeline_(pipeline),
      market_(market),
      prices_(std::move(prices)) {}

gateway::Listing EmbeddedUniverseAdmin::ListingOf(market::SymbolId id) const {
    return gateway::Listing{universe_.Get(id), universe_.status(id)};
}

std::vector<gateway::Listing> EmbeddedUniverseAdmin::List() const { return ListingsOf(universe_); }

Status EmbeddedUniverseAdmin::StoreStock(market::SymbolId id) {
    if (auto s = stores_.service.UpsertStocks(universe_); !s) return s;
    if (auto s = stores_.recommend.UpsertStocks(universe_); !s) return s;
    auto history = lookup_.DailyHistory(universe_.Get(id).code);
    if (!history) return std::unexpected(history.error());
    if (*history == nullptr) return {};
    storage::WriteBatch batch;
    if (auto s = AppendDailyBars(stores_.service, id, **history, batch); !s) return s;
    if (batch.empty()) return {};
    return stores_.service.Commit(batch);
}

Result<market::StockInfo> ResolveNewListing(const gateway::NewListing& listing, const market::Universe& universe,
                                            StockLookup& lookup, Ppm price_limit_ppm) {
    const std::string& code = listing.code;
    if (!market::IsValidCode(code)) {
        return MakeError(ErrorCode::kInvalidArgument, "code must be 6 characters of 0-9 and A-Z");
    }
    const auto existing = universe.Find(code);
    if (existing && market::IsListed(universe.status(*existing))) {
        return MakeError(ErrorCode::kAlreadyExists,
                         code + " is already listed (status " +
                             std::string(market::ListingStatusName(universe.status(*existing))) +
                             "); change it with PATCH /api/v1/admin/universe/" + code);
    }
    // What is known of the code: the stored master first, then the built-in stocks and market.data_source.
    market::StockInfo info;
    info.code = code;
    if (existing) {
        info = universe.Get(*existing);
    } else {
        auto known = lookup.Find(code);
        if (!known) return std::unexpected(known.error());
        if (*known) info = std::move(**known);
    }
    if (listing.name_ko) info.name_ko = *listing.name_ko;
    if (listing.name_en) info.name_en = *listing.name_en;
    if (listing.market) info.market = *listing.market;
    if (listing.sector) info.sector = *listing.sector;
    if (listing.previous_close) info.previous_close = *listing.previous_close;
    if (info.name_ko.empty()) {
        return MakeError(
            ErrorCode::kInvalidArgument,
            "name_ko is required: " + code +
                " is not in the stock master, the built-in stocks or market.data_source's krx-listing.csv");
    }
    if (info.previous_close <= 0) {
        return MakeError(ErrorCode::kInvalidArgument, "previous_close is required: no close is known for " + code +
                                                          " (no daily/" + code + ".csv under market.data_source)");
    }
    const market::PriceBand band = market::ComputeKrxPriceBand(info.previous_close, price_limit_ppm);
    if (band.lower <= 0 || band.lower >= band.upper) {
        return MakeError(ErrorCode::kInvalidArgument, "previous_close " + std::to_string(info.previous_close) +
                                                          " leaves no room for a bid and an ask in the price band");
    }
    return info;
}

Result<ResolvedChange> ResolveListingChange(const std::string& code, const gateway::ListingChange& change,
                                            const market::Universe& universe) {
    const auto id = universe.Find(code);
    if (!id) return MakeError(ErrorCode::kNotFound, "no stock " + code);
    const market::ListingStatus before = universe.status(*id);
    if (!market::IsListed(before)) {
        return MakeError(ErrorCode::kNotFound,
                         code + " is not listed (status inactive); list it with POST /api/v1/admin/universe");
    }
    if (change.status && !market::IsListed(*change.status)) {
        return MakeError(ErrorCode::kInvalidArgument, "status must be active or halted");
    }
    if (change.name_ko && change.name_ko->empty()) {
        return MakeError(ErrorCode::kInvalidArgument, "name_ko must not be empty");
    }
    ResolvedChange out;
    out.id = *id;
    out.info = universe.Get(*id);
    for (auto [name, value, target] : {std::tuple{"name_ko", &change.name_ko, &out.info.name_ko},
                                       std::tuple{"name_en", &change.name_en, &out.info.name_en},
                                       std::tuple{"sector", &change.sector, &out.info.sector}}) {
        if (*value && **value != *target) {
            *target = **value;
            out.fields += (out.fields.empty() ? "" : ",") + std::string(name);
        }
    }
    if (change.status && *change.status != before) out.status = change.status;
    return out;
}

Result<gateway::Listing> EmbeddedUniverseAdmin::Add(const gateway::NewListing& listing, std::int64_t by_user) {
    std::lock_guard lock(mutex_);
    const std::string& code = listing.code;
    auto resolved = ResolveNewListing(listing, universe_, lookup_, price_limit_ppm_);
    if (!resolved) return std::unexpected(resolved.error());
    const market::StockInfo& info = *resolved;

    // The record is published now but stays inactive (not offered by the API) until every step below is done.
    auto id = universe_.Upsert(info);
    if (!id) return std::unexpected(id.error());
    if (auto s = StoreStock(*id); !s) return std::unexpected(s.error());
    const Timestamp now = clock_.Now();
    if (auto s = stores_.statuses.SetListingStatus(code, market::ListingStatus::kActive, now); !s) {
        return std::unexpected(s.error());
    }
    const trading::CommandResult listed = pipeline_.Execute(trading::ListSymbol{*id, info.previous_close, now, code});
    if (!listed.ok()) return std::unexpected(*listed.error);
    market_.SetPreviousClose(*id, info.previous_close);
    if (prices_.start) {
        if (auto s = prices_.start(*id); !s) return std::unexpected(s.error());
    }
    if (auto s = universe_.SetStatus(*id, market::ListingStatus::kActive); !s) return std::unexpected(s.error());
    GetLogger("app")->info("event=universe_changed by={} code={} action=add status=active previous_close={}", by_user,
                           code, info.previous_close);
    return ListingOf(*id);
}

Status EmbeddedUniverseAdmin::ApplyHalt(market::SymbolId id, bool halted) {
    const std::string code = universe_.Get(id).code;
    const market::ListingStatus status = halted ? market::ListingStatus::kHalted : market::ListingStatus::kActive;
    const Timestamp now = clock_.Now();
    if (auto s = stores_.statuses.SetListingStatus(code, status, now); !s) return s;
    // Halting stops the price source before the engine, resuming starts it after: every tick of the symbol that
    // reaches the engine while it is halted was already queued, so none comes once the halt is durable.
    if (halted && prices_.halt) {
        if (auto s = prices_.halt(id, true); !s) return s;
    }
    const trading::CommandResult r = pipeline_.Execute(trading::HaltSymbol{id, halted, now});
    if (!r.ok()) return std::unexpected(*r.error);
    if (!halted && prices_.halt) {
        if (auto s = prices_.halt(id, false); !s) return s;
    }
    return universe_.SetStatus(id, status);
}

Result<gateway::Listing> EmbeddedUniverseAdmin::Update(const std::string& code, const gateway::ListingChange& change,
                                                       std::int64_t by_user) {
    std::lock_guard lock(mutex_);
    auto resolved = ResolveListingChange(code, change, universe_);
    if (!resolved) return std::unexpected(resolved.error());
    const market::SymbolId id = resolved->id;
    const std::string& fields = resolved->fields;
    if (!fields.empty()) {
        if (auto r = universe_.Upsert(resolved->info); !r) return std::unexpected(r.error());
        if (auto s = StoreStock(id); !s) return std::unexpected(s.error());
    }
    const char* action = "update";
    if (resolved->status) {
        const bool halt = *resolved->status == market::ListingStatus::kHalted;
        if (auto s = ApplyHalt(id, halt); !s) return std::unexpected(s.error());
        action = halt ? "halt" : "resume";
    } else if (fields.empty()) {
        return ListingOf(id);  // nothing changed: nothing to log
    }
    GetLogger("app")->info("event=universe_changed by={} code={} action={} status={} fields={}", by_user, code, action,
                           market::ListingStatusName(universe_.status(id)), fields.empty() ? "-" : fields);
    return ListingOf(id);
}

// ---- The distributed mode -------------------------------------------------------------------------------

DistributedUniverseAdmin::DistributedUniverseAdmin(const Clock& clock, Ppm price_limit_ppm, market::Universe& universe,
                                                   StockLookup& lookup, storage::ServiceStore& service,
                                                   storage::PlatformStore& statuses, bus::Producer& producer,
                                                   WaitApplied wait_applied)
    : clock_(clock),
      price_limit_ppm_(price_limit_ppm),
      universe_(universe),
      lookup_(lookup),
      service_(service),
      statuses_(statuses),
      producer_(producer),
      wait_applied_(std::move(wait_applied)) {}

std::vector<gateway::Listing> DistributedUniverseAdmin::List() const { return ListingsOf(universe_); }

Status DistributedUniverseAdmin::Publish(market::SymbolId id, const market::StockInfo& info,
                                         market::ListingStatus status) {
    auto sent = producer_.Send(bus::kStocksTopic, info.code, bus::EncodeStock({id, info, status}));
    if (!sent) {
        return MakeError(ErrorCode::kUnavailable, "the change is stored but Stocks did not take it (" +
                                                      sent.error().message + "); send it again");
    }
    return wait_applied_(sent->offset);
}

Result<gateway::Listing> DistributedUniverseAdmin::Add(const gateway::NewListing& listing, std::int64_t by_user) {
    std::lock_guard lock(mutex_);
    // The stocks other gateways listed that this one's feed has not brought yet: their ids are taken. (The
    // configured ones are stored since the gateway started: StoreMissingStocks.)
    if (auto s = LoadListedAtRunTime(service_, universe_); !s) return std::unexpected(s.error());
    auto info = ResolveNewListing(listing, universe_, lookup_, price_limit_ppm_);
    if (!info) return std::unexpected(info.error());
    const std::string& code = listing.code;
    auto id = universe_.Find(code);
    for (int attempt = 1; !id; ++attempt) {
        const auto next = static_cast<market::SymbolId>(universe_.size());
        auto claimed = service_.InsertStock(next, *info);
        if (claimed) {
            auto added = universe_.Upsert(*info);  // inactive until the feed brings the listing back
            if (!added) return std::unexpected(added.error());
            id = *added;
            break;
        }
        if (claimed.error().code != ErrorCode::kAlreadyExists || attempt == 5) return std::unexpected(claimed.error());
        if (auto s = LoadListedAtRunTime(service_, universe_); !s) return std::unexpected(s.error());
        id = universe_.Find(code);  // another gateway listed this very code: list it again, the same way
    }
    if (auto history = lookup_.DailyHistory(code); history && *history) {
        storage::WriteBatch batch;
        if (auto s = AppendDailyBars(service_, *id, **history, batch); !s) return std::unexpected(s.error());
        if (!batch.empty()) {
            if (auto s = service_.Commit(batch); !s) return std::unexpected(s.error());
        }
    }
    if (auto s = statuses_.SetListingStatus(code, market::ListingStatus::kActive, clock_.Now()); !s) {
        return std::unexpected(s.error());
    }
    if (auto s = Publish(*id, *info, market::ListingStatus::kActive); !s) return std::unexpected(s.error());
    GetLogger("app")->info("event=universe_changed by={} code={} action=add status={} previous_close={} stock_id={}",
                           by_user, code, market::ListingStatusName(universe_.status(*id)), info->previous_close, *id);
    return gateway::Listing{universe_.Get(*id), universe_.status(*id)};
}

Result<gateway::Listing> DistributedUniverseAdmin::Update(const std::string& code, const gateway::ListingChange& change,
                                                          std::int64_t by_user) {
    std::lock_guard lock(mutex_);
    auto resolved = ResolveListingChange(code, change, universe_);
    if (!resolved) return std::unexpected(resolved.error());
    const market::SymbolId id = resolved->id;
    if (resolved->fields.empty() && !resolved->status) return gateway::Listing{universe_.Get(id), universe_.status(id)};
    const market::ListingStatus status = resolved->status.value_or(universe_.status(id));
    if (resolved->status) {
        if (auto s = statuses_.SetListingStatus(code, status, clock_.Now()); !s) return std::unexpected(s.error());
    }
    if (auto s = Publish(id, resolved->info, status); !s) return std::unexpected(s.error());
    const char* action = !resolved->status ? "update" : status == market::ListingStatus::kHalted ? "halt" : "resume";
    GetLogger("app")->info("event=universe_changed by={} code={} action={} status={} fields={}", by_user, code, action,
                           market::ListingStatusName(universe_.status(id)),
                           resolved->fields.empty() ? "-" : resolved->fields);
    return gateway::Listing{universe_.Get(id), universe_.status(id)};
}

}  // namespace ik::app
