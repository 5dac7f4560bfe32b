#include "gateway/market_cache.hpp"

#include <algorithm>

namespace ik::gateway {

SymbolMarket& MarketCache::At(market::SymbolId symbol) {
    if (symbol >= symbols_.size()) symbols_.resize(symbol + 1);
    return symbols_[symbol];
}

void MarketCache::SetPreviousClose(market::SymbolId symbol, Won close) {
    std::lock_guard lock(mutex_);
    At(symbol).previous_close = close;
}

void MarketCache::ResetDay() {
    std::lock_guard lock(mutex_);
    for (auto& s : symbols_) {
        if (s.last.price > 0) s.previous_close = s.last.price;
        s.open = s.high = s.low = 0;
        s.volume = 0;
        s.trades = 0;
    }
}

void MarketCache::OnTicks(std::span<const market::Tick> ticks) {
    if (ticks.empty()) return;
    std::lock_guard lock(mutex_);
    for (const market::Tick& t : ticks) Apply(t);
}

void MarketCache::Apply(const market::Tick& t) {
    if (t.symbol == market::kNoSymbol || t.price <= 0) return;
    SymbolMarket& s = At(t.symbol);
    if (t.ts < s.last.ts) return;  // an older tick redelivered
    s.last = t;
    if (s.open == 0) s.open = s.high = s.low = t.price;
    s.high = std::max(s.high, t.price);
    s.low = std::min(s.low, t.price);
    s.volume += t.volume;
    s.trades += 1;
    const Timestamp start = t.ts - t.ts % (60 * kNanosPerSecond);
    if (s.minute.open == 0 || s.minute.start != start) {
        if (s.minute.open != 0) s.previous_minute = s.minute;
        s.minute = market::Bar{t.symbol, start, 60, t.price, t.price, t.price, t.price, 0, 0};
    }
    s.minute.high = std::max(s.minute.high, t.price);
    s.minute.low = std::min(s.minute.low, t.price);
    s.minute.close = t.price;
    s.minute.volume += t.volume;
    s.minute.trades += 1;
}

std::optional<SymbolMarket> MarketCache::Get(market::SymbolId symbol) const {
    std::lock_guard lock(mutex_);
    if (symbol >= symbols_.size()) return std::nullopt;
    return symbols_[symbol];
}

Won MarketCache::Mark(market::SymbolId symbol) const {
    std::lock_guard lock(mutex_);
    if (symbol >= symbols_.size()) return 0;
    const SymbolMarket& s = symbols_[symbol];
    return s.last.price > 0 ? s.last.price : s.previous_close;
}

}  // namespace ik::gateway
