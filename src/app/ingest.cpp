#include "app/ingest.hpp"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "app/stock_feed.hpp"
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
    if (auto s = bus::EnsureTopic(bus_, bus::StockInfosSpec()); !s) return s;
    auto producer = bus_.NewProducer();
    if (!producer) return std::unexpected(producer.error());
    producer_ = std::move(*producer);
    stocks_ =
        std::make_unique<StockFeed>(bus_, fmt::format("investking-ingest-stocks-{}-{}", ::getpid(), clock_.Now()));
    auto published = stocks_->Start(std::chrono::milliseconds(options_.config.kafka.connect_timeout_ms));
    if (!published) return std::unexpected(published.error());
    std::map<std::string, bus::StockMessage> on_topic;
    for (auto& msg : *published) on_topic.emplace(msg.stock.code, std::move(msg));

    std::set<std::string> seen;
    std::vector<std::pair<market::StockInfo, market::ListingStatus>> records;
    for (const std::string& code : options_.symbols) {
        if (!seen.insert(code).second)
            return MakeError(ErrorCode::kInvalidArgument, "ingest: --symbol " + code + " given twice");
        const auto at = std::find(m.symbols.begin(), m.symbols.end(), code);
        const auto listed = on_topic.find(code);
        if (at == m.symbols.end() && listed == on_topic.end()) {
            return MakeError(ErrorCode::kInvalidArgument,
                             fmt::format("ingest: --symbol {} is neither one of market.symbols ({} configured) nor a "
                                         "stock listed at run time (on Stocks)",
                                         code, m.symbols.size()));
        }
        const auto id =
            at != m.symbols.end() ? static_cast<market::SymbolId>(at - m.symbols.begin()) : listed->second.id;
        if (listed != on_topic.end() && listed->second.id != id) {
            return MakeError(
                ErrorCode::kFailedPrecondition,
                fmt::format("ingest: Stocks gives {} the id {}, market.symbols {}: every role needs the same "
                            "market.symbols",
                            code, listed->second.id, id));
        }
        mine_.emplace_back(id, code);
        if (listed != on_topic.end()) {
            records.emplace_back(listed->second.stock, listed->second.status);
            continue;
        }
        auto info = lookup_->Find(code);
        if (!info) return std::unexpected(info.error());
        if (!*info || (*info)->previous_close <= 0) {
            return MakeError(ErrorCode::kInvalidArgument, "ingest: no previous close for " + code + " (add daily/" +
                                                              code + ".csv under market.data_source)");
        }
        // The stock master, published for the sink and every other role (compacted: the latest per code stays).
        // Only when Stocks has no record of it yet: one there may carry an admin's halt or new name.
        auto put =
            producer_->Send(bus::kStocksTopic, code, bus::EncodeStock({id, **info, market::ListingStatus::kActive}));
        if (!put) return std::unexpected(put.error());
        records.emplace_back(**info, market::ListingStatus::kActive);
    }

    market::SimulatorOptions so;
    so.seed = m.seed;
    so.tick_interval_ns = static_cast<std::int64_t>(m.tick_interval_ms) * 1'000'000;
    simulator_ = std::make_unique<market::MarketSimulator>(so);
    auto log = GetLogger("ingest");
    for (std::size_t i = 0; i < mine_.size(); ++i) {
        const auto& [id, code] = mine_[i];
        const auto& [info, status] = records[i];
        market::SimSymbolParams params = market::DefaultSimParams(code);
        if (auto bars = lookup_->DailyHistory(code); bars && *bars) {
            if (auto stats = market::ComputeHistoryStats(**bars)) params = market::SimParamsFromHistory(*stats);
        }
        params.price_limit_ppm = m.price_limit_ppm;
        if (auto s = simulator_->AddSymbol(id, info.previous_close, params); !s) return s;
        if (status == market::ListingStatus::kHalted) {
            if (auto s = simulator_->SetPaused(id, true); !s) return s;
        }
        log->info("event=ingest_symbol code={} stock_id={} previous_close={} status={}", code, id, info.previous_close,
                  market::ListingStatusName(status));
    }
    return {};
}

std::size_t IngestWorker::Step(Timestamp now) {
    if (auto changes = stocks_->Poll(std::chrono::milliseconds(0)); !changes) {
        GetLogger("ingest")->warn("event=stocks_poll_failed error=\"{}\"", changes.error().message);
    } else {
        for (const auto& [offset, msg] : *changes) {
            const bool mine = std::any_of(mine_.begin(), mine_.end(), [&](const auto& p) {
                return p.first == msg.id && p.second == msg.stock.code;
            });
            if (!mine) continue;
            const bool halted = msg.status == market::ListingStatus::kHalted;
            if (auto s = simulator_->SetPaused(msg.id, halted); !s) continue;
            GetLogger("ingest")->info("event=symbol_{} code={}", halted ? "paused" : "resumed", msg.stock.code);
        }
    }
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
                                 GetLogger("ingest")->error("event=tick_lost code={} error=\"{}\"", code,
                                                            d.error().message);
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
