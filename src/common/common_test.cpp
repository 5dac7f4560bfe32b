#include <gtest/gtest.h>

#include "common/money.hpp"
#include "common/time.hpp"

namespace ik {

TEST(MoneyTest, AppliesRatesRoundingDownToTheWon) {
    EXPECT_EQ(ApplyPpmFloor(701'000, 150), 105);  // 105.15 → 105
    EXPECT_EQ(ApplyPpmFloor(6'666, 150), 0);
    EXPECT_EQ(ApplyPpmFloor(1'000'000, 2'000), 2'000);
    EXPECT_EQ(ApplyPpmFloor(kMaxWon, 2'000), kMaxWon / 500);
}

TEST(MoneyTest, RejectsOverflowingNotional) {
    EXPECT_EQ(CheckedNotional(70'000, 10), 700'000);
    EXPECT_FALSE(CheckedNotional(1'000'000'000, 9'000'000'000LL).has_value());
    EXPECT_FALSE(CheckedNotional(-1, 10).has_value());
}

TEST(MoneyTest, FormatsWithThousandsSeparators) {
    EXPECT_EQ(FormatWon(0), "0");
    EXPECT_EQ(FormatWon(999), "999");
    EXPECT_EQ(FormatWon(1000), "1,000");
    EXPECT_EQ(FormatWon(10'000'000), "10,000,000");
    EXPECT_EQ(FormatWon(-1'234'567), "-1,234,567");
}

TEST(TimeTest, ConvertsCivilDatesBothWays) {
    EXPECT_EQ(DaysFromCivil({1970, 1, 1}), 0);
    EXPECT_EQ(CivilFromDays(DaysFromCivil({2026, 11, 25})), (Date{2026, 11, 25}));
    EXPECT_EQ(Weekday({2026, 11, 25}), 3);  // Wednesday
    EXPECT_EQ(Weekday({1970, 1, 1}), 4);   // Thursday
}

TEST(TimeTest, KstIsUtcPlusNine) {
    const Timestamp open = FromKst({2026, 11, 25}, 9, 0);
    EXPECT_EQ(FormatRfc3339(open), "2026-11-25T00:00:00.000000Z");
    const KstTime k = ToKst(open);
    EXPECT_EQ(k.date, (Date{2026, 11, 25}));
    EXPECT_EQ(k.minute_of_day, 9 * 60);
}

TEST(TimeTest, ParsesRfc3339WithOffsetsAndFractions) {
    auto t = ParseRfc3339("2026-11-25T09:00:00+09:00");
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(*t, FromKst({2026, 11, 25}, 9, 0));
    auto f = ParseRfc3339("2026-11-25T00:00:00.5Z");
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(*f - *t, kNanosPerSecond / 2);
    EXPECT_FALSE(ParseRfc3339("2026-13-25T00:00:00Z").has_value());
    EXPECT_FALSE(ParseRfc3339("yesterday").has_value());
}

TEST(TimeTest, RejectsImpossibleDates) {
    EXPECT_FALSE(ParseDate("2026-02-29").has_value());
    EXPECT_TRUE(ParseDate("2028-02-29").has_value());
    EXPECT_FALSE(ParseDate("2026-1-01").has_value());
}

}  // namespace ik
