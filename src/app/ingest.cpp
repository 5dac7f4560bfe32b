#include "app/ingest.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "app/stock_lookup.hpp"
#include "bus/topics.hpp"
#include "common/log.hpp"
#include "market/listing.hpp"

namespace ik::app {

IngestWorker::IngestWorker(IngestOptions options, bus::Bus& bus, const Clock& clock)
    : options_(std::move(options)),
      bus_(bus),
      clock_(clock),
      calendar_(options_.config.market.session,
                std::set<Date>(options_.config.market.holidays.begin(), options_.config.market.holidays.end())),
      lookup_(std::make_unique<StockLookup>(options_.config.market.data_source)) {}

// The producer goes first: its last delivery reports still count into this worker's counters.
IngestWorker::~IngestWorker() { producer_.reset(); }

Status IngestWorker::Start() {
    const auto& m = options_.config.market;
    if (options_.symbols.empty()) return MakeError(ErrorCode::kInvalidArgument, "ingest: give at least one --symbol");
    std::set<std::string> seen;
    for (const std::string& code : options_.symbols) {
        const auto at = std::find(m.symbols.begin(), m.symbols.end(), code);
        if (at == m.symbols.end()) {
            return MakeError(ErrorCode::kInvalidArgument,
                             fmt::format("ingest: --symbol {} is not one of market.symbols ({} configured); every role "
                                         "numbers the stocks by that list",
                                         code, m.symbols.size()));
        }
        if (!seen.insert(code).second) return MakeError(ErrorCode::kInvalidArgument, "ingest: --symbol " + code + " given twice");
        mine_.emplace_back(static_cast<market::SymbolId>(at - m.symbols.begin()), code);
    }

    if (auto s = bus::EnsureTopic(bus_, bus::StockInfosSpec()); !s) return s;
    if (auto s = bus::EnsureTopic(bus_, bus::StocksSpec()); !s) return s;
    auto producer = bus_.NewProducer();
    if (!producer) return std::unexpected(producer.error());
    producer_ = std::move(*producer);

    market::SimulatorOptions so;
    so.seed = m.seed;
    so.tick_interval_ns = static_cast<std::int64_t>(m.tick_interval_ms) * 1'000'000;
    simulator_ = std::make_unique<market::MarketSimulator>(so);
    auto log = GetLogger("ingest");
    for (const auto& [id, code] : mine_) {
        auto info = lookup_->Find(code);
        if (!info) return std::unexpected(info.error());
        if (!*info || (*info)->previous_close <= 0) {
            return MakeError(ErrorCode::kInvalidArgument,
                             "ingest: no previous close for " + code + " (add daily/" + code + ".csv under market.data_source)");
        }
        // The stock master, published for the sink and every other role (compacted: the latest per code stays).
        auto put = producer_->Send(bus::kStocksTopic, code, bus::EncodeStock({id, **info, market::ListingStatus::kActive}));
        if (!put) return std::unexpected(put.error());
        market::SimSymbolParams params = market::DefaultSimParams(code);
        if (auto bars = lookup_->DailyHistory(code); bars && *bars) {
            if (auto stats = market::ComputeHistoryStats(**bars)) params = market::SimParamsFromHistory(*stats);
        }
        params.price_limit_ppm = m.price_limit_ppm;
        if (auto s = simulator_->AddSymbol(id, (*info)->previous_close, params); !s) return s;
        log->info("event=ingest_symbol code={} stock_id={} previous_close={}", code, id, (*info)->previous_close);
    }
    return {};
}

std::size_t IngestWorker::Step(Timestamp now) {
    if (calendar_.StateAt(now) == market::SessionState::kClosed) return 0;
    std::size_t n = 0;
    for (const market::Tick& t : simulator_->Poll(now)) {
        const auto mine = std::find_if(mine_.begin(), mine_.end(), [&](const auto& p) { return p.first == t.symbol; });
        if (mine == mine_.end()) continue;
        ++sent_;
        ++n;
        producer_->SendAsync(bus::kStockInfosTopic, mine->second, bus::EncodeStockInfo(mine->second, t),
                             [this, code = mine->second](Result<bus::Delivery> d) {
                                 if (d) {
                                     ++delivered_;
                                     return;
                                 }
                                 ++failed_;
                                 GetLogger("ingest")->error("event=tick_lost code={} error=\"{}\"", code, d.error().message);
                             });
    }
    return n;
}

Status IngestWorker::Flush(std::chrono::milliseconds timeout) {
    return producer_ ? producer_->Flush(timeout) : Status{};
}

Status IngestWorker::Health() { return producer_ ? producer_->Health() : Status{}; }

std::string IngestWorker::ActivityLine() const {
    return fmt::format("event=activity session={} sent={} delivered={} failed={}",
                       market::SessionStateName(calendar_.StateAt(clock_.Now())), sent_.load(), delivered_.load(),
                       failed_.load());
}

}  // namespace ik::app
