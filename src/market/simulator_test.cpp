#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>
#include <vector>

#include "market/rules.hpp"
#include "market/simulator.hpp"
#include "market/symbols.hpp"

namespace ik::market {
namespace {

const Timestamp kStart = FromKst({2026, 7, 27}, 9, 0);

bool SameTick(const Tick& a, const Tick& b) {
    return a.symbol == b.symbol && a.ts == b.ts && a.price == b.price && a.bid == b.bid && a.ask == b.ask &&
           a.volume == b.volume;
}

// A simulator over the default universe, symbol ids 0…4 in DefaultUniverse order.
MarketSimulator MakeFive(std::uint64_t seed, std::int64_t interval_ns = kNanosPerSecond) {
    MarketSimulator sim(SimulatorOptions{seed, interval_ns});
    SymbolId id = 0;
    for (const auto& s : DefaultUniverse()) {
        auto ok = sim.AddSymbol(id++, s.previous_close, DefaultSimParams(s.code));
        EXPECT_TRUE(ok.has_value()) << ok.error().message;
    }
    return sim;
}

TEST(SimulatorTest, SameSeedGivesSameTicks) {
    MarketSimulator a = MakeFive(42);
    MarketSimulator b = MakeFive(42);
    for (int i = 0; i < 5'000; ++i) {
        const Timestamp now = kStart + i * kNanosPerSecond;
        const auto ta = a.Step(now);
        const auto tb = b.Step(now);
        ASSERT_EQ(ta.size(), 5u);
        ASSERT_EQ(tb.size(), 5u);
        for (std::size_t k = 0; k < ta.size(); ++k) ASSERT_TRUE(SameTick(ta[k], tb[k])) << "step " << i;
    }
}

TEST(SimulatorTest, SeedFixesTheExactSequenceOnEveryMachine) {
    // Pinned output: the PRNG and the arithmetic are fully specified, so these values must not change with
    // the compiler, the standard library or the CPU. A deliberate change to the model updates them.
    MarketSimulator sim = MakeFive(7);
    std::vector<Tick> ticks;
    for (int i = 0; i < 1'000; ++i) {
        for (const Tick& t : sim.Step(kStart + i * kNanosPerSecond)) {
            if (t.symbol == 3) ticks.push_back(t);
        }
    }
    ASSERT_EQ(ticks.size(), 1'000u);
    std::uint64_t digest = 1469598103934665603ULL;  // FNV-1a over (price, bid, volume)
    for (const Tick& t : ticks) {
        for (std::int64_t v : {t.price, t.bid, t.volume}) {
            digest ^= static_cast<std::uint64_t>(v);
            digest *= 1099511628211ULL;
        }
    }
    EXPECT_EQ(ticks[0].price, 249'000);
    EXPECT_EQ(ticks[0].volume, 124);
    EXPECT_EQ(ticks.back().price, 249'500);
    EXPECT_EQ(digest, 10'402'960'258'536'011'752ULL);
}

TEST(SimulatorTest, DifferentSeedsGiveDifferentTicks) {
    MarketSimulator a = MakeFive(1);
    MarketSimulator b = MakeFive(2);
    int differing = 0;
    for (int i = 0; i < 1'000; ++i) {
        const auto ta = a.Step(kStart + i * kNanosPerSecond);
        const auto tb = b.Step(kStart + i * kNanosPerSecond);
        for (std::size_t k = 0; k < ta.size(); ++k) differing += SameTick(ta[k], tb[k]) ? 0 : 1;
    }
    EXPECT_GT(differing, 4'000);  // volumes alone differ almost every tick
}

TEST(SimulatorTest, EveryTickIsOnTheGridInsideTheBandWithAOneTickSpreadOver100kSteps) {
    MarketSimulator sim = MakeFive(20'260'727);
    const auto stocks = DefaultUniverse();
    std::vector<std::set<Won>> seen(stocks.size());
    for (int i = 0; i < 100'000; ++i) {
        const Timestamp now = kStart + i * kNanosPerSecond;
        const auto ticks = sim.Step(now);
        ASSERT_EQ(ticks.size(), stocks.size());
        for (std::size_t k = 0; k < ticks.size(); ++k) {
            const Tick& t = ticks[k];
            const Won close = stocks[k].previous_close;
            ASSERT_EQ(t.symbol, static_cast<SymbolId>(k));
            ASSERT_EQ(t.ts, now);
            ASSERT_TRUE(IsOnTickGrid(t.bid)) << t.bid;
            ASSERT_TRUE(IsOnTickGrid(t.ask)) << t.ask;
            ASSERT_EQ(t.ask, TickUp(t.bid));
            ASSERT_TRUE(t.price == t.bid || t.price == t.ask);
            ASSERT_TRUE(ComputeKrxPriceBand(close).Contains(t.bid) && ComputeKrxPriceBand(close).Contains(t.ask));
            ASSERT_TRUE(ComputePriceBand(close).Contains(t.bid) && ComputePriceBand(close).Contains(t.ask));
            ASSERT_GT(t.volume, 0);
            seen[k].insert(t.price);
        }
    }
    // The walk moves: over ~4 trading days each stock visits many prices.
    for (std::size_t k = 0; k < seen.size(); ++k) EXPECT_GT(seen[k].size(), 20u) << stocks[k].code;
}

TEST(SimulatorTest, AWildWalkPinsAtTheLimitsButNeverCrossesThem) {
    // 50 % a day reaches ±30 % within a day; the quote then sits at the limit, one tick inside.
    MarketSimulator sim(SimulatorOptions{3, 10 * kNanosPerSecond});
    for (SymbolId id = 0; id < 8; ++id) {
        ASSERT_TRUE(sim.AddSymbol(id, 249'500, SimSymbolParams{0.5, 1'000'000}).has_value());
    }
    const PriceBand band = ComputeKrxPriceBand(249'500);
    ASSERT_EQ(sim.Band(0), band);
    bool hit_upper = false;
    bool hit_lower = false;
    for (int i = 0; i < 20'000; ++i) {
        for (const Tick& t : sim.Step(kStart + i * 10 * kNanosPerSecond)) {
            ASSERT_GE(t.bid, band.lower);
            ASSERT_LE(t.ask, band.upper);
            ASSERT_EQ(t.ask, TickUp(t.bid));
            hit_upper |= t.ask == band.upper;
            hit_lower |= t.bid == band.lower;
        }
    }
    EXPECT_TRUE(hit_upper);
    EXPECT_TRUE(hit_lower);
}

TEST(SimulatorTest, BidAndAskStayOneTickApartAcrossTickSizeBoundaries) {
    // Closes just above tick-size boundaries, with enough volatility to cross them.
    MarketSimulator sim(SimulatorOptions{11, 60 * kNanosPerSecond});
    const std::vector<Won> closes = {2'000, 5'000, 20'000, 50'000, 200'000, 500'000, 4};
    for (SymbolId id = 0; id < closes.size(); ++id) {
        ASSERT_TRUE(sim.AddSymbol(id, closes[id], SimSymbolParams{0.2, 10'000}).has_value()) << closes[id];
    }
    std::vector<std::set<Won>> tick_sizes(closes.size());
    for (int i = 0; i < 20'000; ++i) {
        for (const Tick& t : sim.Step(kStart + i * 60 * kNanosPerSecond)) {
            ASSERT_TRUE(IsOnTickGrid(t.bid) && IsOnTickGrid(t.ask)) << t.bid << " " << t.ask;
            ASSERT_EQ(t.ask, TickUp(t.bid));
            ASSERT_TRUE(ComputeKrxPriceBand(closes[t.symbol]).Contains(t.bid));
            ASSERT_TRUE(ComputeKrxPriceBand(closes[t.symbol]).Contains(t.ask));
            tick_sizes[t.symbol].insert(TickSize(t.bid));
        }
    }
    for (std::size_t k = 0; k + 1 < closes.size(); ++k) EXPECT_EQ(tick_sizes[k].size(), 2u) << closes[k];
}

TEST(SimulatorTest, AddingASymbolDoesNotChangeOtherSymbolsSequences) {
    MarketSimulator a(SimulatorOptions{99});
    MarketSimulator b(SimulatorOptions{99});
    ASSERT_TRUE(a.AddSymbol(0, 249'500).has_value());
    ASSERT_TRUE(a.AddSymbol(4, 36'200).has_value());
    ASSERT_TRUE(b.AddSymbol(4, 36'200).has_value());
    for (int i = 0; i < 500; ++i) {
        if (i == 100) {
            ASSERT_TRUE(b.AddSymbol(0, 249'500).has_value());  // added late: its own stream starts
        }
        if (i == 200) {
            ASSERT_TRUE(b.AddSymbol(2, 313'000).has_value());
        }
        const auto ta = a.Step(kStart + i);
        const auto tb = b.Step(kStart + i);
        const Tick& a4 = ta.back();
        const Tick& b4 = i < 200 ? tb.back() : tb[2];
        ASSERT_EQ(a4.symbol, 4u);
        ASSERT_EQ(b4.symbol, 4u);
        ASSERT_TRUE(SameTick(a4, b4)) << i;
    }
    // NextTick on one symbol leaves the others where they were.
    MarketSimulator c(SimulatorOptions{99});
    ASSERT_TRUE(c.AddSymbol(0, 249'500).has_value());
    ASSERT_TRUE(c.AddSymbol(4, 36'200).has_value());
    MarketSimulator d(SimulatorOptions{99});
    ASSERT_TRUE(d.AddSymbol(0, 249'500).has_value());
    ASSERT_TRUE(d.AddSymbol(4, 36'200).has_value());
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(d.NextTick(0, kStart).has_value());
    EXPECT_TRUE(SameTick(*c.NextTick(4, kStart), *d.NextTick(4, kStart)));
}

TEST(SimulatorTest, APausedSymbolEmitsNothingAndResumesWhereItStopped) {
    MarketSimulator a(SimulatorOptions{99});
    MarketSimulator b(SimulatorOptions{99});
    for (auto* sim : {&a, &b}) {
        ASSERT_TRUE(sim->AddSymbol(0, 249'500).has_value());
        ASSERT_TRUE(sim->AddSymbol(4, 36'200).has_value());
    }
    ASSERT_TRUE(b.SetPaused(0, true).has_value());
    std::vector<Tick> a0, b0;
    for (int i = 0; i < 300; ++i) {
        if (i == 100) {
            ASSERT_TRUE(b.SetPaused(0, false).has_value());
        }
        const auto ta = a.Step(kStart + i);
        const auto tb = b.Step(kStart + i);
        ASSERT_EQ(ta.size(), 2u);
        ASSERT_EQ(tb.size(), i < 100 ? 1u : 2u) << i;
        EXPECT_TRUE(SameTick(ta.back(), tb.back())) << "symbol 4 is unaffected at step " << i;
        a0.push_back(ta.front());
        if (tb.size() == 2) b0.push_back(tb.front());
    }
    // Symbol 0's walk waited: after the pause it continues with the ticks it would have made next.
    ASSERT_EQ(b0.size(), 200u);
    for (std::size_t k = 0; k < b0.size(); ++k) {
        EXPECT_EQ(b0[k].price, a0[k].price) << k;
        EXPECT_EQ(b0[k].volume, a0[k].volume) << k;
    }
    EXPECT_EQ(a.SetPaused(7, true).error().code, ErrorCode::kNotFound);
}

TEST(SimulatorTest, VolumePerTickAveragesTheDailyVolumeOverTheTradingDay) {
    MarketSimulator sim(SimulatorOptions{5, kNanosPerSecond});
    ASSERT_TRUE(sim.AddSymbol(0, 249'500, SimSymbolParams{0.02, 23'400'000}).has_value());  // 1,000 a second
    ASSERT_TRUE(sim.AddSymbol(1, 36'200, SimSymbolParams{0.02, 1}).has_value());            // illiquid
    double sum = 0;
    Qty min_volume = std::numeric_limits<Qty>::max();
    const int n = 50'000;
    for (int i = 0; i < n; ++i) {
        const auto ticks = sim.Step(kStart + i * kNanosPerSecond);
        sum += static_cast<double>(ticks[0].volume);
        min_volume = std::min(min_volume, ticks[0].volume);
        ASSERT_EQ(ticks[1].volume, 1);  // never zero, even when a day's volume is below one share per tick
    }
    EXPECT_NEAR(sum / n, 1'000.0, 20.0);
    EXPECT_GE(min_volume, 1);
}

TEST(SimulatorTest, DailyVolatilityMatchesTheConfiguredFigure) {
    // One-minute ticks, 390 a day; close-to-close log returns over 2,000 days, rolling the band each day.
    MarketSimulator sim(SimulatorOptions{17, 60 * kNanosPerSecond});
    ASSERT_TRUE(sim.AddSymbol(0, 249'500, SimSymbolParams{0.03, 1'000'000}).has_value());
    std::vector<double> returns;
    Won prev_close = 249'500;
    for (int day = 0; day < 2'000; ++day) {
        Won close = 0;
        for (int i = 0; i < 390; ++i) close = sim.NextTick(0, kStart + i * kNanosPerMinute)->price;
        returns.push_back(std::log(static_cast<double>(close) / static_cast<double>(prev_close)));
        prev_close = close;
        sim.RollDay();
        ASSERT_EQ(sim.PreviousClose(0), close);
        ASSERT_EQ(sim.Band(0), ComputeKrxPriceBand(close));
    }
    double mean = 0;
    for (double r : returns) mean += r;
    mean /= static_cast<double>(returns.size());
    double ss = 0;
    for (double r : returns) ss += (r - mean) * (r - mean);
    const double sd = std::sqrt(ss / static_cast<double>(returns.size() - 1));
    EXPECT_NEAR(sd, 0.03, 0.003);
}

TEST(SimulatorTest, PollEmitsARoundOncePerTickInterval) {
    MarketSimulator sim = MakeFive(1, kNanosPerSecond);
    PriceSource& source = sim;
    EXPECT_EQ(source.Poll(kStart).size(), 5u);
    EXPECT_TRUE(source.Poll(kStart + kNanosPerSecond / 2).empty());
    EXPECT_EQ(source.Poll(kStart + kNanosPerSecond).size(), 5u);
    // A late poll gives one round, not a burst.
    const auto late = source.Poll(kStart + 60 * kNanosPerSecond);
    ASSERT_EQ(late.size(), 5u);
    EXPECT_EQ(late[0].ts, kStart + 60 * kNanosPerSecond);
    EXPECT_TRUE(source.Poll(kStart + 60 * kNanosPerSecond + 1).empty());
}

TEST(SimulatorTest, RejectsBadSymbolsAndParameters) {
    MarketSimulator sim;
    ASSERT_TRUE(sim.AddSymbol(0, 70'000).has_value());
    EXPECT_EQ(sim.AddSymbol(0, 70'000).error().code, ErrorCode::kAlreadyExists);
    EXPECT_EQ(sim.AddSymbol(kNoSymbol, 70'000).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(sim.AddSymbol(1, 0).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(sim.AddSymbol(1, -100).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(sim.AddSymbol(1, 3).error().code, ErrorCode::kInvalidArgument);  // band 3…3: no room to quote
    EXPECT_EQ(sim.AddSymbol(1, 70'000, SimSymbolParams{-0.1, 1}).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(sim.AddSymbol(1, 70'000, SimSymbolParams{NAN, 1}).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(sim.AddSymbol(1, 70'000, SimSymbolParams{0.02, 0}).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(sim.AddSymbol(1, 70'000, SimSymbolParams{0.02, 1, 0}).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(sim.size(), 1u);
    EXPECT_EQ(sim.NextTick(1, kStart).error().code, ErrorCode::kNotFound);
    EXPECT_TRUE(sim.RemoveSymbol(0));
    EXPECT_FALSE(sim.RemoveSymbol(0));
    EXPECT_TRUE(sim.Step(kStart).empty());
    EXPECT_THROW(MarketSimulator(SimulatorOptions{1, 0}), std::invalid_argument);
    EXPECT_THROW(MarketSimulator(SimulatorOptions{1, kNanosPerSecond, 0}), std::invalid_argument);
}

TEST(SimulatorTest, DefaultParametersCoverTheFiveStocksAndFallBackForOthers) {
    EXPECT_GT(DefaultSimParams("005930").mean_daily_volume, 15'000'000);
    EXPECT_GT(DefaultSimParams("000660").daily_volatility, 0.0);
    const SimSymbolParams other = DefaultSimParams("123456");
    EXPECT_DOUBLE_EQ(other.daily_volatility, 0.02);
    EXPECT_EQ(other.mean_daily_volume, SimSymbolParams{}.mean_daily_volume);
    HistoryStats stats;
    stats.daily_volatility = 0.034;
    stats.mean_daily_volume = 123'456;
    const SimSymbolParams seeded = SimParamsFromHistory(stats);
    EXPECT_DOUBLE_EQ(seeded.daily_volatility, 0.034);
    EXPECT_EQ(seeded.mean_daily_volume, 123'456);
}

}  // namespace
}  // namespace ik::market

namespace ik::market {
namespace {

TEST(SimulatorResumeTest, ContinuesFromTheLastTradeInsteadOfThePreviousClose) {
    MarketSimulator sim(SimulatorOptions{});
    ASSERT_TRUE(sim.AddSymbol(0, 249'500).has_value());
    ASSERT_TRUE(sim.Resume(0, 300'000).has_value());
    auto t = sim.NextTick(0, 1);
    ASSERT_TRUE(t.has_value());
    // One tick moves a few ticks at most: the walk continues near 300,000, far from the close of 249,500.
    EXPECT_GT(t->bid, 290'000);
    EXPECT_LT(t->ask, 310'000);
    // Out of the band (175,000 … 324,000): clamped to it.
    ASSERT_TRUE(sim.Resume(0, 400'000).has_value());
    auto u = sim.NextTick(0, 2);
    ASSERT_TRUE(u.has_value());
    EXPECT_LE(u->ask, 324'000);
    EXPECT_FALSE(sim.Resume(9, 1'000).has_value());
    EXPECT_FALSE(sim.Resume(0, 0).has_value());
}

}  // namespace
}  // namespace ik::market
