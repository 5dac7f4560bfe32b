#include "app/stock_feed.hpp"

#include <algorithm>
#include <map>
#include <thread>

#include "common/log.hpp"

namespace ik::app {

Status LoadListedAtRunTime(storage::ServiceStore& store, market::Universe& universe) {
    auto stored = store.LoadStocks();
    if (!stored) return std::unexpected(stored.error());
    for (std::size_t i = 0; i < stored->size(); ++i) {
        const market::StockInfo& s = (*stored)[i];
        if (const auto known = universe.Find(s.code)) {
            if (*known != i) {
                return MakeError(ErrorCode::kFailedPrecondition,
                                 "stock " + s.code + " is stored with id " + std::to_string(i) + " but has id " +
                                     std::to_string(*known) + " here: every role needs the same market.symbols");
            }
            continue;
        }
        if (i != universe.size()) {
            return MakeError(ErrorCode::kFailedPrecondition,
                             "stock id " + std::to_string(i) + " is stored for " + s.code + " but belongs to " +
                                 (i < universe.size() ? universe.Get(static_cast<market::SymbolId>(i)).code
                                                      : std::string("a stock not known here")) +
                                 ": every role needs the same market.symbols");
        }
        auto id = universe.Upsert(s);
        if (!id) return std::unexpected(id.error());
    }
    return {};
}

Status StoreMissingStocks(storage::ServiceStore& store, const market::Universe& universe) {
    const std::vector<market::StockInfo> all = universe.all();
    for (std::size_t i = 0; i < all.size(); ++i) {
        auto s = store.InsertStock(static_cast<market::SymbolId>(i), all[i]);
        if (!s && s.error().code != ErrorCode::kAlreadyExists) return s;
    }
    return {};
}

Result<std::optional<StockChange>> ApplyStockMessage(market::Universe& universe, const bus::StockMessage& m,
                                                     const std::function<Status()>& load_more) {
    const std::string& code = m.stock.code;
    auto known = universe.Find(code);
    if (!known && m.id >= universe.size() && load_more) {
        // The service database decides: an id claimed there is published only after the claim is stored.
        if (auto s = load_more(); !s) return std::unexpected(s.error());
        known = universe.Find(code);
        if (!known && m.id >= universe.size()) return std::optional<StockChange>{};
    }
    StockChange change;
    change.id = m.id;
    if (known) {
        if (*known != m.id) {
            return MakeError(ErrorCode::kInvalidArgument, "stocks message: " + code + " has id " +
                                                              std::to_string(*known) + ", not " + std::to_string(m.id));
        }
        change.before = universe.status(m.id);
    } else if (m.id < universe.size()) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "stocks message: id " + std::to_string(m.id) + " belongs to " + universe.Get(m.id).code);
    } else if (m.id > universe.size()) {
        return std::optional<StockChange>{};  // a gap: not known here (yet)
    } else {
        change.is_new = true;
    }
    auto id = universe.Upsert(m.stock);
    if (!id) return std::unexpected(id.error());
    if (m.status != market::ListingStatus::kInactive) {
        if (auto s = universe.SetStatus(*id, m.status); !s) return std::unexpected(s.error());
    }
    change.after = universe.status(*id);
    return std::optional<StockChange>{change};
}

StockFeed::StockFeed(bus::Bus& bus, std::string group) : bus_(bus), group_(std::move(group)) {}

StockFeed::~StockFeed() { Close(); }

Result<std::vector<bus::StockMessage>> StockFeed::Start(std::chrono::milliseconds timeout) {
    if (auto s = bus::EnsureTopic(bus_, bus::StocksSpec()); !s) return std::unexpected(s.error());
    const bus::TopicPartition tp{std::string(bus::kStocksTopic), 0};
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    // A topic created a moment ago may have no leader yet ("not leader for partition"): asked again, bounded.
    auto end = bus_.EndOffset(tp);
    while (!end && std::chrono::steady_clock::now() + std::chrono::milliseconds(200) < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        end = bus_.EndOffset(tp);
    }
    if (!end) return std::unexpected(end.error());
    auto consumer = bus_.NewConsumer({.group = group_,
                                      .topics = {std::string(bus::kStocksTopic)},
                                      .start = bus::ConsumerOptions::Start::kEarliest,
                                      .on_assigned = [](std::span<const bus::TopicPartition> tps) {
                                          std::vector<bus::TopicPartitionOffset> starts;
                                          for (const auto& t : tps) starts.push_back({t, 0});
                                          return starts;
                                      }});
    if (!consumer) return std::unexpected(consumer.error());
    consumer_ = std::move(*consumer);
    std::map<std::string, bus::StockMessage> latest;
    std::int64_t next = 0;
    // Compaction leaves gaps in the offsets, but never removes the last message: reading up to end − 1 is all.
    while (next < *end || consumer_->Assignment().empty()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return MakeError(ErrorCode::kUnavailable, "Stocks: read up to offset " + std::to_string(next) + " of " +
                                                          std::to_string(*end) + " before the time ran out");
        }
        auto polled = Poll(std::chrono::milliseconds(200));
        if (!polled) return std::unexpected(polled.error());
        for (auto& [offset, m] : *polled) {
            next = std::max(next, offset + 1);
            latest[m.stock.code] = std::move(m);
        }
        if (*end == 0 && !consumer_->Assignment().empty()) break;
    }
    std::vector<bus::StockMessage> out;
    for (auto& [code, m] : latest) out.push_back(std::move(m));
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return out;
}

Result<std::vector<std::pair<std::int64_t, bus::StockMessage>>> StockFeed::Poll(std::chrono::milliseconds wait) {
    std::vector<std::pair<std::int64_t, bus::StockMessage>> out;
    if (!consumer_) return out;
    auto read = consumer_->Poll(wait, 1'000);
    if (!read) return std::unexpected(read.error());
    for (const bus::Message& msg : *read) {
        auto m = bus::DecodeStock(msg.value);
        if (!m || m->stock.code != msg.key) {
            ++malformed_;
            GetLogger("bus")->warn("event=message_rejected topic={} offset={} reason=\"{}\"", msg.tp.topic, msg.offset,
                                   m ? "key is not the stock code" : m.error().message);
            continue;
        }
        out.emplace_back(msg.offset, std::move(*m));
    }
    return out;
}

void StockFeed::Close() {
    if (consumer_) {
        consumer_->Close();
        consumer_.reset();
    }
}

}  // namespace ik::app
