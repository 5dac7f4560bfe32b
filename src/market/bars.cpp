#include "market/bars.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace ik::market {

BarAggregator::BarAggregator(std::int64_t interval_s) : interval_s_(interval_s), interval_ns_(0) {
    // The upper bound (one day) keeps interval_s × 10^9 far from int64 overflow.
    if (interval_s <= 0 || interval_s > 86'400) {
        throw std::invalid_argument("bar interval must be 1..86400 seconds, got " + std::to_string(interval_s));
    }
    interval_ns_ = interval_s * kNanosPerSecond;
}

Timestamp BarAggregator::BarStart(Timestamp ts) const {
    // Floor division so timestamps before 1970 still align downward.
    Timestamp q = ts / interval_ns_;
    if (ts % interval_ns_ != 0 && ts < 0) --q;
    return q * interval_ns_;
}

void BarAggregator::Add(const Tick& tick, std::vector<Bar>& completed) {
    if (tick.symbol == kNoSymbol || tick.price <= 0) {
        ++ignored_invalid_;
        return;
    }
    SymbolState& s = symbols_[tick.symbol];
    const Timestamp start = BarStart(tick.ts);
    if (s.seen && start < s.floor) {
        ++ignored_out_of_order_;
        return;
    }
    s.seen = true;
    if (s.open && start > s.open->start) {
        completed.push_back(*s.open);
        s.open.reset();
    }
    s.floor = start;
    const Qty volume = std::max<Qty>(tick.volume, 0);
    if (!s.open) {
        s.open = Bar{tick.symbol, start, interval_s_, tick.price, tick.price, tick.price, tick.price, volume, 1};
        s.last_tick_ts = tick.ts;
        return;
    }
    Bar& b = *s.open;
    b.high = std::max(b.high, tick.price);
    b.low = std::min(b.low, tick.price);
    b.volume += volume;
    ++b.trades;
    // A tick that arrives late but inside the open bar still traded: it counts for the range and volume, but
    // the close stays the latest trade.
    if (tick.ts >= s.last_tick_ts) {
        b.close = tick.price;
        s.last_tick_ts = tick.ts;
    }
}

std::optional<Bar> BarAggregator::Current(SymbolId symbol) const {
    const auto it = symbols_.find(symbol);
    if (it == symbols_.end()) return std::nullopt;
    return it->second.open;
}

void BarAggregator::FlushBefore(Timestamp now, std::vector<Bar>& completed) {
    for (auto& [id, s] : symbols_) {
        if (s.open && s.open->start + interval_ns_ <= now) {
            completed.push_back(*s.open);
            s.floor = s.open->start + interval_ns_;
            s.open.reset();
        }
    }
}

void BarAggregator::FlushAll(std::vector<Bar>& completed) {
    for (auto& [id, s] : symbols_) {
        if (s.open) {
            completed.push_back(*s.open);
            s.floor = s.open->start + interval_ns_;
            s.open.reset();
        }
    }
}

}  // namespace ik::market
