#pragma once
// KRX trading rules as pure functions: the tick-size table, the ±30 % daily price band and the
// commission / securities-transaction-tax schedule. All integer; thread-safe (no state).
#include "common/money.hpp"

namespace ik::market {

// Tick size for a price on KOSPI and KOSDAQ since 2023-01-25:
// <2,000: 1; <5,000: 5; <20,000: 10; <50,000: 50; <200,000: 100; <500,000: 500; else 1,000.
constexpr Won TickSize(Won price) {
    if (price < 2'000) return 1;
    if (price < 5'000) return 5;
    if (price < 20'000) return 10;
    if (price < 50'000) return 50;
    if (price < 200'000) return 100;
    if (price < 500'000) return 500;
    return 1'000;
}

constexpr bool IsOnTickGrid(Won price) { return price > 0 && price % TickSize(price) == 0; }

// Largest on-grid price ≤ price (price ≥ 1).
constexpr Won FloorToTick(Won price) {
    if (price < 1) return 1;
    const Won t = TickSize(price);
    return price - price % t;
}

// Smallest on-grid price ≥ price (price ≥ 1). Crossing a tick-size boundary upward lands on the boundary,
// which is on both grids.
constexpr Won CeilToTick(Won price) {
    if (price < 1) return 1;
    const Won t = TickSize(price);
    const Won r = price % t;
    return r == 0 ? price : price + (t - r);
}

// Next price on the grid above / below an on-grid price.
constexpr Won TickUp(Won price) { return price + TickSize(price); }
constexpr Won TickDown(Won price) {
    if (price <= 1) return 1;
    return price - TickSize(price - 1);
}

inline constexpr Ppm kDefaultPriceLimitPpm = 300'000;  // ±30 %

// The day's allowed price range, inclusive, both ends on the tick grid (rounded inward).
struct PriceBand {
    Won lower = 0;
    Won upper = 0;
    constexpr bool Contains(Won price) const { return price >= lower && price <= upper; }
    friend constexpr bool operator==(const PriceBand&, const PriceBand&) = default;
};

constexpr PriceBand ComputePriceBand(Won previous_close, Ppm limit_ppm = kDefaultPriceLimitPpm) {
    const Won delta = ApplyPpmFloor(previous_close, limit_ppm);
    return PriceBand{CeilToTick(previous_close - delta), FloorToTick(previous_close + delta)};
}

// The band by KRX's own procedure (유가증권시장 업무규정 시행세칙): the limit width is previous_close × rate
// truncated to the tick size of previous_close; upper = previous_close + width truncated to its own tick;
// lower = previous_close − width, which for an on-grid previous close is already on the grid because each tick
// size divides the larger ones (the ceiling only matters for an off-grid reference). It can be narrower than
// ComputePriceBand, never wider: e.g. 249,500 → 175,000 … 324,000 here, 174,700 … 324,000 there.
constexpr PriceBand ComputeKrxPriceBand(Won previous_close, Ppm limit_ppm = kDefaultPriceLimitPpm) {
    Won width = ApplyPpmFloor(previous_close, limit_ppm);
    width -= width % TickSize(previous_close);
    return PriceBand{CeilToTick(previous_close - width), FloorToTick(previous_close + width)};
}

// Commission on both sides and securities transaction tax on sells, each rounded down to the won.
struct FeeSchedule {
    Ppm commission_ppm = 150;  // 0.015 %
    Ppm sell_tax_ppm = 2'000;  // 0.20 % (2026 KOSPI/KOSDAQ rate)

    constexpr Won Commission(Won notional) const { return ApplyPpmFloor(notional, commission_ppm); }
    constexpr Won SellTax(Won notional) const { return ApplyPpmFloor(notional, sell_tax_ppm); }
};

}  // namespace ik::market
