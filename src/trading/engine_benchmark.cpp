// Engine throughput and latency on one core: place + fill + ledger, no I/O.
//   make bench   (or build/release/bench/ik_engine_benchmark)
// Counters: items_per_second = commands/s; p50_ns / p99_ns / p999_ns = per-command latency.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "trading/engine.hpp"

namespace ik::trading {
namespace {

constexpr AccountId kAccounts = 10'000;
constexpr SymbolId kSymbols = 5;
constexpr Won kCloses[kSymbols] = {1'759'000, 401'000, 313'000, 249'500, 36'200};

std::unique_ptr<Engine> MakeEngine() {
    auto e = std::make_unique<Engine>(EngineOptions{});
    std::vector<Event> out;
    for (SymbolId s = 0; s < kSymbols; ++s) e->Apply(ListSymbol{s, kCloses[s], 0, ""}, out);
    for (AccountId a = 1; a <= kAccounts; ++a) e->Apply(OpenAccount{a, 1'000'000'000'000LL, 0}, out);
    return e;
}

market::Tick LiquidTick(SymbolId s, Timestamp ts) {
    market::Tick t;
    t.symbol = s;
    t.ts = ts;
    t.bid = kCloses[s];
    t.ask = market::TickUp(kCloses[s]);
    t.price = t.bid;
    t.volume = 1'000'000'000;
    return t;
}

void ReportLatency(benchmark::State& state, std::vector<std::int64_t>& samples) {
    if (samples.empty()) return;
    std::sort(samples.begin(), samples.end());
    auto at = [&](double q) { return static_cast<double>(samples[static_cast<std::size_t>(q * (samples.size() - 1))]); };
    state.counters["p50_ns"] = at(0.50);
    state.counters["p99_ns"] = at(0.99);
    state.counters["p999_ns"] = at(0.999);
}

// Market orders that fill at once: accept, fill, position, balance and ledger update, two events each.
// Buys and sells alternate so positions stay bounded.
void BM_PlaceAndFillMarketOrders(benchmark::State& state) {
    auto engine = MakeEngine();
    std::vector<Event> out;
    out.reserve(64);
    for (SymbolId s = 0; s < kSymbols; ++s) engine->Apply(MarketTick{LiquidTick(s, 1)}, out);
    std::uint64_t i = 0;
    PlaceOrder p;
    p.type = OrderType::kMarket;
    p.tif = TimeInForce::kDay;
    p.qty = 1;
    for (auto _ : state) {
        out.clear();
        const std::uint64_t k = i++;
        p.account = 1 + (k / 2) % kAccounts;
        p.symbol = static_cast<SymbolId>((k / 2 / kAccounts) % kSymbols);
        p.side = (k & 1) ? Side::kSell : Side::kBuy;
        p.ts = static_cast<Timestamp>(k);
        benchmark::DoNotOptimize(engine->Place(p, out));
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_PlaceAndFillMarketOrders);

// The same workload, timing every command to report its latency distribution (the clock reads add ~20 ns).
void BM_PlaceAndFillLatency(benchmark::State& state) {
    auto engine = MakeEngine();
    std::vector<Event> out;
    out.reserve(64);
    for (SymbolId s = 0; s < kSymbols; ++s) engine->Apply(MarketTick{LiquidTick(s, 1)}, out);
    std::vector<std::int64_t> samples;
    samples.reserve(4'000'000);
    std::uint64_t i = 0;
    PlaceOrder p;
    p.type = OrderType::kMarket;
    p.qty = 1;
    for (auto _ : state) {
        out.clear();
        const std::uint64_t k = i++;
        p.account = 1 + (k / 2) % kAccounts;
        p.symbol = static_cast<SymbolId>((k / 2 / kAccounts) % kSymbols);
        p.side = (k & 1) ? Side::kSell : Side::kBuy;
        const auto t0 = std::chrono::steady_clock::now();
        benchmark::DoNotOptimize(engine->Place(p, out));
        const auto t1 = std::chrono::steady_clock::now();
        if (samples.size() < samples.capacity()) samples.push_back((t1 - t0).count());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    ReportLatency(state, samples);
}
BENCHMARK(BM_PlaceAndFillLatency);

// Resting limit orders: each iteration places a limit buy below the market (rests in the book) and every
// 64 orders a tick crosses the book and fills them all: placement, book insertion, matching and fills.
void BM_RestingLimitsFilledByTicks(benchmark::State& state) {
    auto engine = MakeEngine();
    std::vector<Event> out;
    out.reserve(4096);
    const SymbolId s = 3;  // 005930
    engine->Apply(MarketTick{LiquidTick(s, 1)}, out);
    std::uint64_t i = 0;
    std::int64_t commands = 0;
    PlaceOrder p;
    p.symbol = s;
    p.side = Side::kBuy;
    p.type = OrderType::kLimit;
    p.tif = TimeInForce::kGtc;
    p.qty = 1;
    for (auto _ : state) {
        out.clear();
        const std::uint64_t k = i++;
        p.account = 1 + k % kAccounts;
        p.limit_price = kCloses[s] - 500 * static_cast<Won>(1 + k % 8);
        benchmark::DoNotOptimize(engine->Place(p, out));
        ++commands;
        if (k % 64 == 63) {
            market::Tick t = LiquidTick(s, static_cast<Timestamp>(k));
            t.bid = kCloses[s] - 500 * 9;
            t.ask = market::TickUp(t.bid);
            t.price = t.bid;
            engine->Apply(MarketTick{t}, out);  // fills the 64 resting orders
            ++commands;
            out.clear();
            // Sell the shares back so positions stay small.
            engine->Apply(MarketTick{LiquidTick(s, static_cast<Timestamp>(k))}, out);
            ++commands;
        }
    }
    state.SetItemsProcessed(commands);
}
BENCHMARK(BM_RestingLimitsFilledByTicks);

// Place then cancel a resting order: reservation and its release, two events.
void BM_PlaceAndCancel(benchmark::State& state) {
    auto engine = MakeEngine();
    std::vector<Event> out;
    out.reserve(64);
    engine->Apply(MarketTick{LiquidTick(3, 1)}, out);
    std::uint64_t i = 0;
    PlaceOrder p;
    p.symbol = 3;
    p.side = Side::kBuy;
    p.type = OrderType::kLimit;
    p.tif = TimeInForce::kGtc;
    p.qty = 10;
    p.limit_price = 240'000;
    for (auto _ : state) {
        out.clear();
        p.account = 1 + i++ % kAccounts;
        const CommandResult r = engine->Place(p, out);
        engine->Cancel(CancelOrder{p.account, r.order, 0}, out);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 2);
}
BENCHMARK(BM_PlaceAndCancel);

}  // namespace
}  // namespace ik::trading

BENCHMARK_MAIN();
