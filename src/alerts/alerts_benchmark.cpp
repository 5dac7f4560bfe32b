// The AlertIndex's evaluation rate with 100,000 active rules spread over the universe (5 stocks, as configured by
// default, and 2,900, the size of the KRX master):
//   - BM_TickEvaluation: the common case. Rules sit 2–10 % away from the market (as alerts are set), the price
//     walks one KRX tick at a time inside ±1.5 %, so ticks cross no rule and all 100,000 stay active: the cost
//     of looking at a tick.
//   - BM_TickCrossing: the busy case. 100,000 `repeat` rules without cooldown at every level within ±10 %, the
//     price walking through them: every tick fires the rules it crosses (fired_per_tick), none leaves.
//   - BM_TickFiring1000: one tick that crosses 1,000 `once` rules (each removed as it fires).
//   ./build/release/bench/ik_alerts_benchmark
#include <random>

#include <benchmark/benchmark.h>

#include "alerts/index.hpp"

namespace ik::alerts {
namespace {

constexpr int kRules = 100'000;
constexpr Won kStart = 250'000;
constexpr Won kTick = 500;  // the KRX tick size from 200,000 to 500,000 won

struct Setup {
    AlertIndex index;
    std::vector<Won> price;
};

void Reset(Setup& s, int stocks) {
    s.price.assign(static_cast<std::size_t>(stocks), kStart);
    for (int i = 0; i < stocks; ++i) {
        s.index.SetPreviousClose(static_cast<market::SymbolId>(i), kStart);
        s.index.SetLastPrice(static_cast<market::SymbolId>(i), kStart);
    }
}

// One tick of a random stock, one KRX tick up or down, reflected at ±`band` of the start.
market::Tick Step(Setup& s, std::mt19937_64& rng, int stocks, Won band, Timestamp& ts) {
    const auto symbol = static_cast<market::SymbolId>(rng() % static_cast<std::uint64_t>(stocks));
    Won& p = s.price[symbol];
    p += (rng() & 1) != 0 ? kTick : -kTick;
    if (p > kStart + band) p -= 2 * kTick;
    if (p < kStart - band) p += 2 * kTick;
    return market::Tick{symbol, ts += 1'000, p, p - kTick, p + kTick, 100};
}

// The timed loop of both walks: one tick per iteration; reports the rules still active and the firings per tick.
void Walk(benchmark::State& state, Setup& s, std::mt19937_64& rng, int stocks, Won band) {
    std::vector<Firing> fired;
    Timestamp ts = 1;
    std::size_t total_fired = 0;
    for (auto _ : state) {
        fired.clear();
        s.index.OnTick(Step(s, rng, stocks, band, ts), fired);
        total_fired += fired.size();
        benchmark::DoNotOptimize(fired.data());
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["rules_active"] = static_cast<double>(s.index.size());
    state.counters["fired_per_tick"] = static_cast<double>(total_fired) / static_cast<double>(state.iterations());
}

void BM_TickEvaluation(benchmark::State& state) {
    const int stocks = static_cast<int>(state.range(0));
    Setup s;
    Reset(s, stocks);
    std::mt19937_64 rng(42);
    for (int i = 0; i < kRules; ++i) {
        Rule r;
        r.id = static_cast<AlertId>(i + 1);
        r.user = i % 5'000;
        r.symbol = static_cast<market::SymbolId>(rng() % static_cast<std::uint64_t>(stocks));
        const bool up = (rng() & 1) != 0;
        const std::int64_t ppm = 20'000 + static_cast<std::int64_t>(rng() % 80'001);  // 2 … 10 %
        switch (i % 10) {
            case 8:  // change rules
                r.kind = up ? Kind::kChangePctAtOrAbove : Kind::kChangePctAtOrBelow;
                r.level = up ? ppm : -ppm;
                break;
            case 9:  // volume rules beyond what the run trades
                r.kind = Kind::kVolumeAbove;
                r.level = 10'000'000'000 + static_cast<std::int64_t>(rng() % 1'000'000);
                break;
            default:
                r.kind = up ? Kind::kPriceAtOrAbove : Kind::kPriceAtOrBelow;
                r.level = ChangeLevelPrice(up ? Kind::kChangePctAtOrAbove : Kind::kChangePctAtOrBelow, up ? ppm : -ppm,
                                           kStart);
        }
        if (i % 5 == 0) {
            r.mode = Mode::kRepeat;
            r.cooldown_s = 60;
        }
        if (!s.index.Add(r)) state.SkipWithError("Add failed");
    }
    Walk(state, s, rng, stocks, 3'750);  // ±1.5 %
}
BENCHMARK(BM_TickEvaluation)->Arg(5)->Arg(2'900);

void BM_TickCrossing(benchmark::State& state) {
    const int stocks = static_cast<int>(state.range(0));
    Setup s;
    Reset(s, stocks);
    std::mt19937_64 rng(42);
    for (int i = 0; i < kRules; ++i) {
        Rule r;
        r.id = static_cast<AlertId>(i + 1);
        r.symbol = static_cast<market::SymbolId>(rng() % static_cast<std::uint64_t>(stocks));
        r.level = kStart - 25'000 + static_cast<Won>(rng() % 50'001);
        r.kind = (rng() & 1) != 0 ? Kind::kPriceAtOrAbove : Kind::kPriceAtOrBelow;
        r.mode = Mode::kRepeat;
        if (!s.index.Add(r)) state.SkipWithError("Add failed");
    }
    Walk(state, s, rng, stocks, 25'000);  // ±10 %
}
BENCHMARK(BM_TickCrossing)->Arg(5)->Arg(2'900);

// One tick that crosses 1,000 `once` rules (levels 250,001 … 251,000); the index is refilled between
// iterations outside the timing.
void BM_TickFiring1000(benchmark::State& state) {
    std::vector<Firing> fired;
    fired.reserve(1'000);
    for (auto _ : state) {
        state.PauseTiming();
        AlertIndex index;
        index.SetLastPrice(0, kStart);
        for (int i = 0; i < 1'000; ++i) {
            Rule r;
            r.id = static_cast<AlertId>(i + 1);
            r.symbol = 0;
            r.level = kStart + 1 + i;
            (void)index.Add(r);
        }
        fired.clear();
        state.ResumeTiming();
        index.OnTick(market::Tick{0, 1, 251'000, 250'500, 251'500, 100}, fired);
        benchmark::DoNotOptimize(fired.data());
    }
    state.counters["fired"] = static_cast<double>(fired.size());
}
BENCHMARK(BM_TickFiring1000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ik::alerts

BENCHMARK_MAIN();
