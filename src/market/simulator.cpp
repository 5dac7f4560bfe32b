#include "market/simulator.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

namespace ik::market {

namespace {

constexpr Qty kMaxMeanDailyVolume = 1'000'000'000'000LL;  // 10^12 shares keeps every volume far inside int64

std::uint64_t SplitMix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

constexpr std::uint64_t Rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

struct DefaultParams {
    std::string_view code;
    SimSymbolParams params;
};

// Measured with ComputeHistoryStats over shared/data/daily (250 bars to 2026-07-24), rounded; a test checks
// they still agree with the data.
constexpr std::array<DefaultParams, 5> kDefaultParams = {{
    {"000660", {0.0509, 4'500'000, kDefaultPriceLimitPpm}},
    {"005380", {0.0408, 1'470'000, kDefaultPriceLimitPpm}},
    {"005490", {0.0318, 441'000, kDefaultPriceLimitPpm}},
    {"005930", {0.0411, 26'240'000, kDefaultPriceLimitPpm}},
    {"035720", {0.0308, 2'650'000, kDefaultPriceLimitPpm}},
}};

}  // namespace

SimSymbolParams DefaultSimParams(std::string_view code) {
    for (const auto& d : kDefaultParams) {
        if (d.code == code) return d.params;
    }
    return SimSymbolParams{};
}

SimSymbolParams SimParamsFromHistory(const HistoryStats& stats) {
    SimSymbolParams p;
    p.daily_volatility = std::clamp(stats.daily_volatility, 0.0, 1.0);
    p.mean_daily_volume = std::clamp<Qty>(stats.mean_daily_volume, 1, kMaxMeanDailyVolume);
    return p;
}

std::uint64_t MarketSimulator::Rng::Next() {
    const std::uint64_t result = Rotl(s[1] * 5, 7) * 9;
    const std::uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = Rotl(s[3], 45);
    return result;
}

double MarketSimulator::Rng::Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

MarketSimulator::Rng MarketSimulator::SeedStream(std::uint64_t seed, SymbolId symbol) {
    // Hash the seed first so that nearby seeds and nearby symbol ids still give unrelated streams.
    std::uint64_t x = seed;
    x = SplitMix64(x) ^ static_cast<std::uint64_t>(symbol);
    Rng rng;
    for (auto& word : rng.s) word = SplitMix64(x);
    return rng;
}

bool MarketSimulator::CanQuote(const PriceBand& band) {
    // Both ends are on the grid, so lower < upper leaves room for a bid and an ask one tick above it.
    return band.lower > 0 && band.lower < band.upper;
}

MarketSimulator::MarketSimulator(SimulatorOptions options) : options_(options) {
    if (options_.tick_interval_ns <= 0 || options_.trading_seconds_per_day <= 0) {
        throw std::invalid_argument("simulator tick interval and trading day must be positive");
    }
    if (options_.tick_interval_ns > options_.trading_seconds_per_day * kNanosPerSecond) {
        throw std::invalid_argument("simulator tick interval must not exceed the trading day");
    }
}

Status MarketSimulator::AddSymbol(SymbolId symbol, Won previous_close, SimSymbolParams params) {
    if (symbol == kNoSymbol) return MakeError(ErrorCode::kInvalidArgument, "simulator: symbol id is unset");
    if (symbols_.contains(symbol)) {
        return MakeError(ErrorCode::kAlreadyExists, "simulator: symbol " + std::to_string(symbol) + " already added");
    }
    if (!std::isfinite(params.daily_volatility) || params.daily_volatility < 0.0 || params.daily_volatility > 1.0) {
        return MakeError(ErrorCode::kInvalidArgument, "simulator: daily volatility must be within 0..1");
    }
    if (params.mean_daily_volume < 1 || params.mean_daily_volume > kMaxMeanDailyVolume) {
        return MakeError(ErrorCode::kInvalidArgument, "simulator: mean daily volume must be within 1..10^12 shares");
    }
    if (params.price_limit_ppm <= 0 || params.price_limit_ppm > kPpmOne) {
        return MakeError(ErrorCode::kInvalidArgument, "simulator: price limit must be within (0, 100%]");
    }
    if (previous_close <= 0 || previous_close > kMaxWon) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "simulator: previous close must be positive, got " + std::to_string(previous_close));
    }
    const PriceBand band = ComputeKrxPriceBand(previous_close, params.price_limit_ppm);
    if (!CanQuote(band)) {
        return MakeError(ErrorCode::kInvalidArgument, "simulator: previous close " + std::to_string(previous_close) +
                                                          " leaves no room for a bid and an ask in the price band");
    }
    SymbolState s;
    s.previous_close = previous_close;
    s.band = band;
    s.params = params;
    // Computed once per symbol; sqrt and division are correctly rounded in IEEE 754, so still portable.
    const double interval_s = static_cast<double>(options_.tick_interval_ns) / static_cast<double>(kNanosPerSecond);
    const double day_fraction = interval_s / static_cast<double>(options_.trading_seconds_per_day);
    s.sigma_tick = params.daily_volatility * std::sqrt(day_fraction);
    s.volume_per_tick = static_cast<double>(params.mean_daily_volume) * day_fraction;
    s.mid = std::clamp(static_cast<double>(previous_close), static_cast<double>(band.lower),
                       static_cast<double>(band.upper));
    s.last_price = 0;
    s.rng = SeedStream(options_.seed, symbol);
    symbols_.emplace(symbol, s);
    return {};
}

bool MarketSimulator::RemoveSymbol(SymbolId symbol) { return symbols_.erase(symbol) > 0; }

Status MarketSimulator::SetPaused(SymbolId symbol, bool paused) {
    const auto it = symbols_.find(symbol);
    if (it == symbols_.end()) {
        return MakeError(ErrorCode::kNotFound, "simulator: symbol " + std::to_string(symbol) + " was not added");
    }
    it->second.paused = paused;
    return {};
}

Status MarketSimulator::Resume(SymbolId symbol, Won last_price) {
    const auto it = symbols_.find(symbol);
    if (it == symbols_.end()) {
        return MakeError(ErrorCode::kNotFound, "simulator: symbol " + std::to_string(symbol) + " was not added");
    }
    if (last_price <= 0) return MakeError(ErrorCode::kInvalidArgument, "simulator: resume price must be positive");
    SymbolState& s = it->second;
    s.mid = std::clamp(static_cast<double>(last_price), static_cast<double>(s.band.lower),
                       static_cast<double>(s.band.upper));
    s.last_price = std::clamp(last_price, s.band.lower, s.band.upper);
    return {};
}

Tick MarketSimulator::Advance(SymbolId symbol, SymbolState& s, Timestamp now) {
    // Every tick draws the same count of numbers (12 + 1 + 1), so a stream's position depends only on how
    // many ticks it produced.
    // Irwin–Hall: the sum of 12 uniforms minus 6 has mean 0 and variance 1, close to a normal, bounded at ±6,
    // and needs no log/exp/cos, whose results may differ in the last bit between math libraries.
    double z = -6.0;
    for (int i = 0; i < 12; ++i) z += s.rng.Uniform();
    const double u_volume = s.rng.Uniform();
    const bool tie_up = (s.rng.Next() >> 63) != 0;

    const double old_mid = s.mid;
    // Multiplicative step: moves are proportional to the price, like log returns, without calling exp.
    s.mid *= 1.0 + s.sigma_tick * z;
    s.mid = std::clamp(s.mid, static_cast<double>(s.band.lower), static_cast<double>(s.band.upper));

    // mid ≤ band.upper ≤ kMaxWon < 2^53, so the conversion is exact truncation.
    Won bid = FloorToTick(static_cast<Won>(s.mid));
    bid = std::clamp(bid, s.band.lower, TickDown(s.band.upper));
    const Won ask = TickUp(bid);
    // A rising price trades at the ask (buyers lifting offers), a falling one at the bid.
    const bool up = s.mid > old_mid || (s.mid == old_mid && tie_up);

    Tick t;
    t.symbol = symbol;
    t.ts = now;
    t.bid = bid;
    t.ask = ask;
    t.price = up ? ask : bid;
    // 3u² has mean 1 and a right skew: most ticks are small, a few are several times the mean.
    const double extra = std::max(s.volume_per_tick - 1.0, 0.0) * 3.0 * u_volume * u_volume;
    t.volume = 1 + static_cast<Qty>(extra);
    s.last_price = t.price;
    return t;
}

Result<Tick> MarketSimulator::NextTick(SymbolId symbol, Timestamp now) {
    const auto it = symbols_.find(symbol);
    if (it == symbols_.end()) {
        return MakeError(ErrorCode::kNotFound, "simulator: unknown symbol " + std::to_string(symbol));
    }
    return Advance(symbol, it->second, now);
}

std::vector<Tick> MarketSimulator::Step(Timestamp now) {
    std::vector<Tick> ticks;
    ticks.reserve(symbols_.size());
    for (auto& [id, s] : symbols_) {
        if (!s.paused) ticks.push_back(Advance(id, s, now));
    }
    return ticks;
}

std::vector<Tick> MarketSimulator::Poll(Timestamp now) {
    if (next_poll_due_ && now < *next_poll_due_) return {};
    next_poll_due_ = now + options_.tick_interval_ns;
    return Step(now);
}

void MarketSimulator::RollDay() {
    for (auto& [id, s] : symbols_) {
        if (s.last_price <= 0) continue;
        const PriceBand band = ComputeKrxPriceBand(s.last_price, s.params.price_limit_ppm);
        if (!CanQuote(band)) continue;
        s.previous_close = s.last_price;
        s.band = band;
        s.mid = std::clamp(s.mid, static_cast<double>(band.lower), static_cast<double>(band.upper));
    }
}

std::optional<PriceBand> MarketSimulator::Band(SymbolId symbol) const {
    const auto it = symbols_.find(symbol);
    if (it == symbols_.end()) return std::nullopt;
    return it->second.band;
}

std::optional<Won> MarketSimulator::PreviousClose(SymbolId symbol) const {
    const auto it = symbols_.find(symbol);
    if (it == symbols_.end()) return std::nullopt;
    return it->second.previous_close;
}

}  // namespace ik::market
