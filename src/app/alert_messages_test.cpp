// The distributed mode's alert messages: they round-trip, and hostile input is refused without an exception.
#include "app/alert_messages.hpp"

#include <gtest/gtest.h>

namespace ik::app {
namespace {

TEST(AlertMessages, ChangesAndNotificationsRoundTripAndHostileInputIsRefused) {
    market::Universe universe;
    for (const auto& info : market::DefaultUniverse()) ASSERT_TRUE(universe.Upsert(info));
    auto change = DecodeAlertChange(EncodeAlertChange({7, 42}));
    ASSERT_TRUE(change.has_value()) << change.error().message;
    EXPECT_EQ(change->user_id, 7);
    EXPECT_EQ(change->alert_id, 42U);

    storage::NotificationRecord n;
    n.id = 9;
    n.user_id = 7;
    n.alert_id = 42;
    n.symbol = universe.Find("005930").value();
    n.price = 252'500;
    n.message = "[내일은 투자왕:09:31]삼성전자 252,500원입니다.";
    n.channels = alerts::kInApp | alerts::kWebhook;
    n.fired_at = 1'000;
    n.created_at = 2'000;
    auto back = DecodeNotification(EncodeNotification(n, universe), universe);
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_EQ(back->id, 9);
    EXPECT_EQ(back->symbol, n.symbol);
    EXPECT_EQ(back->message, n.message);
    EXPECT_EQ(back->channels, n.channels);
    EXPECT_EQ(back->fired_at, 1'000);

    for (const char* bad : {"", "[]", "{", "{\"v\":2,\"user_id\":1,\"alert_id\":1}", "{\"v\":1,\"user_id\":0,\"alert_id\":1}",
                            "{\"v\":1,\"user_id\":1,\"alert_id\":-1}", "{\"v\":1,\"user_id\":\"1\",\"alert_id\":1}",
                            "{\"v\":1,\"user_id\":1.5,\"alert_id\":1}"}) {
        auto r = DecodeAlertChange(bad);
        ASSERT_FALSE(r.has_value()) << bad;
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
    }
    std::string unknown = EncodeNotification(n, universe);
    unknown.replace(unknown.find("005930"), 6, "999999");
    EXPECT_EQ(DecodeNotification(unknown, universe).error().code, ErrorCode::kNotFound);
    std::string negative = EncodeNotification(n, universe);
    negative.replace(negative.find("252500"), 6, "-25250");
    EXPECT_EQ(DecodeNotification(negative, universe).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(DecodeNotification(std::string(70'000, ' '), universe).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace ik::app
