#include "alerts/rules.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace ik::alerts {

namespace {

constexpr std::array<std::pair<Kind, std::string_view>, 5> kKinds{{
    {Kind::kPriceAtOrAbove, "price_at_or_above"},
    {Kind::kPriceAtOrBelow, "price_at_or_below"},
    {Kind::kChangePctAtOrAbove, "change_pct_at_or_above"},
    {Kind::kChangePctAtOrBelow, "change_pct_at_or_below"},
    {Kind::kVolumeAbove, "volume_above"},
}};

bool IsChange(Kind k) { return k == Kind::kChangePctAtOrAbove || k == Kind::kChangePctAtOrBelow; }

// Digits only (no sign, no exponent, no spaces) into a non-negative int64; nullopt on overflow or anything else.
std::optional<std::int64_t> Digits(std::string_view s) {
    if (s.empty() || s.size() > 18) return std::nullopt;
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
    }
    return v;
}

}  // namespace

std::string_view KindName(Kind k) {
    for (const auto& [kind, name] : kKinds) {
        if (kind == k) return name;
    }
    return "unknown";
}

Result<Kind> ParseKind(std::string_view name) {
    for (const auto& [kind, n] : kKinds) {
        if (n == name) return kind;
    }
    return MakeError(ErrorCode::kInvalidArgument,
                     "kind must be one of price_at_or_above, price_at_or_below, change_pct_at_or_above, "
                     "change_pct_at_or_below, volume_above");
}

std::string_view ModeName(Mode m) { return m == Mode::kOnce ? "once" : "repeat"; }

Result<Mode> ParseMode(std::string_view name) {
    if (name == "once") return Mode::kOnce;
    if (name == "repeat") return Mode::kRepeat;
    return MakeError(ErrorCode::kInvalidArgument, "mode must be once or repeat");
}

Result<std::int64_t> ParseLevel(Kind kind, std::string_view text) {
    const std::string shown(text.substr(0, 40));
    if (!IsChange(kind)) {
        const auto v = Digits(text);
        const std::int64_t max = kind == Kind::kVolumeAbove ? kMaxVolumeLevel : kMaxPriceLevel;
        if (!v || *v < 1 || *v > max) {
            return MakeError(ErrorCode::kInvalidArgument,
                             "level must be a whole number of " +
                                 std::string(kind == Kind::kVolumeAbove ? "shares" : "won") + " from 1 to " +
                                 std::to_string(max) + "; got \"" + shown + "\"");
        }
        return *v;
    }
    // A percentage: [-]digits[.up to four digits], into ppm.
    std::string_view s = text;
    const bool negative = !s.empty() && s.front() == '-';
    if (negative) s.remove_prefix(1);
    const auto dot = s.find('.');
    const std::string_view whole = s.substr(0, dot);
    const std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
    const auto w = Digits(whole);
    const auto f = frac.empty() ? std::optional<std::int64_t>(0) : Digits(frac);
    if (!w || !f || frac.size() > 4 || (dot != std::string_view::npos && frac.empty()) || *w > 100'000) {
        return MakeError(
            ErrorCode::kInvalidArgument,
            "level must be a percentage such as 5, 5.5 or -3.25 (at most four decimals); got \"" + shown + "\"");
    }
    std::int64_t scale = 100;  // ppm per unit of the last fraction digit: 1 % = 10,000 ppm
    for (std::size_t i = frac.size(); i < 4; ++i) scale *= 10;
    std::int64_t ppm = *w * 10'000 + *f * (scale / 100);
    if (negative) ppm = -ppm;
    if (ppm < kMinChangePpm || ppm > kMaxChangePpm || ppm == 0) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "level must be a change from -100 to 1000 percent, not 0; got \"" + shown + "\"");
    }
    return ppm;
}

std::string FormatLevel(Kind kind, std::int64_t level) {
    if (!IsChange(kind)) return std::to_string(level);
    const bool negative = level < 0;
    const std::int64_t a = negative ? -level : level;
    std::string out = (negative ? "-" : "") + std::to_string(a / 10'000);
    std::int64_t frac = a % 10'000;
    if (frac != 0) {
        std::string digits = std::to_string(frac);
        digits.insert(0, 4 - digits.size(), '0');
        while (!digits.empty() && digits.back() == '0') digits.pop_back();
        out += "." + digits;
    }
    return out;
}

Won ChangeLevelPrice(Kind kind, std::int64_t ppm, Won previous_close) {
    __extension__ using Int128 = __int128;
    // change ≥ ppm ⇔ p·10^6 ≥ close·(10^6 + ppm): the smallest such p is the ceiling; ≤: the floor.
    const Int128 num = static_cast<Int128>(previous_close) * (kPpmOne + ppm);
    Int128 q = num / kPpmOne;
    const Int128 r = num % kPpmOne;
    if (kind == Kind::kChangePctAtOrAbove && r > 0) q += 1;
    if (kind == Kind::kChangePctAtOrBelow && r < 0) q -= 1;
    return static_cast<Won>(q);
}

}  // namespace ik::alerts
