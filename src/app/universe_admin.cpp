#include "app/universe_admin.hpp"

#include <string>
#include <tuple>

#include "common/log.hpp"
#include "market/rules.hpp"

namespace ik::app {

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

std::vector<gateway::Listing> EmbeddedUniverseAdmin::List() const {
    std::vector<gateway::Listing> out;
    const std::size_t n = universe_.size();
    out.reserve(n);
    for (market::SymbolId id = 0; id < n; ++id) out.push_back(ListingOf(id));
    return out;
}

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

Result<gateway::Listing> EmbeddedUniverseAdmin::Add(const gateway::NewListing& listing, std::int64_t by_user) {
    std::lock_guard lock(mutex_);
    const std::string& code = listing.code;
    if (!market::IsValidCode(code)) {
        return MakeError(ErrorCode::kInvalidArgument, "code must be 6 characters of 0-9 and A-Z");
    }
    const auto existing = universe_.Find(code);
    if (existing && market::IsListed(universe_.status(*existing))) {
        return MakeError(ErrorCode::kAlreadyExists,
                         code + " is already listed (status " +
                             std::string(market::ListingStatusName(universe_.status(*existing))) +
                             "); change it with PATCH /api/v1/admin/universe/" + code);
    }
    // What is known of the code: the stored master first, then the built-in stocks and market.data_source.
    market::StockInfo info;
    info.code = code;
    if (existing) {
        info = universe_.Get(*existing);
    } else {
        auto known = lookup_.Find(code);
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
    const market::PriceBand band = market::ComputeKrxPriceBand(info.previous_close, price_limit_ppm_);
    if (band.lower <= 0 || band.lower >= band.upper) {
        return MakeError(ErrorCode::kInvalidArgument, "previous_close " + std::to_string(info.previous_close) +
                                                          " leaves no room for a bid and an ask in the price band");
    }

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
    const auto id = universe_.Find(code);
    if (!id) return MakeError(ErrorCode::kNotFound, "no stock " + code);
    const market::ListingStatus before = universe_.status(*id);
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

    market::StockInfo info = universe_.Get(*id);
    std::string fields;
    for (auto [name, value, target] :
         {std::tuple{"name_ko", &change.name_ko, &info.name_ko}, std::tuple{"name_en", &change.name_en, &info.name_en},
          std::tuple{"sector", &change.sector, &info.sector}}) {
        if (*value && **value != *target) {
            *target = **value;
            fields += (fields.empty() ? "" : ",") + std::string(name);
        }
    }
    if (!fields.empty()) {
        if (auto r = universe_.Upsert(info); !r) return std::unexpected(r.error());
        if (auto s = StoreStock(*id); !s) return std::unexpected(s.error());
    }
    const char* action = "update";
    if (change.status && *change.status != before) {
        const bool halt = *change.status == market::ListingStatus::kHalted;
        if (auto s = ApplyHalt(*id, halt); !s) return std::unexpected(s.error());
        action = halt ? "halt" : "resume";
    } else if (fields.empty()) {
        return ListingOf(*id);  // nothing changed: nothing to log
    }
    GetLogger("app")->info("event=universe_changed by={} code={} action={} status={} fields={}", by_user, code, action,
                           market::ListingStatusName(universe_.status(*id)), fields.empty() ? "-" : fields);
    return ListingOf(*id);
}

}  // namespace ik::app
