#include "bus/topics.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace ik::bus {
namespace {

namespace json = boost::json;

// 2021-04-26 16:00:30 KST = 07:00:30Z
constexpr Timestamp kTs = 1'619'420'430'000'000'000LL;

TEST(StockInfos, KeepsTheOriginalThreeFieldsAndAddsOurs) {
    const market::Tick t{3, kTs, 71'000, 70'900, 71'100, 1'234};
    const std::string text = EncodeStockInfo("005930", t);
    const json::value v = json::parse(text);
    const auto& schema = v.at("schema").as_object();
    EXPECT_EQ(schema.at("type"), "struct");
    EXPECT_EQ(schema.at("name"), "stockinfos");
    const auto& fields = schema.at("fields").as_array();
    ASSERT_GE(fields.size(), 3U);
    // The original's fields first, with the original's types (a Kafka Connect JDBC sink maps them as before).
    EXPECT_EQ(fields[0].at("field"), "stock_id");
    EXPECT_EQ(fields[0].at("type"), "int32");
    EXPECT_EQ(fields[1].at("field"), "trade_price");
    EXPECT_EQ(fields[1].at("type"), "int32");
    EXPECT_EQ(fields[2].at("field"), "updated_time");
    EXPECT_EQ(fields[2].at("type"), "string");
    const auto& payload = v.at("payload").as_object();
    EXPECT_EQ(payload.at("stock_id").as_int64(), 3);
    EXPECT_EQ(payload.at("trade_price").as_int64(), 71'000);
    EXPECT_EQ(payload.at("updated_time"), "2021-04-26-16-00");
    // Every payload field is declared in the schema, and the other way round.
    EXPECT_EQ(fields.size(), payload.size());
    for (const auto& f : fields) EXPECT_TRUE(payload.contains(f.at("field").as_string())) << f;

    auto back = DecodeStockInfo(text);
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(back->code, "005930");
    EXPECT_EQ(back->tick.symbol, 3U);
    EXPECT_EQ(back->tick.ts, kTs);
    EXPECT_EQ(back->tick.price, 71'000);
    EXPECT_EQ(back->tick.bid, 70'900);
    EXPECT_EQ(back->tick.ask, 71'100);
    EXPECT_EQ(back->tick.volume, 1'234);
}

TEST(StockInfos, RefusesAnythingElseSayingWhy) {
    const std::string original =
        R"({"schema":{"type":"struct","name":"stockinfos","fields":[{"type":"int32","field":"stock_id"},{"type":"int32","field":"trade_price"},{"type":"string","field":"updated_time"}]},"payload":{"stock_id":1,"trade_price":71000,"updated_time":"2021-04-26-16-00"}})";
    EXPECT_NE(DecodeStockInfo(original).error().message.find("symbol"), std::string::npos) << "the original's has no symbol";
    const std::string good = EncodeStockInfo("005930", {3, kTs, 71'000, 0, 0, 1});
    for (const std::string& bad : {std::string(""), std::string("[]"), std::string("{\"payload\":{}}"),
                                   std::string(R"({"schema":{"name":"stocks"},"payload":{}})"),
                                   std::string(good.substr(0, good.size() - 2)),
                                   std::string(R"({"schema":{"name":"stockinfos"},"payload":{"symbol":"../etc","stock_id":1}})")}) {
        auto r = DecodeStockInfo(bad);
        ASSERT_FALSE(r.has_value()) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    }
    json::value v = json::parse(good);
    v.at("payload").as_object()["price"] = -5;
    EXPECT_FALSE(DecodeStockInfo(json::serialize(v)).has_value());
    v.at("payload").as_object()["price"] = "71000";
    EXPECT_FALSE(DecodeStockInfo(json::serialize(v)).has_value());
}

TEST(Stocks, RoundTripsAListingAndRefusesABrokenOne) {
    StockMessage m{4, {"005930", "삼성전자", "Samsung Electronics", market::Exchange::kKospi, "전기전자", 249'500},
                   market::ListingStatus::kHalted};
    const std::string text = EncodeStock(m);
    const json::value v = json::parse(text);
    EXPECT_EQ(v.at("schema").at("name"), "stocks");
    EXPECT_EQ(v.at("payload").at("stock_name"), "삼성전자");
    EXPECT_EQ(v.at("payload").at("stock_code"), "005930");
    auto back = DecodeStock(text);
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(back->id, 4U);
    EXPECT_EQ(back->stock.name_en, "Samsung Electronics");
    EXPECT_EQ(back->stock.sector, "전기전자");
    EXPECT_EQ(back->stock.previous_close, 249'500);
    EXPECT_EQ(back->status, market::ListingStatus::kHalted);
    json::value broken = v;
    broken.at("payload").as_object()["stock_code"] = "5930";
    EXPECT_EQ(DecodeStock(json::serialize(broken)).error().code, ErrorCode::kInvalidArgument);
    broken = v;
    broken.at("payload").as_object()["market"] = "NYSE";
    EXPECT_FALSE(DecodeStock(json::serialize(broken)).has_value());
}

}  // namespace
}  // namespace ik::bus
