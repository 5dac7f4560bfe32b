#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "market/bars.hpp"
#include "market/rules.hpp"
#include "market/session.hpp"
#include "market/source.hpp"
#include "market/symbols.hpp"

namespace ik::market {
namespace {

// ---- Tick sizes, grid rounding and the price band ----

TEST(RulesTest, TickSizeChangesExactlyAtEachBoundary) {
    EXPECT_EQ(TickSize(1), 1);
    EXPECT_EQ(TickSize(1'999), 1);
    EXPECT_EQ(TickSize(2'000), 5);
    EXPECT_EQ(TickSize(4'995), 5);
    EXPECT_EQ(TickSize(5'000), 10);
    EXPECT_EQ(TickSize(19'990), 10);
    EXPECT_EQ(TickSize(20'000), 50);
    EXPECT_EQ(TickSize(49'950), 50);
    EXPECT_EQ(TickSize(50'000), 100);
    EXPECT_EQ(TickSize(199'900), 100);
    EXPECT_EQ(TickSize(200'000), 500);
    EXPECT_EQ(TickSize(499'500), 500);
    EXPECT_EQ(TickSize(500'000), 1'000);
    EXPECT_EQ(TickSize(1'759'000), 1'000);
}

TEST(RulesTest, GridMembershipFollowsTheTickOfThePriceItself) {
    EXPECT_TRUE(IsOnTickGrid(1'999));
    EXPECT_TRUE(IsOnTickGrid(2'005));
    EXPECT_FALSE(IsOnTickGrid(2'001));
    EXPECT_TRUE(IsOnTickGrid(249'500));
    EXPECT_FALSE(IsOnTickGrid(249'600));
    EXPECT_FALSE(IsOnTickGrid(500'500));
    EXPECT_FALSE(IsOnTickGrid(0));
    EXPECT_FALSE(IsOnTickGrid(-5));
}

TEST(RulesTest, FloorAndCeilToTickCrossBoundariesCorrectly) {
    EXPECT_EQ(FloorToTick(2'004), 2'000);
    EXPECT_EQ(FloorToTick(1'999), 1'999);
    EXPECT_EQ(CeilToTick(2'001), 2'005);
    EXPECT_EQ(FloorToTick(4'999), 4'995);
    EXPECT_EQ(CeilToTick(4'996), 5'000);  // lands on the boundary, on both grids
    EXPECT_EQ(FloorToTick(19'999), 19'990);
    EXPECT_EQ(CeilToTick(19'991), 20'000);
    EXPECT_EQ(FloorToTick(49'999), 49'950);
    EXPECT_EQ(CeilToTick(49'951), 50'000);
    EXPECT_EQ(FloorToTick(199'999), 199'900);
    EXPECT_EQ(CeilToTick(199'950), 200'000);
    EXPECT_EQ(FloorToTick(200'499), 200'000);
    EXPECT_EQ(CeilToTick(200'001), 200'500);
    EXPECT_EQ(FloorToTick(499'999), 499'500);
    EXPECT_EQ(CeilToTick(499'600), 500'000);
    EXPECT_EQ(CeilToTick(500'001), 501'000);
    EXPECT_EQ(FloorToTick(0), 1);
    EXPECT_EQ(CeilToTick(-10), 1);
    for (Won p = 1; p <= 600'000; p += 7) {
        ASSERT_TRUE(IsOnTickGrid(FloorToTick(p))) << p;
        ASSERT_TRUE(IsOnTickGrid(CeilToTick(p))) << p;
        ASSERT_LE(FloorToTick(p), p);
        ASSERT_GE(CeilToTick(p), p);
    }
}

TEST(RulesTest, TickUpAndDownStepAcrossBoundaries) {
    EXPECT_EQ(TickUp(1'999), 2'000);
    EXPECT_EQ(TickUp(2'000), 2'005);
    EXPECT_EQ(TickDown(2'000), 1'999);
    EXPECT_EQ(TickDown(2'005), 2'000);
    EXPECT_EQ(TickUp(4'995), 5'000);
    EXPECT_EQ(TickDown(5'000), 4'995);
    EXPECT_EQ(TickDown(20'000), 19'990);
    EXPECT_EQ(TickDown(50'000), 49'950);
    EXPECT_EQ(TickUp(199'900), 200'000);
    EXPECT_EQ(TickDown(200'000), 199'900);
    EXPECT_EQ(TickUp(499'500), 500'000);
    EXPECT_EQ(TickDown(500'000), 499'500);
    EXPECT_EQ(TickUp(500'000), 501'000);
    EXPECT_EQ(TickDown(1), 1);
    for (Won p = 1; p < 600'000; p = TickUp(p)) {
        ASSERT_TRUE(IsOnTickGrid(p)) << p;
        ASSERT_EQ(TickDown(TickUp(p)), p) << p;
    }
}

TEST(RulesTest, PriceBandRoundsInwardToTheGrid) {
    // 70,000 × 30 % = 21,000: 49,000 (tick 50) and 91,000 (tick 100) are already on the grid.
    EXPECT_EQ(ComputePriceBand(70'000), (PriceBand{49'000, 91'000}));
    EXPECT_EQ(ComputeKrxPriceBand(70'000), (PriceBand{49'000, 91'000}));
    // 249,500 × 30 % = 74,850. Exact bounds 174,650 and 324,350, rounded inward on their own ticks (100 and
    // 500): 174,700 and 324,000.
    EXPECT_EQ(ComputePriceBand(249'500), (PriceBand{174'700, 324'000}));
    // KRX first truncates the width to the tick of 249,500 (500): 74,500, so 175,000 and 324,000.
    EXPECT_EQ(ComputeKrxPriceBand(249'500), (PriceBand{175'000, 324'000}));
    // 1,759,000 × 30 % = 527,700 → width 527,000 (tick 1,000): 1,232,000 … 2,286,000.
    EXPECT_EQ(ComputeKrxPriceBand(1'759'000), (PriceBand{1'232'000, 2'286'000}));
    // 36,200 × 30 % = 10,860 → width 10,850 (tick 50): 25,350 … 47,050.
    EXPECT_EQ(ComputeKrxPriceBand(36'200), (PriceBand{25'350, 47'050}));
    // 9,980 × 30 % = 2,994 → width 2,990 (tick 10): 6,990 … 12,970.
    EXPECT_EQ(ComputeKrxPriceBand(9'980), (PriceBand{6'990, 12'970}));
}

TEST(RulesTest, KrxBandIsOnGridWithinThirtyPercentAndNeverWiderThanTheRoundedBand) {
    for (Won close = 10; close <= 3'000'000; close = TickUp(close) + TickSize(close) * 3) {
        const PriceBand krx = ComputeKrxPriceBand(close);
        const PriceBand rounded = ComputePriceBand(close);
        ASSERT_TRUE(IsOnTickGrid(krx.lower) && IsOnTickGrid(krx.upper)) << close;
        ASSERT_GE(krx.lower * 10, close * 7) << close;
        ASSERT_LE(krx.upper * 10, close * 13) << close;
        ASSERT_GE(krx.lower, rounded.lower) << close;
        ASSERT_LE(krx.upper, rounded.upper) << close;
        ASSERT_TRUE(krx.Contains(close)) << close;
    }
}

TEST(RulesTest, FeesRoundDownToTheWon) {
    const FeeSchedule fees;
    EXPECT_EQ(fees.Commission(2'495'000), 374);  // 374.25
    EXPECT_EQ(fees.SellTax(2'495'000), 4'990);
}

// ---- Symbols and the universe ----

TEST(SymbolsTest, ExchangeNamesRoundTrip) {
    for (Exchange e : {Exchange::kKospi, Exchange::kKosdaq, Exchange::kKonex}) {
        auto parsed = ParseExchange(ExchangeName(e));
        ASSERT_TRUE(parsed.has_value());
        EXPECT_EQ(*parsed, e);
    }
    auto bad = ParseExchange("NASDAQ");
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(bad.error().message.find("NASDAQ"), std::string::npos);
    EXPECT_FALSE(ParseExchange("kospi").has_value());
}

TEST(SymbolsTest, ValidCodesAreSixDigitsOrCapitalLetters) {
    EXPECT_TRUE(IsValidCode("005930"));
    EXPECT_TRUE(IsValidCode("0126Z0"));
    EXPECT_FALSE(IsValidCode("05930"));
    EXPECT_FALSE(IsValidCode("0059300"));
    EXPECT_FALSE(IsValidCode("0126z0"));
    EXPECT_FALSE(IsValidCode("00593 "));
    EXPECT_FALSE(IsValidCode(""));
    EXPECT_FALSE(IsValidCode("삼성"));  // 6 bytes of UTF-8, not 6 code characters
}

TEST(SymbolsTest, DefaultUniverseHasTheOriginalFiveStocks) {
    const auto stocks = DefaultUniverse();
    ASSERT_EQ(stocks.size(), 5u);
    const std::vector<std::string> codes = {"000660", "005380", "005490", "005930", "035720"};
    const std::vector<Won> closes = {1'759'000, 401'000, 313'000, 249'500, 36'200};
    for (std::size_t i = 0; i < stocks.size(); ++i) {
        EXPECT_EQ(stocks[i].code, codes[i]);
        EXPECT_EQ(stocks[i].previous_close, closes[i]);
        EXPECT_TRUE(IsOnTickGrid(stocks[i].previous_close));
        EXPECT_EQ(stocks[i].market, Exchange::kKospi);
        EXPECT_FALSE(stocks[i].name_ko.empty());
        EXPECT_FALSE(stocks[i].name_en.empty());
        EXPECT_FALSE(stocks[i].sector.empty());
    }
    EXPECT_EQ(stocks[3].name_ko, "삼성전자");
    EXPECT_EQ(stocks[3].name_en, "Samsung Electronics");
    EXPECT_EQ(stocks[4].sector, "자료처리, 호스팅, 포털 및 기타 인터넷 정보매개 서비스업");
}

TEST(SymbolsTest, UniverseUpsertKeepsIdsAndUpdatesInPlace) {
    Universe u;
    std::vector<SymbolId> ids;
    for (auto& s : DefaultUniverse()) ids.push_back(u.Upsert(s).value());
    EXPECT_EQ(ids, (std::vector<SymbolId>{0, 1, 2, 3, 4}));
    EXPECT_EQ(u.size(), 5u);
    ASSERT_TRUE(u.Find("005930").has_value());
    EXPECT_EQ(*u.Find("005930"), 3u);
    EXPECT_FALSE(u.Find("999999").has_value());

    StockInfo updated = u.Get(3);
    updated.previous_close = 250'000;
    EXPECT_EQ(u.Upsert(updated).value(), 3u);
    EXPECT_EQ(u.size(), 5u);
    EXPECT_EQ(u.Get(3).previous_close, 250'000);

    EXPECT_EQ(u.Upsert(StockInfo{"0126Z0", "새종목", "", Exchange::kKosdaq, "", 1'000}).value(), 5u);
    EXPECT_EQ(*u.Find("0126Z0"), 5u);
}

// ---- Sessions ----

constexpr Date kWednesday{2026, 11, 25};
constexpr Date kFriday{2026, 11, 27};
constexpr Date kSaturday{2026, 11, 28};
constexpr Date kSunday{2026, 11, 29};
constexpr Date kMonday{2026, 11, 30};

TEST(SessionTest, KrxHoursSwitchAtTheExactMinute) {
    const MarketCalendar cal(SessionMode::kKrx);
    EXPECT_EQ(cal.StateAt(FromKst(kWednesday, 8, 59, 59)), SessionState::kClosed);
    EXPECT_EQ(cal.StateAt(FromKst(kWednesday, 8, 59)), SessionState::kClosed);
    EXPECT_EQ(cal.StateAt(FromKst(kWednesday, 9, 0)), SessionState::kContinuous);
    EXPECT_EQ(cal.StateAt(FromKst(kWednesday, 12, 0)), SessionState::kContinuous);
    EXPECT_EQ(cal.StateAt(FromKst(kWednesday, 15, 19, 59)), SessionState::kContinuous);
    EXPECT_EQ(cal.StateAt(FromKst(kWednesday, 15, 20)), SessionState::kClosingAuction);
    EXPECT_EQ(cal.StateAt(FromKst(kWednesday, 15, 29, 59)), SessionState::kClosingAuction);
    EXPECT_EQ(cal.StateAt(FromKst(kWednesday, 15, 30)), SessionState::kClosed);
    EXPECT_EQ(cal.StateAt(FromKst(kWednesday, 23, 59)), SessionState::kClosed);
    EXPECT_EQ(cal.StateAt(FromKst(kWednesday, 0, 0)), SessionState::kClosed);
    // One nanosecond before the open is still closed.
    EXPECT_EQ(cal.StateAt(FromKst(kWednesday, 9, 0) - 1), SessionState::kClosed);
}

TEST(SessionTest, KrxIsClosedAllDayOnWeekendsAndHolidays) {
    const MarketCalendar cal(SessionMode::kKrx, {Date{2026, 12, 25}});
    for (Date d : {kSaturday, kSunday, Date{2026, 12, 25}}) {
        EXPECT_FALSE(cal.IsTradingDay(d)) << FormatDate(d);
        for (int h = 0; h < 24; ++h) EXPECT_EQ(cal.StateAt(FromKst(d, h, 30)), SessionState::kClosed) << h;
    }
    EXPECT_TRUE(cal.IsTradingDay(kWednesday));
    EXPECT_TRUE(cal.IsTradingDay(Date{2026, 12, 24}));
    EXPECT_EQ(cal.StateAt(FromKst(Date{2026, 12, 24}, 10, 0)), SessionState::kContinuous);
}

TEST(SessionTest, AlwaysModeIsContinuousRoundTheClock) {
    const MarketCalendar cal(SessionMode::kAlways, {Date{2026, 12, 25}});
    EXPECT_EQ(cal.StateAt(FromKst(kWednesday, 3, 0)), SessionState::kContinuous);
    EXPECT_EQ(cal.StateAt(FromKst(kWednesday, 15, 25)), SessionState::kContinuous);
    EXPECT_EQ(cal.StateAt(FromKst(kSunday, 12, 0)), SessionState::kContinuous);
    EXPECT_EQ(cal.StateAt(FromKst(Date{2026, 12, 25}, 12, 0)), SessionState::kContinuous);
    EXPECT_EQ(cal.NextTransition(FromKst(kWednesday, 12, 0)), std::numeric_limits<Timestamp>::max());
    // The exchange calendar still holds for settlement dates.
    EXPECT_FALSE(cal.IsTradingDay(kSunday));
}

TEST(SessionTest, NextTransitionFindsTheNextBoundaryOfATradingDay) {
    const MarketCalendar cal(SessionMode::kKrx, {Date{2026, 12, 25}});
    EXPECT_EQ(cal.NextTransition(FromKst(kWednesday, 8, 0)), FromKst(kWednesday, 9, 0));
    EXPECT_EQ(cal.NextTransition(FromKst(kWednesday, 9, 0)), FromKst(kWednesday, 15, 20));
    EXPECT_EQ(cal.NextTransition(FromKst(kWednesday, 15, 20) - 1), FromKst(kWednesday, 15, 20));
    EXPECT_EQ(cal.NextTransition(FromKst(kWednesday, 15, 20)), FromKst(kWednesday, 15, 30));
    EXPECT_EQ(cal.NextTransition(FromKst(kWednesday, 15, 30)), FromKst(Date{2026, 11, 26}, 9, 0));
    // Friday's close → Monday's open, over the weekend.
    EXPECT_EQ(cal.NextTransition(FromKst(kFriday, 15, 30)), FromKst(kMonday, 9, 0));
    EXPECT_EQ(cal.NextTransition(FromKst(kSaturday, 11, 0)), FromKst(kMonday, 9, 0));
    // Christmas (a Friday) is a holiday: Thursday's close → Monday 28th.
    EXPECT_EQ(cal.NextTransition(FromKst(Date{2026, 12, 24}, 16, 0)), FromKst(Date{2026, 12, 28}, 9, 0));
}

TEST(SessionTest, StateIsConstantUntilNextTransitionAndChangesThere) {
    const MarketCalendar cal(SessionMode::kKrx, {Date{2026, 12, 25}, Date{2026, 12, 31}});
    Timestamp t = FromKst(Date{2026, 12, 20}, 0, 0);
    const Timestamp end = FromKst(Date{2027, 1, 10}, 0, 0);
    int transitions = 0;
    while (t < end) {
        const Timestamp next = cal.NextTransition(t);
        ASSERT_GT(next, t);
        const SessionState state = cal.StateAt(t);
        // Sample the interval: the state must not change before `next`.
        for (Timestamp probe = t; probe < next; probe += 7 * kNanosPerMinute) {
            ASSERT_EQ(cal.StateAt(probe), state) << FormatRfc3339(probe);
        }
        ASSERT_EQ(cal.StateAt(next - 1), state);
        ASSERT_NE(cal.StateAt(next), state) << FormatRfc3339(next);
        if (next < end) ++transitions;
        t = next;
    }
    // 13 trading days (Dec 21–24, Dec 28–30, Jan 1 (not configured as a holiday), Jan 4–8) × 3 boundaries.
    EXPECT_EQ(transitions, 39);
}

TEST(SessionTest, NextTradingDaySkipsWeekendsAndHolidays) {
    const MarketCalendar cal(SessionMode::kKrx, {Date{2026, 12, 25}, Date{2026, 12, 28}});
    EXPECT_EQ(cal.NextTradingDay(kWednesday), (Date{2026, 11, 26}));
    EXPECT_EQ(cal.NextTradingDay(kFriday), kMonday);
    EXPECT_EQ(cal.NextTradingDay(kSaturday), kMonday);
    EXPECT_EQ(cal.NextTradingDay(Date{2026, 12, 24}), (Date{2026, 12, 29}));
    EXPECT_EQ(cal.NextTradingDay(Date{2026, 12, 31}), (Date{2027, 1, 1}));  // not configured as a holiday
}

TEST(SessionTest, ParsesSessionModesAndRejectsOthersClearly) {
    EXPECT_EQ(ParseSessionMode("krx").value(), SessionMode::kKrx);
    EXPECT_EQ(ParseSessionMode("always").value(), SessionMode::kAlways);
    auto bad = ParseSessionMode("24h");
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(bad.error().message.find("'24h'"), std::string::npos);
    EXPECT_NE(bad.error().message.find("always"), std::string::npos);
    EXPECT_EQ(SessionStateName(SessionState::kClosed), "closed");
    EXPECT_EQ(SessionStateName(SessionState::kContinuous), "continuous");
    EXPECT_EQ(SessionStateName(SessionState::kClosingAuction), "closing_auction");
}

// ---- Bars ----

Tick MakeTick(SymbolId s, Timestamp ts, Won price, Qty volume) {
    Tick t;
    t.symbol = s;
    t.ts = ts;
    t.price = price;
    t.bid = price;
    t.ask = TickUp(price);
    t.volume = volume;
    return t;
}

const Timestamp kT0 = FromKst(kWednesday, 9, 0);

TEST(BarAggregatorTest, BuildsOhlcvWithinOneMinute) {
    BarAggregator agg;
    std::vector<Bar> done;
    agg.Add(MakeTick(3, kT0 + 1 * kNanosPerSecond, 249'500, 10), done);
    agg.Add(MakeTick(3, kT0 + 5 * kNanosPerSecond, 250'500, 20), done);
    agg.Add(MakeTick(3, kT0 + 20 * kNanosPerSecond, 248'000, 5), done);
    agg.Add(MakeTick(3, kT0 + 59 * kNanosPerSecond, 249'000, 7), done);
    EXPECT_TRUE(done.empty());
    const auto bar = agg.Current(3);
    ASSERT_TRUE(bar.has_value());
    EXPECT_EQ(*bar, (Bar{3, kT0, 60, 249'500, 250'500, 248'000, 249'000, 42, 4}));
    EXPECT_FALSE(agg.Current(4).has_value());
}

TEST(BarAggregatorTest, ATickInALaterMinuteCompletesThePreviousBar) {
    BarAggregator agg;
    std::vector<Bar> done;
    agg.Add(MakeTick(0, kT0 + 30 * kNanosPerSecond, 100'000, 1), done);
    agg.Add(MakeTick(0, kT0 + kNanosPerMinute, 100'100, 2), done);  // exactly 09:01:00 starts a new bar
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0], (Bar{0, kT0, 60, 100'000, 100'000, 100'000, 100'000, 1, 1}));
    // A gap of several minutes completes only the open bar; empty minutes produce nothing.
    agg.Add(MakeTick(0, kT0 + 5 * kNanosPerMinute + 1, 99'900, 3), done);
    ASSERT_EQ(done.size(), 2u);
    EXPECT_EQ(done[1].start, kT0 + kNanosPerMinute);
    EXPECT_EQ(done[1].close, 100'100);
    EXPECT_EQ(agg.Current(0)->start, kT0 + 5 * kNanosPerMinute);
}

TEST(BarAggregatorTest, KeepsSymbolsApart) {
    BarAggregator agg;
    std::vector<Bar> done;
    agg.Add(MakeTick(0, kT0, 1'000, 1), done);
    agg.Add(MakeTick(1, kT0, 2'000, 1), done);
    agg.Add(MakeTick(0, kT0 + kNanosPerMinute, 1'001, 1), done);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].symbol, 0u);
    EXPECT_EQ(agg.Current(1)->open, 2'000);
}

TEST(BarAggregatorTest, IgnoresAndCountsTicksOlderThanTheCurrentBar) {
    BarAggregator agg;
    std::vector<Bar> done;
    agg.Add(MakeTick(0, kT0 + kNanosPerMinute, 1'000, 1), done);
    agg.Add(MakeTick(0, kT0 + 59 * kNanosPerSecond, 5'000, 1), done);  // previous minute: late
    EXPECT_EQ(agg.ignored_out_of_order(), 1u);
    EXPECT_EQ(agg.Current(0)->high, 1'000);
    // Late but inside the open bar: counts for range and volume, does not move the close.
    agg.Add(MakeTick(0, kT0 + kNanosPerMinute + 30 * kNanosPerSecond, 1'010, 1), done);
    agg.Add(MakeTick(0, kT0 + kNanosPerMinute + 10 * kNanosPerSecond, 990, 1), done);
    const Bar bar = *agg.Current(0);
    EXPECT_EQ(bar.low, 990);
    EXPECT_EQ(bar.close, 1'010);
    EXPECT_EQ(bar.volume, 3);
    EXPECT_EQ(bar.trades, 3);
    EXPECT_TRUE(done.empty());

    agg.Add(MakeTick(kNoSymbol, kT0, 1'000, 1), done);
    agg.Add(MakeTick(0, kT0 + kNanosPerMinute, 0, 1), done);
    EXPECT_EQ(agg.ignored_invalid(), 2u);
}

TEST(BarAggregatorTest, FlushBeforeClosesOnlyBarsWhoseMinuteHasEnded) {
    BarAggregator agg;
    std::vector<Bar> done;
    agg.Add(MakeTick(1, kT0 + 10 * kNanosPerSecond, 1'000, 1), done);
    agg.Add(MakeTick(0, kT0 + kNanosPerMinute + 10 * kNanosPerSecond, 2'000, 1), done);
    agg.FlushBefore(kT0 + kNanosPerMinute - 1, done);
    EXPECT_TRUE(done.empty());
    agg.FlushBefore(kT0 + kNanosPerMinute, done);
    ASSERT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].symbol, 1u);
    EXPECT_FALSE(agg.Current(1).has_value());
    EXPECT_TRUE(agg.Current(0).has_value());
    // After a flush, a tick for the flushed minute is late.
    agg.Add(MakeTick(1, kT0 + 50 * kNanosPerSecond, 1'005, 1), done);
    EXPECT_EQ(agg.ignored_out_of_order(), 1u);
    EXPECT_FALSE(agg.Current(1).has_value());
    agg.FlushAll(done);
    ASSERT_EQ(done.size(), 2u);
    EXPECT_EQ(done[1].symbol, 0u);
}

TEST(BarAggregatorTest, AlignsBarsToKstMinutesAndRejectsBadIntervals) {
    BarAggregator five(300);
    std::vector<Bar> done;
    five.Add(MakeTick(0, FromKst(kWednesday, 9, 7, 31), 1'000, 1), done);
    EXPECT_EQ(five.Current(0)->start, FromKst(kWednesday, 9, 5));
    EXPECT_EQ(five.Current(0)->interval_s, 300);
    EXPECT_THROW(BarAggregator(0), std::invalid_argument);
    EXPECT_THROW(BarAggregator(-60), std::invalid_argument);
}

// ---- Price sources ----

TEST(SourceTest, ParsesSourceKindsAndTheNoneSourceYieldsNothing) {
    EXPECT_EQ(ParseSourceKind("simulator").value(), SourceKind::kSimulator);
    EXPECT_EQ(ParseSourceKind("none").value(), SourceKind::kNone);
    auto bad = ParseSourceKind("naver");
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().message.find("'naver'"), std::string::npos);
    EXPECT_EQ(SourceKindName(SourceKind::kSimulator), "simulator");
    NullSource none;
    PriceSource& src = none;
    EXPECT_TRUE(src.Poll(kT0).empty());
}

}  // namespace
}  // namespace ik::market
