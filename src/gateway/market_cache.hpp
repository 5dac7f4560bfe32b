#pragma once
// The gateway's view of the market: the latest tick of every symbol, today's open/high/low/volume, the
// previous close, and the current minute bar, updated from committed ticks. Answers price questions (equity,
// positions, latest trade and quote, snapshots) without touching the database. Thread-safe.
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "market/tick.hpp"

namespace ik::gateway {

struct SymbolMarket {
    market::Tick last;         // last.price == 0: no tick yet
    Won previous_close = 0;
    Won open = 0, high = 0, low = 0;
    Qty volume = 0;            // today
    std::int64_t trades = 0;   // ticks today
    market::Bar minute;        // the bar being built (interval 60 s); minute.open == 0: none
    market::Bar previous_minute;
};

class MarketCache final {
public:
    void SetPreviousClose(market::SymbolId symbol, Won close);
    // A new trading day: today's figures start over.
    void ResetDay();
    // Committed ticks, in order, under one lock.
    void OnTicks(std::span<const market::Tick> ticks);
    std::optional<SymbolMarket> Get(market::SymbolId symbol) const;
    // The price positions are marked at: the last trade, else the previous close; 0 when neither is known.
    Won Mark(market::SymbolId symbol) const;

private:
    SymbolMarket& At(market::SymbolId symbol);
    void Apply(const market::Tick& tick);  // mutex_ held
    mutable std::mutex mutex_;
    std::vector<SymbolMarket> symbols_;
};

}  // namespace ik::gateway
