#include "app/sink.hpp"

#include <unistd.h>

#include <chrono>
#include <map>
#include <set>

#include <fmt/format.h>

#include "app/stock_feed.hpp"
#include "app/stock_lookup.hpp"
#include "bus/topics.hpp"
#include "common/log.hpp"
#include "market/bars.hpp"

namespace ik::app {

namespace {

constexpr std::int64_t kMinuteNs = 60 * kNanosPerSecond;

}  // namespace

SinkWorker::SinkWorker(SinkOptions options, bus::Bus& bus, storage::ServiceStore& service,
                       storage::PlatformStore& platform, storage::RecommendStore& recommend)
    : options_(std::move(options)),
      bus_(bus),
      service_(service),
      platform_(platform),
      recommend_(recommend),
      lookup_(std::make_unique<StockLookup>(options_.config.market.data_source)) {}

SinkWorker::~SinkWorker() { Stop(); }

Status SinkWorker::Start() {
    if (auto s = BuildConfiguredUniverse(*lookup_, options_.config.market.symbols, "sink", universe_); !s) return s;
    if (auto s = LoadListedAtRunTime(service_, universe_); !s) return s;  // listed by an admin at run time
    {
        // The latest record of every stock (an admin's names), so the upsert below does not put back older ones.
        StockFeed feed(bus_, fmt::format("{}-start-{}-{}", options_.group, ::getpid(),
                                         std::chrono::system_clock::now().time_since_epoch().count()));
        auto latest = feed.Start(std::chrono::milliseconds(options_.config.kafka.connect_timeout_ms));
        if (!latest) return std::unexpected(latest.error());
        for (const bus::StockMessage& m : *latest) {
            auto c = ApplyStockMessage(universe_, m, [this] { return LoadListedAtRunTime(service_, universe_); });
            if (!c && c.error().code != ErrorCode::kInvalidArgument) return std::unexpected(c.error());
        }
    }
    if (auto s = service_.UpsertStocks(universe_); !s) return s;
    if (auto s = recommend_.UpsertStocks(universe_); !s) return s;
    for (const auto& spec : {bus::StockInfosSpec(), bus::StocksSpec()}) {
        if (auto s = bus::EnsureTopic(bus_, spec); !s) return s;
    }
    auto consumer = bus_.NewConsumer(
        {.group = options_.group, .topics = {std::string(bus::kStocksTopic), std::string(bus::kStockInfosTopic)}});
    if (!consumer) return std::unexpected(consumer.error());
    consumer_ = std::move(*consumer);
    return {};
}

Result<std::size_t> SinkWorker::Step(std::chrono::milliseconds wait) {
    auto read = consumer_->Poll(wait, options_.max_batch);
    if (!read) return std::unexpected(read.error());
    if (read->empty()) return std::size_t{0};
    auto log = GetLogger("sink");
    std::vector<market::Tick> ticks;
    bool stocks_changed = false;
    for (const bus::Message& m : *read) {
        if (m.tp.topic == bus::kStocksTopic) {
            auto s = bus::DecodeStock(m.value);
            auto change =
                s && m.key == s->stock.code
                    ? ApplyStockMessage(universe_, *s, [this] { return LoadListedAtRunTime(service_, universe_); })
                    : Result<std::optional<StockChange>>(std::unexpected(
                          s ? Error{ErrorCode::kInvalidArgument, "key is not the stock code"} : s.error()));
            // A database that cannot be read stops the sink (the message is read again); a bad message is skipped.
            if (!change && change.error().code != ErrorCode::kInvalidArgument) return std::unexpected(change.error());
            if (!change || !*change) {
                ++rejected_;
                log->warn("event=message_rejected topic={} offset={} reason=\"{}\"", m.tp.topic, m.offset,
                          change ? "stock id is neither in market.symbols nor in the service database"
                                 : change.error().message);
                continue;
            }
            stocks_changed = true;
            continue;
        }
        auto t = bus::DecodeStockInfo(m.value);
        const auto id = t ? universe_.Find(t->code) : std::nullopt;
        if (!t || !id || *id != t->tick.symbol || m.key != t->code) {
            ++rejected_;  // logged and skipped: a bad message must not stop the stream (its offset still advances)
            log->warn("event=message_rejected topic={} offset={} reason=\"{}\"", m.tp.topic, m.offset,
                      t ? "key or stock id does not match the stock" : t.error().message);
            continue;
        }
        ticks.push_back(t->tick);
    }
    if (stocks_changed) {
        if (auto s = service_.UpsertStocks(universe_); !s) return std::unexpected(s.error());
        if (auto s = recommend_.UpsertStocks(universe_); !s) return std::unexpected(s.error());
    }
    if (!ticks.empty()) {
        storage::WriteBatch batch;
        batch.ticks = ticks;
        if (auto s = service_.Commit(batch); !s) return std::unexpected(s.error());
        if (auto s = recommend_.AppendTicks(ticks); !s) return std::unexpected(s.error());
        if (auto s = WriteBars(ticks); !s) return std::unexpected(s.error());
    }
    // Only now, with both databases durable, is the batch done.
    if (auto s = consumer_->Commit(bus::NextOffsets(*read)); !s) return std::unexpected(s.error());
    ticks_ += ticks.size();
    ++batches_;
    return read->size();
}

// The one-minute bars of every minute the batch touched, recomputed from all stored ticks of that minute.
Status SinkWorker::WriteBars(const std::vector<market::Tick>& ticks) {
    std::set<std::pair<market::SymbolId, Timestamp>> minutes;
    for (const auto& t : ticks) minutes.insert({t.symbol, t.ts - (t.ts % kMinuteNs)});
    storage::WriteBatch batch;
    for (const auto& [symbol, start] : minutes) {
        auto stored = platform_.LoadTicks(symbol, start - 1, start + kMinuteNs, 100'000, true);
        if (!stored) return std::unexpected(stored.error());
        market::BarAggregator agg(60);
        std::vector<market::Bar> done;
        for (const auto& t : *stored) agg.Add(t, done);
        agg.FlushAll(done);
        for (const auto& b : done) batch.bars.push_back(b);
    }
    if (batch.bars.empty()) return {};
    return service_.Commit(batch);
}

void SinkWorker::Stop() {
    if (consumer_) consumer_->Close();
    consumer_.reset();
}

std::string SinkWorker::ActivityLine() const {
    return fmt::format("event=activity ticks={} batches={} rejected={}", ticks_.load(), batches_.load(),
                       rejected_.load());
}

}  // namespace ik::app
