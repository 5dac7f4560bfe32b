#pragma once
// The price-source seam: where ticks come from is configuration (`market.source`), and the application
// polls whichever PriceSource it built with the time its injected clock reports. Sources never read a
// clock themselves, so tests and replays drive them with chosen timestamps.
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/time.hpp"
#include "market/tick.hpp"

namespace ik::market {

enum class SourceKind : std::uint8_t { kSimulator, kNone };
std::string_view SourceKindName(SourceKind kind);           // "simulator", "none"
Result<SourceKind> ParseSourceKind(std::string_view text);  // "simulator" | "none"

// A producer of market ticks. Poll returns the ticks due at `now` (possibly none); `now` must not go
// backwards between calls. Implementations are owned by one thread and need not be thread-safe.
class PriceSource {
public:
    virtual ~PriceSource() = default;
    virtual std::vector<Tick> Poll(Timestamp now) = 0;
};

// `none`: a market with no data, for running the rest of the system (accounts, orders) without prices.
class NullSource final : public PriceSource {
public:
    std::vector<Tick> Poll(Timestamp /*now*/) override { return {}; }
};

}  // namespace ik::market
