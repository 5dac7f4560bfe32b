#pragma once
// Price alerts (DESIGN.md, the original's alarm server): what a rule is and how its level is written. A rule
// belongs to a user and watches one stock; it fires when the market *crosses* its condition (see index.hpp), is
// delivered on the channels it names, and then disarms (`once`, the original's behaviour) or waits for the next
// crossing after its cooldown (`repeat`). Plain values; parsing is strict and says what is wrong.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/money.hpp"
#include "common/time.hpp"
#include "market/tick.hpp"

namespace ik::alerts {

using AlertId = std::uint64_t;
using UserId = std::int64_t;

enum class Kind : std::uint8_t {
    kPriceAtOrAbove,      // level: won; fires when the price reaches the level from below
    kPriceAtOrBelow,      // level: won; fires when the price reaches the level from above
    kChangePctAtOrAbove,  // level: ppm of the previous close (5 % = 50,000); fires when the day's change reaches it
    kChangePctAtOrBelow,  // the same, from above (−3 % = −30,000)
    kVolumeAbove,         // level: shares; fires when the day's traded volume goes above it
};

enum class Mode : std::uint8_t { kOnce, kRepeat };

// The delivery channels a rule names (a bit set).
enum Channel : std::uint8_t { kInApp = 1, kWebhook = 2, kSns = 4 };

std::string_view KindName(Kind k);  // "price_at_or_above", …
Result<Kind> ParseKind(std::string_view name);
std::string_view ModeName(Mode m);  // "once", "repeat"
Result<Mode> ParseMode(std::string_view name);

// The level of a rule of `kind` from its decimal text ("250000", "5.5", "-3", "1000000"): whole won on the KRX tick
// grid is not required (an alert at 250,050 simply fires at the first trade at or past it); a percentage has at
// most four decimals and is stored in ppm; a volume is whole shares. kInvalidArgument saying what is wrong.
Result<std::int64_t> ParseLevel(Kind kind, std::string_view text);
// The level as the API shows it: "250000", "5.5", "-3", "1000000".
std::string FormatLevel(Kind kind, std::int64_t level);

// Bounds of a level: a price in 1 … 100,000,000 won, a change in −100 % … +1,000 %, a volume in 1 … 10^12 shares.
inline constexpr std::int64_t kMaxPriceLevel = 100'000'000;
inline constexpr std::int64_t kMinChangePpm = -1'000'000;
inline constexpr std::int64_t kMaxChangePpm = 10'000'000;
inline constexpr std::int64_t kMaxVolumeLevel = 1'000'000'000'000;

struct Rule {
    AlertId id = 0;
    UserId user = 0;
    market::SymbolId symbol = market::kNoSymbol;
    Kind kind = Kind::kPriceAtOrAbove;
    std::int64_t level = 0;  // won, ppm or shares (see Kind)
    Mode mode = Mode::kOnce;
    std::int64_t cooldown_s = 0;  // repeat: no second firing within this many seconds of the last
    Timestamp expires_at = 0;     // 0 = never; a rule does not fire at or after it
    std::uint8_t channels = kInApp;
    Timestamp last_fired = 0;  // 0 = never fired
    // The stored alert's updated_at when this rule was read: a firing decided on an older version of the alert
    // (changed meanwhile through the API) is not stored.
    Timestamp version = 0;
};

// The won threshold a change rule stands for, given the previous close: the lowest price whose change is at or
// above `ppm` (at_or_above), the highest whose change is at or below it (at_or_below). Exact (128-bit).
Won ChangeLevelPrice(Kind kind, std::int64_t ppm, Won previous_close);

}  // namespace ik::alerts
