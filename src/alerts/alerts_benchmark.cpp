// The AlertIndex's evaluation rate: ticks evaluated per second against 100,000 active rules spread over the
// universe (5 stocks, as configured by default, and 2,900, the size of the KRX master), each tick a random walk
// step of the KRX tick size so it fires only the rules it crosses; and the cost of one tick that fires 1,000
// rules at once.
//   ./build/release/bench/ik_alerts_benchmark
#include <random>

#include <benchmark/benchmark.h>

#include "alerts/index.hpp"

namespace ik::alerts {
namespace {

constexpr int kRules = 100'000;

struct Setup {
    AlertIndex index;
    std::vector<Won> price;
};

// 100,000 rules: price rules within ±10 % of 250,000, every fifth a repeat rule (1 s cooldown), and change and
// volume rules mixed in, over `stocks` stocks.
void Fill(Setup& s, int stocks) {
    std::mt19937_64 rng(42);
    s.price.assign(static_cast<std::size_t>(stocks), 250'000);
    for (int i = 0; i < stocks; ++i) {
        s.index.SetPreviousClose(static_cast<market::SymbolId>(i), 250'000);
        s.index.SetLastPrice(static_cast<market::SymbolId>(i), 250'000);
    }
    std::uniform_int_distribution<Won> level(225'000, 275'000);
    for (int i = 0; i < kRules; ++i) {
        Rule r;
        r.id = static_cast<AlertId>(i + 1);
        r.user = i % 5'000;
        r.symbol = static_cast<market::SymbolId>(rng() % static_cast<std::uint64_t>(stocks));
        switch (i % 10) {
            case 8:
                r.kind = Kind::kChangePctAtOrAbove;
                r.level = 10'000 + static_cast<std::int64_t>(rng() % 90'000);
                break;
            case 9:
                r.kind = Kind::kVolumeAbove;
                r.level = 1'000'000 + static_cast<std::int64_t>(rng() % 9'000'000);
                break;
            default: r.level = level(rng); r.kind = r.level >= 250'000 ? Kind::kPriceAtOrAbove : Kind::kPriceAtOrBelow;
        }
        if (i % 5 == 0) {
            r.mode = Mode::kRepeat;
            r.cooldown_s = 1;
        }
        (void)s.index.Add(r);
    }
}

void BM_TickEvaluation(benchmark::State& state) {
    const int stocks = static_cast<int>(state.range(0));
    Setup s;
    Fill(s, stocks);
    std::mt19937_64 rng(7);
    std::vector<Firing> fired;
    Timestamp ts = 1;
    std::size_t total_fired = 0;
    for (auto _ : state) {
        const auto symbol = static_cast<market::SymbolId>(rng() % static_cast<std::uint64_t>(stocks));
        Won& p = s.price[symbol];
        p += (rng() & 1) != 0 ? 500 : -500;  // one KRX tick at this price
        if (p < 200'000 || p > 300'000) p = 250'000;
        fired.clear();
        s.index.OnTick(market::Tick{symbol, ts += 1'000, p, p - 500, p + 500, 100}, fired);
        total_fired += fired.size();
        benchmark::DoNotOptimize(fired.data());
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["rules_left"] = static_cast<double>(s.index.size());
    state.counters["fired_per_tick"] = static_cast<double>(total_fired) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_TickEvaluation)->Arg(5)->Arg(2'900);

// One tick that crosses 1,000 `once` rules (levels 250,001 … 251,000); the index is refilled between
// iterations outside the timing.
void BM_TickFiring1000(benchmark::State& state) {
    std::vector<Firing> fired;
    fired.reserve(1'000);
    for (auto _ : state) {
        state.PauseTiming();
        AlertIndex index;
        index.SetLastPrice(0, 250'000);
        for (int i = 0; i < 1'000; ++i) {
            Rule r;
            r.id = static_cast<AlertId>(i + 1);
            r.symbol = 0;
            r.level = 250'001 + i;
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
