#pragma once
// Money is exact: KRW in int64 won, quantities in int64 shares, rates in parts-per-million.
// Products that could overflow int64 go through 128-bit intermediates and are checked.
#include <cstdint>
#include <optional>
#include <string>

namespace ik {

using Won = std::int64_t;
using Qty = std::int64_t;
using Ppm = std::int64_t;  // parts per million: 150 ppm = 0.015 %

inline constexpr Ppm kPpmOne = 1'000'000;

// Largest notional the system accepts for one order or balance (10^15 won = 1,000 trillion won).
// Keeps every product of price × qty × ppm inside int64 with room to spare.
inline constexpr Won kMaxWon = 1'000'000'000'000'000LL;

// amount × rate, rounded down to the won (KRX brokers truncate fees and tax). amount ≥ 0.
constexpr Won ApplyPpmFloor(Won amount, Ppm rate) {
    // Fast path in 64 bits (the common case); 128-bit only when amount × rate could overflow.
    if (amount <= kMaxWon && rate <= kPpmOne) return amount * rate / kPpmOne;
    __extension__ using Int128 = __int128;
    return static_cast<Won>((static_cast<Int128>(amount) * rate) / kPpmOne);
}

// price × qty, or nullopt when it exceeds kMaxWon or either factor is negative.
constexpr std::optional<Won> CheckedNotional(Won price, Qty qty) {
    if (price < 0 || qty < 0) return std::nullopt;
    __extension__ using Int128 = __int128;
    const Int128 n = static_cast<Int128>(price) * qty;
    if (n > kMaxWon) return std::nullopt;
    return static_cast<Won>(n);
}

// "1,234,567" — thousands separators, for messages shown to people.
std::string FormatWon(Won amount);

}  // namespace ik
