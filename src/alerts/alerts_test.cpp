// The alert rules' parsing and the AlertIndex's crossing semantics.
#include <gtest/gtest.h>

#include "alerts/index.hpp"
#include "alerts/message.hpp"
#include "alerts/rules.hpp"

namespace ik::alerts {
namespace {

constexpr market::SymbolId kSamsung = 0;
constexpr market::SymbolId kKakao = 1;

market::Tick At(market::SymbolId s, Won price, Timestamp ts, Qty volume = 10) {
    return market::Tick{s, ts, price, price - 100, price + 100, volume};
}

Rule Price(AlertId id, Kind kind, Won level, Mode mode = Mode::kOnce) {
    Rule r;
    r.id = id;
    r.user = 7;
    r.symbol = kSamsung;
    r.kind = kind;
    r.level = level;
    r.mode = mode;
    return r;
}

std::vector<AlertId> Ids(const std::vector<Firing>& f) {
    std::vector<AlertId> out;
    for (const auto& x : f) out.push_back(x.id);
    return out;
}

// Ticks the index and returns the ids fired.
std::vector<AlertId> Tick(AlertIndex& index, Won price, Timestamp ts = 1, market::SymbolId s = kSamsung,
                          Qty volume = 10) {
    std::vector<Firing> fired;
    index.OnTick(At(s, price, ts, volume), fired);
    return Ids(fired);
}

TEST(AlertRules, KindsModesAndLevelsParseStrictly) {
    EXPECT_EQ(ParseKind("change_pct_at_or_below").value(), Kind::kChangePctAtOrBelow);
    EXPECT_FALSE(ParseKind("price_above").has_value());
    EXPECT_EQ(KindName(Kind::kVolumeAbove), "volume_above");
    EXPECT_EQ(ParseMode("repeat").value(), Mode::kRepeat);
    EXPECT_FALSE(ParseMode("twice").has_value());

    EXPECT_EQ(ParseLevel(Kind::kPriceAtOrAbove, "250000").value(), 250'000);
    EXPECT_EQ(ParseLevel(Kind::kChangePctAtOrAbove, "5.5").value(), 55'000);
    EXPECT_EQ(ParseLevel(Kind::kChangePctAtOrBelow, "-3.25").value(), -32'500);
    EXPECT_EQ(ParseLevel(Kind::kChangePctAtOrAbove, "0.0001").value(), 1);
    EXPECT_EQ(ParseLevel(Kind::kVolumeAbove, "1000000").value(), 1'000'000);
    for (const char* bad : {"", "0", "-5", "2.5", "1e6", " 100", "100 ", "+100", "100000001", "abc", "0x10"}) {
        EXPECT_FALSE(ParseLevel(Kind::kPriceAtOrAbove, bad).has_value()) << bad;
    }
    for (const char* bad : {"", "0", "-0", "5.", ".5", "5.12345", "1001", "-101", "5%", "5,5", "--5", "1e1"}) {
        EXPECT_FALSE(ParseLevel(Kind::kChangePctAtOrAbove, bad).has_value()) << bad;
    }
    EXPECT_FALSE(ParseLevel(Kind::kVolumeAbove, "1000000000001").has_value());
    EXPECT_EQ(FormatLevel(Kind::kChangePctAtOrAbove, 55'000), "5.5");
    EXPECT_EQ(FormatLevel(Kind::kChangePctAtOrBelow, -32'500), "-3.25");
    EXPECT_EQ(FormatLevel(Kind::kChangePctAtOrAbove, 100'000), "10");
    EXPECT_EQ(FormatLevel(Kind::kPriceAtOrAbove, 250'000), "250000");
}

TEST(AlertRules, ChangeLevelsAreExactPriceThresholds) {
    // +5 % of 249,500 = 261,975 exactly; +3 % = 256,985; −3.33 % = 241,191.65 → at or below: 241,191.
    EXPECT_EQ(ChangeLevelPrice(Kind::kChangePctAtOrAbove, 50'000, 249'500), 261'975);
    EXPECT_EQ(ChangeLevelPrice(Kind::kChangePctAtOrAbove, 33'333, 100'000), 103'334);  // 103,333.3 → up
    EXPECT_EQ(ChangeLevelPrice(Kind::kChangePctAtOrBelow, -33'300, 249'500), 241'191);
    EXPECT_EQ(ChangeLevelPrice(Kind::kChangePctAtOrBelow, -1'000'000, 249'500), 0);
}

TEST(AlertIndex, ARuleFiresWhenTheMarketReachesItFromTheOtherSideOnly) {
    AlertIndex index;
    index.SetLastPrice(kSamsung, 250'000);
    ASSERT_TRUE(index.Add(Price(1, Kind::kPriceAtOrAbove, 252'000)));  // above the market: waits for it
    ASSERT_TRUE(index.Add(Price(2, Kind::kPriceAtOrBelow, 248'000)));  // below the market: waits for it
    ASSERT_TRUE(index.Add(Price(3, Kind::kPriceAtOrAbove, 249'000)));  // already true: waits for a crossing
    EXPECT_TRUE(Tick(index, 251'500).empty());
    EXPECT_EQ(Tick(index, 252'000), (std::vector<AlertId>{1})) << "equality fires";
    EXPECT_FALSE(index.Contains(1)) << "once: disarmed";
    EXPECT_TRUE(Tick(index, 253'000).empty()) << "fired once only";
    EXPECT_TRUE(Tick(index, 248'500).empty());
    EXPECT_EQ(Tick(index, 249'000), (std::vector<AlertId>{3})) << "back through 249,000 from below";
    EXPECT_EQ(Tick(index, 247'000), (std::vector<AlertId>{2})) << "a gap through 248,000 fires";
    EXPECT_EQ(index.size(), 0U);
}

TEST(AlertIndex, AGapFiresEveryLevelItPassesNearestFirst) {
    AlertIndex index;
    index.SetLastPrice(kSamsung, 250'000);
    for (AlertId id = 1; id <= 5; ++id) {
        ASSERT_TRUE(index.Add(Price(id, Kind::kPriceAtOrBelow, 250'000 - static_cast<Won>(id) * 1'000)));
        ASSERT_TRUE(index.Add(Price(10 + id, Kind::kPriceAtOrAbove, 250'000 + static_cast<Won>(id) * 1'000)));
    }
    EXPECT_EQ(Tick(index, 246'500), (std::vector<AlertId>{1, 2, 3})) << "249,000 then 248,000 then 247,000";
    EXPECT_EQ(Tick(index, 253'000), (std::vector<AlertId>{11, 12, 13}));
    EXPECT_TRUE(Tick(index, 253'000).empty()) << "no move, nothing";
    EXPECT_EQ(index.size(), 4U);
}

TEST(AlertIndex, TheFirstTickOfAStockOnlySetsItsPrice) {
    AlertIndex index;
    ASSERT_TRUE(index.Add(Price(1, Kind::kPriceAtOrAbove, 100)));
    EXPECT_TRUE(Tick(index, 250'000).empty());
    EXPECT_TRUE(Tick(index, 90).empty());
    EXPECT_EQ(Tick(index, 100), (std::vector<AlertId>{1}));
}

TEST(AlertIndex, RepeatRulesFireAgainOnTheNextCrossingOutsideTheirCooldown) {
    AlertIndex index;
    index.SetLastPrice(kSamsung, 250'000);
    Rule r = Price(1, Kind::kPriceAtOrAbove, 251'000, Mode::kRepeat);
    r.cooldown_s = 60;
    ASSERT_TRUE(index.Add(r));
    const Timestamp s = kNanosPerSecond;
    EXPECT_EQ(Tick(index, 251'000, 10 * s), (std::vector<AlertId>{1}));
    EXPECT_TRUE(Tick(index, 250'000, 20 * s).empty());
    EXPECT_TRUE(Tick(index, 251'000, 30 * s).empty()) << "within the cooldown: skipped";
    EXPECT_TRUE(Tick(index, 252'000, 80 * s).empty()) << "skipped, not postponed: no new crossing";
    EXPECT_TRUE(Tick(index, 250'500, 90 * s).empty());
    EXPECT_EQ(Tick(index, 251'000, 95 * s), (std::vector<AlertId>{1})) << "the next crossing after it";
    EXPECT_TRUE(index.Contains(1));
}

TEST(AlertIndex, ExpiredRulesNeitherFireNorStay) {
    AlertIndex index;
    index.SetLastPrice(kSamsung, 250'000);
    Rule r = Price(1, Kind::kPriceAtOrAbove, 251'000, Mode::kRepeat);
    r.expires_at = 100;
    ASSERT_TRUE(index.Add(r));
    EXPECT_TRUE(Tick(index, 252'000, 100).empty()) << "at its expiry";
    EXPECT_FALSE(index.Contains(1));
}

TEST(AlertIndex, ChangeRulesFollowThePreviousCloseAndVolumeRulesTheDaysVolume) {
    AlertIndex index;
    Rule up = Price(1, Kind::kChangePctAtOrAbove, 50'000);  // +5 %
    EXPECT_FALSE(index.Add(up).has_value()) << "no close yet";
    index.SetPreviousClose(kSamsung, 249'500);
    index.SetLastPrice(kSamsung, 250'000);
    ASSERT_TRUE(index.Add(up));
    Rule down = Price(2, Kind::kChangePctAtOrBelow, -30'000);  // −3 % = 242,015
    ASSERT_TRUE(index.Add(down));
    Rule volume = Price(3, Kind::kVolumeAbove, 1'000);
    ASSERT_TRUE(index.Add(volume));
    EXPECT_TRUE(Tick(index, 261'970, 1, kSamsung, 600).empty()) << "+4.998 %";
    EXPECT_EQ(Tick(index, 261'975, 2, kSamsung, 400), (std::vector<AlertId>{1})) << "+5 % exactly; volume 1,000";
    EXPECT_EQ(Tick(index, 261'900, 3, kSamsung, 1), (std::vector<AlertId>{3})) << "volume 1,001 > 1,000";
    // A new day with a new close moves the −3 % level: 240,000 × 0.97 = 232,800.
    index.SetPreviousClose(kSamsung, 240'000);
    index.StartDay();
    EXPECT_TRUE(Tick(index, 240'000, 4).empty()) << "P0 261,900 → 240,000 passes the old level only";
    EXPECT_EQ(Tick(index, 232'800, 5), (std::vector<AlertId>{2}));
    EXPECT_EQ(index.size(), 0U);
}

TEST(AlertIndex, RulesAreAddedAndRemovedByIdAndStocksAreApart) {
    AlertIndex index;
    index.SetLastPrice(kSamsung, 250'000);
    index.SetLastPrice(kKakao, 50'000);
    Rule kakao = Price(1, Kind::kPriceAtOrAbove, 51'000);
    kakao.symbol = kKakao;
    ASSERT_TRUE(index.Add(kakao));
    ASSERT_TRUE(index.Add(Price(2, Kind::kPriceAtOrAbove, 251'000)));
    EXPECT_EQ(index.Add(Price(2, Kind::kPriceAtOrAbove, 260'000)).error().code, ErrorCode::kAlreadyExists);
    Rule far = Price(3, Kind::kPriceAtOrAbove, 251'000);
    far.symbol = 1'000'000;
    EXPECT_FALSE(index.Add(far).has_value()) << "not a stock id";
    EXPECT_TRUE(index.Remove(2));
    EXPECT_FALSE(index.Remove(2));
    EXPECT_TRUE(Tick(index, 252'000).empty()) << "removed";
    EXPECT_TRUE(Tick(index, 51'000, 1, kKakao).size() == 1);
    std::vector<Firing> none;
    index.OnTick(market::Tick{4'000'000'000U, 1, 100, 0, 0, 1}, none);  // hostile id: ignored, nothing allocated
    EXPECT_TRUE(none.empty());
}

TEST(AlertIndex, AStocksStateIsKeptAcrossARestoreAndEachStockStartsItsOwnDay) {
    AlertIndex index;
    index.SetPreviousClose(kSamsung, 250'000);
    Rule vol = Price(1, Kind::kVolumeAbove, 25);
    ASSERT_TRUE(index.Add(vol));
    EXPECT_TRUE(Tick(index, 250'000, 1, kSamsung, 10).empty()) << "the first tick's volume counts";
    EXPECT_TRUE(Tick(index, 250'500, 2, kSamsung, 10).empty());
    const AlertIndex::StockState state = index.State(kSamsung);
    EXPECT_EQ(state.last, 250'500);
    EXPECT_EQ(state.previous_close, 250'000);
    EXPECT_EQ(state.day_volume, 20);

    // After a restart: the same state, the same decision.
    AlertIndex again;
    again.Restore(kSamsung, state);
    ASSERT_TRUE(again.Add(vol));
    Rule up = Price(2, Kind::kChangePctAtOrAbove, 10'000);  // +1 % of 250,000 = 252,500
    ASSERT_TRUE(again.Add(up));
    EXPECT_EQ(Tick(again, 250'500, 3, kSamsung, 10), (std::vector<AlertId>{1})) << "20 + 10 > 25";
    // A new day for Samsung: its volume restarts and the last trade becomes the previous close.
    again.StartDay(kSamsung, 260'000);
    EXPECT_EQ(again.State(kSamsung).day_volume, 0);
    EXPECT_TRUE(Tick(again, 262'000, 4).empty()) << "+1 % of 260,000 is 262,600 now";
    EXPECT_EQ(Tick(again, 262'600, 5), (std::vector<AlertId>{2}));
    EXPECT_EQ(again.State(kKakao).last, 0) << "an unknown stock has no state";
}

Firing Fired(Kind kind, Won price, Qty day_volume = 0) {
    Firing f;
    f.kind = kind;
    f.price = price;
    f.day_volume = day_volume;
    f.ts = FromKst(Date{2026, 11, 26}, 9, 31, 2);
    return f;
}

TEST(AlertMessage, TheKoreanTemplateIsTheOriginalSmsAndEnglishSaysTheSame) {
    EXPECT_EQ(AlertMessage(Fired(Kind::kPriceAtOrAbove, 71'000), "삼성전자", 70'000, Language::kKorean),
              "[내일은 투자왕:09:31]삼성전자 71,000원입니다.");
    EXPECT_EQ(AlertMessage(Fired(Kind::kPriceAtOrBelow, 1'234'000), "Samsung Electronics", 0, Language::kEnglish),
              "[InvestKing 09:31 KST] Samsung Electronics is at 1,234,000 KRW.");
    EXPECT_EQ(AlertMessage(Fired(Kind::kChangePctAtOrAbove, 73'584), "삼성전자", 70'000, Language::kKorean),
              "[내일은 투자왕:09:31]삼성전자 73,584원입니다. (전일 대비 +5.12%)");
    EXPECT_EQ(AlertMessage(Fired(Kind::kChangePctAtOrBelow, 67'900), "Samsung", 70'000, Language::kEnglish),
              "[InvestKing 09:31 KST] Samsung is at 67,900 KRW. (-3.00% from the previous close)");
    EXPECT_EQ(AlertMessage(Fired(Kind::kChangePctAtOrBelow, 69'996), "Samsung", 70'000, Language::kEnglish),
              "[InvestKing 09:31 KST] Samsung is at 69,996 KRW. (-0.01% from the previous close)")
        << "-0.0057 % rounds half away from zero to -0.01";
    EXPECT_EQ(AlertMessage(Fired(Kind::kVolumeAbove, 71'000, 1'234'567), "삼성전자", 0, Language::kKorean),
              "[내일은 투자왕:09:31]삼성전자 거래량 1,234,567주, 71,000원입니다.");
    EXPECT_EQ(ParseLanguage("en").value(), Language::kEnglish);
    EXPECT_FALSE(ParseLanguage("EN").has_value());
}

}  // namespace
}  // namespace ik::alerts
