#pragma once
// Market data values: a tick (last trade plus the best quote and the volume it reports) and a 1-minute
// OHLCV bar. Plain values, freely copyable.
#include <cstdint>

#include "common/money.hpp"
#include "common/time.hpp"

namespace ik::market {

// Dense index of a symbol in the Universe (stable for the life of the process; new listings append).
using SymbolId = std::uint32_t;
inline constexpr SymbolId kNoSymbol = ~SymbolId{0};

struct Tick {
    SymbolId symbol = kNoSymbol;
    Timestamp ts = 0;
    Won price = 0;   // last trade
    Won bid = 0;     // best bid, 0 = none
    Won ask = 0;     // best ask, 0 = none
    Qty volume = 0;  // shares traded in this tick: the liquidity resting orders may take from it
};

struct Bar {
    SymbolId symbol = kNoSymbol;
    Timestamp start = 0;  // inclusive, aligned to the interval
    std::int64_t interval_s = 60;
    Won open = 0;
    Won high = 0;
    Won low = 0;
    Won close = 0;
    Qty volume = 0;
    std::int64_t trades = 0;  // number of ticks aggregated
    friend bool operator==(const Bar&, const Bar&) = default;
};

}  // namespace ik::market
