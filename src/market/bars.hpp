#pragma once
// BarAggregator turns a stream of Ticks into OHLCV bars (1 minute by default) per symbol. A tick updates
// the bar of its interval; the first tick of a later interval completes the previous bar, and FlushBefore
// completes bars whose interval has ended even when no further tick comes. Intervals with no ticks produce
// no bar. Ticks older than a symbol's current bar are ignored and counted. Owned by one thread (not
// thread-safe); it keeps one open bar per symbol and nothing else.
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "common/time.hpp"
#include "market/tick.hpp"

namespace ik::market {

class BarAggregator final {
public:
    // interval_s > 0. Bars start at multiples of the interval since the Unix epoch; for intervals dividing
    // an hour (1, 5, 10, 15, 30, 60 minutes) those are also KST boundaries, KST being UTC+9 exactly.
    // Throws std::invalid_argument otherwise (a configuration error found at start-up).
    explicit BarAggregator(std::int64_t interval_s = 60);

    // Adds a tick; appends to `completed` the bar it closes, if any. Ticks with no symbol or a price ≤ 0
    // are ignored (counted in ignored_invalid()).
    void Add(const Tick& tick, std::vector<Bar>& completed);
    // The open bar of a symbol, if any.
    std::optional<Bar> Current(SymbolId symbol) const;
    // Completes every open bar whose interval ended at or before `now` (start + interval ≤ now), in
    // SymbolId order.
    void FlushBefore(Timestamp now, std::vector<Bar>& completed);
    // Completes every open bar (at shutdown or end of a replay), in SymbolId order.
    void FlushAll(std::vector<Bar>& completed);

    std::int64_t interval_s() const { return interval_s_; }
    std::uint64_t ignored_out_of_order() const { return ignored_out_of_order_; }
    std::uint64_t ignored_invalid() const { return ignored_invalid_; }

private:
    struct SymbolState {
        std::optional<Bar> open;
        Timestamp last_tick_ts = 0;  // newest tick in the open bar; a late tick in the same bar keeps the close
        Timestamp floor = 0;         // bars starting before this are complete: ticks for them are late
        bool seen = false;
    };

    Timestamp BarStart(Timestamp ts) const;

    std::int64_t interval_s_;
    std::int64_t interval_ns_;
    std::map<SymbolId, SymbolState> symbols_;
    std::uint64_t ignored_out_of_order_ = 0;
    std::uint64_t ignored_invalid_ = 0;
};

}  // namespace ik::market
