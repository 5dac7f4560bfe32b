// The JSON writers: escaping, the text sink against boost::json's serializer, the order shape written both
// ways, and the hand-written id and time formats against their printf definitions.
#include "gateway/alpaca_json.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "common/time.hpp"
#include "gateway/api_support.hpp"

namespace ik::gateway {
namespace {

namespace json = boost::json;

TEST(AlpacaJsonTest, EscapesStringsAsJsonRequires) {
    const std::string samples[] = {"", "plain", "quote \" and \\ backslash", "tab\tnew\nline\rcr", std::string("nul\0x", 5),
                                   "\x01\x1f\x7f", "한글 삼성전자", "\b\f"};
    for (const auto& s : samples) {
        std::string out;
        AppendJsonString(out, s);
        EXPECT_EQ(json::parse(out).as_string(), s) << out;
        EXPECT_EQ(out, json::serialize(json::value(s))) << "same text as boost::json";
    }
}

TEST(AlpacaJsonTest, TextSinkWritesWhatTheObjectSinkBuilds) {
    auto fill = [](FieldSink& s) {
        s.String("a", "x\"y");
        s.Null("b");
        s.Bool("c", true);
        s.Bool("d", false);
        s.Int("e", -9007199254740993LL);
        s.Int("f", 0);
        s.String("key \"odd\"", "v");
    };
    json::object object;
    ObjectSink to_object(object);
    fill(to_object);
    std::string text;
    TextSink to_text(text);
    fill(to_text);
    to_text.Close();
    EXPECT_EQ(text, json::serialize(object));
    std::string empty;
    TextSink none(empty);
    none.Close();
    EXPECT_EQ(empty, "{}");
}

TEST(AlpacaJsonTest, OrderTextEqualsTheSerializedOrderObject) {
    market::Universe universe;
    ASSERT_TRUE(universe.Upsert(market::StockInfo{"005930", "삼성전자", "Samsung Electronics"}).has_value());
    trading::Order o;
    o.id = 42;
    o.account = 7;
    o.symbol = 0;
    o.qty = 10;
    o.created_at = 1'764'028'800'123'456'789;
    o.updated_at = o.created_at + 5'000;
    const auto text_of = [&](const trading::Order& order) { return OrderToJsonText(order, universe); };
    const auto object_of = [&](const trading::Order& order) { return json::serialize(OrderToJson(order, universe)); };
    EXPECT_EQ(text_of(o), object_of(o));
    o.status = trading::OrderStatus::kFilled;
    o.filled_qty = 3;
    o.filled_notional = 3 * 250'000 + 1;
    o.type = trading::OrderType::kStopLimit;
    o.limit_price = 251'000;
    o.stop_price = 250'500;
    o.client_order_id = "mine \"quoted\" \\ id";
    o.replaces = 41;
    EXPECT_EQ(text_of(o), object_of(o));
    o.status = trading::OrderStatus::kReplaced;
    o.replaced_by = 43;
    o.side = trading::Side::kSell;
    o.symbol = 99;  // not in the universe: empty symbol, still well-formed
    EXPECT_EQ(text_of(o), object_of(o));
    const auto parsed = json::parse(text_of(o)).as_object();
    EXPECT_EQ(parsed.at("client_order_id"), json::value("mine \"quoted\" \\ id"));
    EXPECT_EQ(parsed.at("replaced_by"), json::value(IdToUuid(IdKind::kOrder, 43)));
    EXPECT_EQ(parsed.size(), 33u);
}

TEST(AlpacaJsonTest, UuidsFollowTheirPrintfDefinitionAndRoundTrip) {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 2000; ++i) {
        const std::uint64_t id = i < 3 ? ((std::uint64_t{1} << 60) - 1) >> (i * 20) : rng() >> 4;  // ids have 60 bits
        const auto kind = static_cast<IdKind>(1 + i % 5);
        char expected[40];
        std::snprintf(expected, sizeof expected, "%08x-0000-4000-8%03llx-%012llx", static_cast<unsigned>(kind),
                      static_cast<unsigned long long>((id >> 48) & 0xfff), static_cast<unsigned long long>(id & 0xffffffffffffULL));
        ASSERT_EQ(IdToUuid(kind, id), expected);
        ASSERT_EQ(UuidToId(kind, expected), id);
    }
    EXPECT_EQ(IdToUuid(IdKind::kOrder, 1), "00000001-0000-4000-8000-000000000001");
}

TEST(AlpacaJsonTest, TimesFollowTheirPrintfDefinition) {
    std::mt19937_64 rng(11);
    for (int i = 0; i < 5000; ++i) {
        // 1970 to 2200, nanosecond resolution; the first few at the edges of the range and of a day.
        Timestamp ts = static_cast<Timestamp>(rng() % (230ULL * 365 * kNanosPerDay));
        if (i == 0) ts = 0;
        if (i == 1) ts = kNanosPerDay - 1;
        if (i == 2) ts = -1;
        const std::int64_t days = ts >= 0 ? ts / kNanosPerDay : (ts - kNanosPerDay + 1) / kNanosPerDay;
        const std::int64_t rem = ts - days * kNanosPerDay;
        const Date d = CivilFromDays(days);
        const std::int64_t secs = rem / kNanosPerSecond;
        char expected[48];
        std::snprintf(expected, sizeof expected, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", d.year, d.month, d.day,
                      static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60),
                      static_cast<long long>((rem % kNanosPerSecond) / 1000));
        ASSERT_EQ(FormatRfc3339(ts), expected) << ts;
        ASSERT_EQ(*ParseRfc3339(expected) / 1000, ts >= 0 ? ts / 1000 : (ts - 999) / 1000) << expected;
    }
}

}  // namespace
}  // namespace ik::gateway
