// End-to-end tests of the HTTP APIs against the real binary on a free loopback port: sign-up to leaderboard,
// every order type and time in force with prices forced by injected ticks (cash, fees and tax checked to the
// won), isolation between users, hostile input, and concurrent buys that exceed the cash.
#include <algorithm>
#include <atomic>
#include <iterator>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <mutex>

#include "auth/jwt.hpp"
#include "integration/api_server.hpp"

namespace ik::testing {
namespace {

namespace json = boost::json;

constexpr const char* kSamsung = "005930";  // previous close 249,500: band 175,000 … 324,000, tick 500

// KRX fees as configured by default: commission 150 ppm each side, sell tax 2,000 ppm, both rounded down.
long Commission(long notional) { return notional * 150 / 1'000'000; }
long Tax(long notional) { return notional * 2'000 / 1'000'000; }

json::object Order(const std::string& side, long qty, const std::string& type, const std::string& tif) {
    return {{"symbol", kSamsung}, {"qty", qty}, {"side", side}, {"type", type}, {"time_in_force", tif}};
}

class ApiTest : public ::testing::Test {
protected:
    void SetUp() override { server_ = std::make_unique<ApiServer>(); }
    HttpClient& http() { return server_->client(); }
    json::value Account(const ApiUser& u) {
        auto r = http().Get("/v2/account", u.key());
        EXPECT_EQ(r.status, 200) << r.body;
        return r.json();
    }
    std::unique_ptr<ApiServer> server_;
};

TEST_F(ApiTest, EveryOrderTypeFillsCancelsAndReplacesWithFeesAndTaxToTheWon) {
    ApiUser a, b;
    ASSERT_NO_FATAL_FAILURE(server_->SignUp("alice", a));
    ASSERT_NO_FATAL_FAILURE(server_->SignUp("bob", b));
    EXPECT_EQ(Field(Account(a), "cash"), "10000000");
    ASSERT_EQ(server_->Tick(kSamsung, 250'000, 1'000), 200);  // bid 249,500, ask 250,500
    long cash = 10'000'000;

    // Market, day: fills at the ask.
    auto market = http().Post("/v2/orders", Order("buy", 10, "market", "day"), a.key());
    ASSERT_EQ(market.status, 200) << market.body;
    EXPECT_EQ(Field(market.json(), "status"), "filled");
    EXPECT_EQ(Field(market.json(), "filled_avg_price"), "250500.00");
    cash -= 2'505'000 + Commission(2'505'000);
    EXPECT_EQ(Field(Account(a), "cash"), std::to_string(cash));

    // Limit, gtc: rests below the ask and holds price × qty + commission.
    auto limit_body = Order("buy", 5, "limit", "gtc");
    limit_body["limit_price"] = "249000";
    limit_body["client_order_id"] = "a-limit-1";
    auto limit = http().Post("/v2/orders", limit_body, a.key());
    ASSERT_EQ(limit.status, 200) << limit.body;
    EXPECT_EQ(Field(limit.json(), "status"), "new");
    EXPECT_EQ(Field(limit.json(), "client_order_id"), "a-limit-1");
    const std::string limit_id = Field(limit.json(), "id");
    EXPECT_EQ(Field(Account(a), "buying_power"), std::to_string(cash - 1'245'000 - Commission(1'245'000)));

    // A tick at the limit with 3 shares of volume: a partial fill.
    ASSERT_EQ(server_->Tick(kSamsung, 249'000, 3, 248'500, 249'000), 200);
    cash -= 747'000 + Commission(747'000);
    auto partial = http().Get("/v2/orders:by_client_order_id?client_order_id=a-limit-1", a.key());
    ASSERT_EQ(partial.status, 200) << partial.body;
    EXPECT_EQ(Field(partial.json(), "status"), "partially_filled");
    EXPECT_EQ(Field(partial.json(), "filled_qty"), "3");
    EXPECT_EQ(Field(Account(a), "cash"), std::to_string(cash));

    // Replace the rest (2 shares at 248,500), then cancel the replacement.
    auto replaced = http().Send("PATCH", "/v2/orders/" + limit_id, R"({"qty":2,"limit_price":"248500"})", a.key());
    ASSERT_EQ(replaced.status, 200) << replaced.body;
    EXPECT_EQ(Field(replaced.json(), "replaces"), limit_id);
    EXPECT_EQ(Field(replaced.json(), "qty"), "2");
    EXPECT_EQ(Field(replaced.json(), "limit_price"), "248500");
    const std::string replacement_id = Field(replaced.json(), "id");
    EXPECT_EQ(Field(http().Get("/v2/orders/" + limit_id, a.key()).json(), "status"), "replaced");
    EXPECT_EQ(http().Send("DELETE", "/v2/orders/" + replacement_id, "", a.key()).status, 204);
    EXPECT_EQ(Field(http().Get("/v2/orders/" + replacement_id, a.key()).json(), "status"), "canceled");
    EXPECT_EQ(http().Send("DELETE", "/v2/orders/" + replacement_id, "", a.key()).status, 422) << "not cancelable twice";
    EXPECT_EQ(Field(Account(a), "buying_power"), std::to_string(cash)) << "the reservation is released";

    // Stop sell, day: triggers at 245,000 and sells at the bid, paying commission and tax.
    auto stop_body = Order("sell", 5, "stop", "day");
    stop_body["stop_price"] = 245000;
    auto stop = http().Post("/v2/orders", stop_body, a.key());
    ASSERT_EQ(stop.status, 200) << stop.body;
    EXPECT_EQ(Field(stop.json(), "status"), "new");
    auto pos = http().Get("/v2/positions/005930", a.key());
    EXPECT_EQ(Field(pos.json(), "qty"), "13");
    EXPECT_EQ(Field(pos.json(), "qty_available"), "8");
    ASSERT_EQ(server_->Tick(kSamsung, 245'000, 1'000, 244'500, 245'500), 200);
    EXPECT_EQ(Field(http().Get("/v2/orders/" + Field(stop.json(), "id"), a.key()).json(), "status"), "filled");
    cash += 1'222'500 - Commission(1'222'500) - Tax(1'222'500);
    EXPECT_EQ(Field(Account(a), "cash"), std::to_string(cash));
    const long cost_13 = 2'505'000 + 747'000;
    const long cost_sold = cost_13 * 5 / 13;
    pos = http().Get("/v2/positions/005930", a.key());
    EXPECT_EQ(Field(pos.json(), "realized_pl"),
              std::to_string(1'222'500 - cost_sold - Commission(1'222'500) - Tax(1'222'500)));
    long cost_basis = cost_13 - cost_sold;
    EXPECT_EQ(Field(pos.json(), "cost_basis"), std::to_string(cost_basis));

    // Stop-limit, gtc: triggers at 246,000 and buys at the ask inside its limit.
    auto stop_limit_body = Order("buy", 1, "stop_limit", "gtc");
    stop_limit_body["stop_price"] = "246000";
    stop_limit_body["limit_price"] = "247000";
    auto stop_limit = http().Post("/v2/orders", stop_limit_body, a.key());
    ASSERT_EQ(stop_limit.status, 200) << stop_limit.body;
    ASSERT_EQ(server_->Tick(kSamsung, 246'000, 100, 245'500, 246'500), 200);
    EXPECT_EQ(Field(http().Get("/v2/orders/" + Field(stop_limit.json(), "id"), a.key()).json(), "status"), "filled");
    cash -= 246'500 + Commission(246'500);
    cost_basis += 246'500;

    // IOC below the ask: canceled without a fill. FOK at the ask with enough volume: filled completely.
    auto ioc_body = Order("buy", 2, "limit", "ioc");
    ioc_body["limit_price"] = 245000;
    auto ioc = http().Post("/v2/orders", ioc_body, a.key());
    ASSERT_EQ(ioc.status, 200) << ioc.body;
    EXPECT_EQ(Field(ioc.json(), "status"), "canceled");
    EXPECT_EQ(Field(ioc.json(), "filled_qty"), "0");
    auto fok_body = Order("buy", 2, "limit", "fok");
    fok_body["limit_price"] = 246500;
    auto fok = http().Post("/v2/orders", fok_body, a.key());
    ASSERT_EQ(fok.status, 200) << fok.body;
    EXPECT_EQ(Field(fok.json(), "status"), "filled");
    cash -= 493'000 + Commission(493'000);
    cost_basis += 493'000;

    // More than the cash can buy: 403 with Alpaca's code, nothing placed.
    auto too_big = http().Post("/v2/orders", Order("buy", 1000, "market", "day"), a.key());
    EXPECT_EQ(too_big.status, 403) << too_big.body;
    EXPECT_EQ(Field(too_big.json(), "code"), "40310000");

    auto account = Account(a);
    EXPECT_EQ(Field(account, "cash"), std::to_string(cash));
    EXPECT_EQ(Field(account, "buying_power"), std::to_string(cash));
    EXPECT_EQ(Field(account, "long_market_value"), std::to_string(11 * 246'000));
    EXPECT_EQ(Field(account, "equity"), std::to_string(cash + 11 * 246'000));
    pos = http().Get("/v2/positions/005930", a.key());
    EXPECT_EQ(Field(pos.json(), "qty"), "11");
    EXPECT_EQ(Field(pos.json(), "cost_basis"), std::to_string(cost_basis));
    EXPECT_EQ(Field(pos.json(), "unrealized_pl"), std::to_string(11 * 246'000 - cost_basis));

    auto all = http().Get("/v2/orders?status=all&direction=asc", a.key());
    ASSERT_EQ(all.status, 200);
    EXPECT_EQ(all.json().as_array().size(), 7u);  // market, limit, replacement, stop, stop-limit, ioc, fok; refusals leave none
    EXPECT_EQ(http().Get("/v2/orders", a.key()).json().as_array().size(), 0u) << "no open orders left";

    // Top-up: a deposit that is not return. Alice's time-weighted return stays her trading loss.
    auto topup = http().Post("/api/v1/account/topup", {{"amount", 5'000'000}}, a.bearer());
    ASSERT_EQ(topup.status, 200) << topup.body;
    EXPECT_EQ(Field(topup.json(), "cash"), std::to_string(cash + 5'000'000));
    const long equity_before = cash + 11 * 246'000;
    auto board = http().Get("/api/v1/leaderboard");
    ASSERT_EQ(board.status, 200) << board.body;
    int alice_rank = 0, bob_rank = 0;
    const json::value board_json = board.json();
    for (const auto& e : board_json.at("entries").as_array()) {
        if (Field(e, "username") == "alice") {
            alice_rank = std::stoi(Field(e, "rank"));
            // (equity_before / 10,000,000 − 1) × 100, to two places.
            const long basis_points = (equity_before - 10'000'000) * 10'000 / 10'000'000;
            EXPECT_EQ(Field(e, "return_pct"), "-0." + std::to_string(-basis_points)) << board.body;
            EXPECT_EQ(Field(e, "equity"), std::to_string(equity_before + 5'000'000));
            EXPECT_EQ(Field(e, "trades"), "5");
        }
        if (Field(e, "username") == "bob") bob_rank = std::stoi(Field(e, "rank"));
    }
    EXPECT_GT(alice_rank, bob_rank) << "bob (0%) ranks above alice (a loss)";
    EXPECT_GT(bob_rank, 0);
    // Everything happened today: undoing today's fills and deposits must give back an empty account, so the
    // day's and week's returns equal the all-time one.
    for (const char* period : {"day", "week", "month"}) {
        auto r = http().Get(std::string("/api/v1/leaderboard?period=") + period);
        ASSERT_EQ(r.status, 200) << r.body;
        const json::value j = r.json();
        bool found = false;
        for (const auto& e : j.at("entries").as_array()) {
            if (Field(e, "username") != "alice") continue;
            found = true;
            const long basis_points = (equity_before - 10'000'000) * 10'000 / 10'000'000;
            EXPECT_EQ(Field(e, "return_pct"), "-0." + std::to_string(-basis_points)) << period << ": " << r.body;
        }
        EXPECT_TRUE(found) << period;
    }
    EXPECT_EQ(http().Get("/api/v1/leaderboard?period=decade").status, 422);

    // Bob sees none of alice's things.
    for (const auto& id : {limit_id, replacement_id}) {
        EXPECT_EQ(http().Get("/v2/orders/" + id, b.key()).status, 404);
        EXPECT_EQ(http().Send("DELETE", "/v2/orders/" + id, "", b.key()).status, 404);
        EXPECT_EQ(http().Send("PATCH", "/v2/orders/" + id, R"({"qty":1})", b.key()).status, 404);
    }
    EXPECT_EQ(http().Get("/v2/orders:by_client_order_id?client_order_id=a-limit-1", b.key()).status, 404);
    EXPECT_EQ(http().Send("DELETE", "/api/v1/keys/" + a.key_id, "", b.bearer()).status, 404);
    auto list = http().Post("/v2/watchlists", {{"name", "chips"}, {"symbols", json::array{kSamsung}}}, a.key());
    ASSERT_EQ(list.status, 200) << list.body;
    const std::string list_id = Field(list.json(), "id");
    EXPECT_EQ(http().Get("/v2/watchlists/" + list_id, b.key()).status, 404);
    EXPECT_EQ(http().Send("DELETE", "/v2/watchlists/" + list_id, "", b.key()).status, 404);
    EXPECT_EQ(http().Get("/v2/watchlists/" + list_id, a.key()).status, 200) << "still there for alice";
    EXPECT_EQ(http().Get("/v2/positions/005930", b.key()).status, 404);
    EXPECT_EQ(http().Get("/v2/orders?status=all", b.key()).json().as_array().size(), 0u);

    ASSERT_EQ(server_->Stop(), 0);
    // The access log is written in blocks and flushed at the stop: every request has its line (by route
    // pattern, not by id), and no credential ever appears in the log.
    const std::string log = server_->log();
    EXPECT_NE(log.find("module=access method=GET route=/v2/orders/{order_id} status=404"), std::string::npos);
    EXPECT_NE(log.find("module=access method=DELETE route=/v2/watchlists/{id} status=404"), std::string::npos);
    for (const std::string& secret : {a.secret, b.secret, a.access_token, b.refresh_token}) {
        EXPECT_EQ(log.find(secret), std::string::npos) << "a credential in the log";
    }
    auto verify = RunCli({"verify", "--data-dir", server_->data_dir()});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

TEST_F(ApiTest, TokensRotateAndAStolenRefreshTokenEndsTheFamily) {
    ApiUser a, b;
    ASSERT_NO_FATAL_FAILURE(server_->SignUp("carol", a));
    ASSERT_NO_FATAL_FAILURE(server_->SignUp("dave", b));
    auto me = http().Get("/api/v1/me", a.bearer());
    ASSERT_EQ(me.status, 200) << me.body;
    EXPECT_EQ(Field(me.json(), "username"), "carol");

    auto first = http().Post("/api/v1/auth/refresh", {{"refresh_token", a.refresh_token}});
    ASSERT_EQ(first.status, 200) << first.body;
    const std::string second_token = Field(first.json(), "refresh_token");
    EXPECT_NE(second_token, a.refresh_token);
    // Reusing the old one is refused and revokes its successor too.
    EXPECT_EQ(http().Post("/api/v1/auth/refresh", {{"refresh_token", a.refresh_token}}).status, 401);
    EXPECT_EQ(http().Post("/api/v1/auth/refresh", {{"refresh_token", second_token}}).status, 401);

    // Logout with another user's refresh token: refused, and that token keeps working.
    EXPECT_EQ(http().Post("/api/v1/auth/logout", {{"refresh_token", b.refresh_token}}, a.bearer()).status, 404);
    auto still = http().Post("/api/v1/auth/refresh", {{"refresh_token", b.refresh_token}});
    ASSERT_EQ(still.status, 200);
    const std::string b_token = Field(still.json(), "refresh_token");
    EXPECT_EQ(http().Post("/api/v1/auth/logout", {{"refresh_token", b_token}}, b.bearer()).status, 204);
    EXPECT_EQ(http().Post("/api/v1/auth/refresh", {{"refresh_token", b_token}}).status, 401);

    // Keys: listed without secrets, revoked keys stop working at once.
    auto keys = http().Get("/api/v1/keys", a.bearer());
    ASSERT_EQ(keys.status, 200);
    EXPECT_EQ(keys.body.find(a.secret), std::string::npos);
    EXPECT_EQ(http().Get("/v2/account", a.key()).status, 200);
    EXPECT_EQ(http().Post("/api/v1/keys", json::object{}, a.key()).status, 403) << "a key cannot mint keys";
    EXPECT_EQ(http().Send("DELETE", "/api/v1/keys/" + a.key_id, "", a.bearer()).status, 204);
    EXPECT_EQ(http().Get("/v2/account", a.key()).status, 401);

    // Password guessing: five failures, then 429 with Retry-After even for the right password.
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(http().Post("/api/v1/auth/login", {{"username", "dave"}, {"password", "wrong-guess"}}).status, 401);
    }
    auto throttled = http().Post("/api/v1/auth/login", {{"username", "dave"}, {"password", "pw-dave-secret"}});
    EXPECT_EQ(throttled.status, 429) << throttled.body;
    EXPECT_FALSE(throttled.headers["retry-after"].empty());
}

// Hostile requests: each gets the expected 4xx, nothing is written, the server stays up.
TEST_F(ApiTest, HostileRequestsGetClearClientErrorsAndChangeNothing) {
    ApiUser a, b;
    ASSERT_NO_FATAL_FAILURE(server_->SignUp("erin", a));
    ASSERT_NO_FATAL_FAILURE(server_->SignUp("frank", b));
    ASSERT_EQ(server_->Tick(kSamsung, 250'000, 1'000), 200);
    auto own = http().Post("/v2/orders", json::object{{"symbol", kSamsung}, {"qty", 1}, {"side", "buy"}, {"type", "limit"}, {"time_in_force", "gtc"}, {"limit_price", 200000}}, a.key());
    ASSERT_EQ(own.status, 200) << own.body;
    const std::string own_id = Field(own.json(), "id");
    const std::string before_account = Field(Account(a), "cash") + "/" + Field(Account(a), "buying_power");

    // A token signed with the server's own key but already expired, and one with alg none.
    const std::string key = ReadFile(server_->data_dir() + "/jwt.key");
    const std::int64_t now_s = std::time(nullptr);
    const std::string expired = auth::SignJwt({"2", "user", "access", "x", now_s - 7200, now_s - 3600}, key);
    const std::string wrong_key = auth::SignJwt({"2", "user", "access", "x", now_s, now_s + 600}, "k" + key);
    const std::string header_none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";  // {"alg":"none","typ":"JWT"}
    const std::string payload = a.access_token.substr(a.access_token.find('.') + 1,
                                                      a.access_token.rfind('.') - a.access_token.find('.') - 1);
    const std::string alg_none = header_none + "." + payload + ".";
    const std::string tampered = a.access_token.substr(0, a.access_token.size() - 2) +
                                 (a.access_token.back() == 'A' ? "BB" : "AA");

    struct Case {
        const char* name;
        std::string method, target, body;
        Headers headers;
        int status;
    };
    const Headers k = a.key();
    auto with = [](Headers h, const std::string& name, const std::string& value) {
        h[name] = value;
        return h;
    };
    const std::string order = "/v2/orders";
    auto body = [](const std::string& extra) {
        return R"({"symbol":"005930","side":"buy","type":"limit","time_in_force":"day")" + extra + "}";
    };
    const std::vector<Case> cases = {
        {"empty body", "POST", order, "", k, 400},
        {"malformed json", "POST", order, "{", k, 400},
        {"truncated json", "POST", order, R"({"symbol":"005930","qty":)", k, 400},
        {"json array", "POST", order, "[1,2]", k, 400},
        {"json string", "POST", order, R"("buy")", k, 400},
        {"invalid utf-8", "POST", order, "{\"symbol\":\"\xff\xfe\"}", k, 400},
        {"trailing garbage", "POST", order, body(R"(,"qty":1,"limit_price":250000)") + "x", k, 400},
        {"deep nesting", "POST", order, std::string(100, '[') + std::string(100, ']'), k, 400},
        {"non-json content type", "POST", order, body(R"(,"qty":1,"limit_price":250000)"), with(k, "Content-Type", "text/plain"), 400},
        {"qty as bool", "POST", order, body(R"(,"qty":true,"limit_price":250000)"), k, 422},
        {"qty as object", "POST", order, body(R"(,"qty":{},"limit_price":250000)"), k, 422},
        {"qty negative", "POST", order, body(R"(,"qty":-5,"limit_price":250000)"), k, 422},
        {"qty zero", "POST", order, body(R"(,"qty":0,"limit_price":250000)"), k, 422},
        {"qty fraction", "POST", order, body(R"(,"qty":1.5,"limit_price":250000)"), k, 422},
        {"qty string fraction", "POST", order, body(R"(,"qty":"1.5","limit_price":250000)"), k, 422},
        {"qty overflow", "POST", order, body(R"(,"qty":99999999999999999999999,"limit_price":250000)"), k, 422},
        {"qty huge", "POST", order, body(R"(,"qty":"9223372036854775808","limit_price":250000)"), k, 422},
        {"qty exponent", "POST", order, body(R"(,"qty":"1e3","limit_price":250000)"), k, 422},
        {"qty hex", "POST", order, body(R"(,"qty":"0x10","limit_price":250000)"), k, 422},
        {"qty missing", "POST", order, body(R"(,"limit_price":250000)"), k, 422},
        {"price negative", "POST", order, body(R"(,"qty":1,"limit_price":-250000)"), k, 422},
        {"price zero", "POST", order, body(R"(,"qty":1,"limit_price":0)"), k, 422},
        {"price fraction", "POST", order, body(R"(,"qty":1,"limit_price":"250000.5")"), k, 422},
        {"price overflow", "POST", order, body(R"(,"qty":1,"limit_price":1e300)"), k, 422},
        {"price NaN text", "POST", order, body(R"(,"qty":1,"limit_price":"NaN")"), k, 422},
        {"price off tick", "POST", order, body(R"(,"qty":1,"limit_price":250100)"), k, 422},
        {"price above band", "POST", order, body(R"(,"qty":1,"limit_price":400000)"), k, 422},
        {"price below band", "POST", order, body(R"(,"qty":1,"limit_price":100000)"), k, 422},
        {"limit missing", "POST", order, body(R"(,"qty":1)"), k, 422},
        {"stop on a limit", "POST", order, body(R"(,"qty":1,"limit_price":250000,"stop_price":240000)"), k, 422},
        {"unknown symbol", "POST", order, R"({"symbol":"999999","qty":1,"side":"buy","type":"market","time_in_force":"day"})", k, 422},
        {"sql in symbol", "POST", order, R"({"symbol":"005930' OR '1'='1","qty":1,"side":"buy","type":"market","time_in_force":"day"})", k, 422},
        {"sql in client id", "GET", "/v2/orders:by_client_order_id?client_order_id=x'%20OR%201=1--", "", k, 404},
        {"unknown field", "POST", order, body(R"(,"qty":1,"limit_price":250000,"leverage":10)"), k, 422},
        {"bad side", "POST", order, R"({"symbol":"005930","qty":1,"side":"short","type":"market","time_in_force":"day"})", k, 422},
        {"bad type", "POST", order, R"({"symbol":"005930","qty":1,"side":"buy","type":"trailing_stop","time_in_force":"day"})", k, 422},
        {"bad tif", "POST", order, R"({"symbol":"005930","qty":1,"side":"buy","type":"market","time_in_force":"opg"})", k, 422},
        {"notional", "POST", order, R"({"symbol":"005930","notional":100000,"side":"buy","type":"market","time_in_force":"day"})", k, 422},
        {"bracket", "POST", order, body(R"(,"qty":1,"limit_price":250000,"order_class":"bracket")"), k, 422},
        {"client id too long", "POST", order, body(R"(,"qty":1,"limit_price":250000,"client_order_id":")" + std::string(200, 'x') + "\""), k, 422},
        {"client id reserved prefix", "POST", order, body(R"(,"qty":1,"limit_price":250000,"client_order_id":"ik-1")"), k, 422},
        {"oversell", "POST", order, R"({"symbol":"005930","qty":5,"side":"sell","type":"market","time_in_force":"day"})", k, 403},
        {"no credentials", "GET", "/v2/account", "", {}, 401},
        {"wrong secret", "GET", "/v2/account", "", with(k, "APCA-API-SECRET-KEY", "nope"), 401},
        {"unknown key", "GET", "/v2/account", "", {{"APCA-API-KEY-ID", "PKNOSUCHKEY000000000"}, {"APCA-API-SECRET-KEY", "x"}}, 401},
        {"jwt alg none", "GET", "/v2/account", "", {{"Authorization", "Bearer " + alg_none}}, 401},
        {"jwt wrong signature", "GET", "/v2/account", "", {{"Authorization", "Bearer " + tampered}}, 401},
        {"jwt other key", "GET", "/v2/account", "", {{"Authorization", "Bearer " + wrong_key}}, 401},
        {"jwt expired", "GET", "/v2/account", "", {{"Authorization", "Bearer " + expired}}, 401},
        {"jwt garbage", "GET", "/v2/account", "", {{"Authorization", "Bearer a.b.c"}}, 401},
        {"basic auth", "GET", "/v2/account", "", {{"Authorization", "Basic YTpi"}}, 401},
        {"other user's refresh token", "POST", "/api/v1/auth/logout", R"({"refresh_token":")" + b.refresh_token + "\"}", a.bearer(), 404},
        {"bogus refresh token", "POST", "/api/v1/auth/refresh", R"({"refresh_token":"nope"})", {}, 401},
        {"order id not a uuid", "GET", "/v2/orders/123", "", k, 404},
        {"order id unknown", "GET", "/v2/orders/00000001-0000-4000-8000-0000000fffff", "", k, 404},
        {"cancel other's order", "DELETE", "/v2/orders/" + own_id, "", b.key(), 404},
        {"replace with negative qty", "PATCH", "/v2/orders/" + own_id, R"({"qty":-1})", k, 422},
        {"replace with unknown field", "PATCH", "/v2/orders/" + own_id, R"({"side":"sell"})", k, 422},
        {"topup zero", "POST", "/api/v1/account/topup", R"({"amount":0})", a.bearer(), 422},
        {"topup negative", "POST", "/api/v1/account/topup", R"({"amount":-100})", a.bearer(), 422},
        {"topup over the cap", "POST", "/api/v1/account/topup", R"({"amount":100000000000})", a.bearer(), 422},
        {"topup text", "POST", "/api/v1/account/topup", R"({"amount":"lots"})", a.bearer(), 422},
        {"signup short password", "POST", "/api/v1/auth/signup", R"({"username":"mallory","password":"short"})", {}, 422},
        {"signup bad username", "POST", "/api/v1/auth/signup", R"({"username":"x'; DROP TABLE users;--","password":"password123"})", {}, 422},
        {"signup taken", "POST", "/api/v1/auth/signup", R"({"username":"erin","password":"password123"})", {}, 409},
        {"signup bad email", "POST", "/api/v1/auth/signup", R"({"username":"mallory","password":"password123","email":"nope"})", {}, 422},
        {"login wrong password", "POST", "/api/v1/auth/login", R"({"username":"erin","password":"wrong-password"})", {}, 401},
        {"inject as user", "POST", "/api/v1/admin/ticks", R"({"symbol":"005930","price":250000})", a.bearer(), 403},
        {"bad limit query", "GET", "/v2/orders?limit=-1", "", k, 422},
        {"bad status query", "GET", "/v2/orders?status=weird", "", k, 422},
        {"bad percent escape", "GET", "/v2/orders?symbols=%zz", "", k, 400},
        {"close position not held", "DELETE", "/v2/positions/000660", "", k, 404},
        {"unknown route", "GET", "/v2/nothing", "", k, 404},
        {"wrong method", "PUT", "/v2/account", "", k, 405},
    };
    ASSERT_GE(cases.size(), 50u);
    for (const auto& c : cases) {
        auto r = http().Send(c.method, c.target, c.body, c.headers);
        EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
        if (r.status >= 400) {
            EXPECT_FALSE(Field(r.json(), "message").empty()) << c.name << " has no message: " << r.body;
            EXPECT_FALSE(Field(r.json(), "code").empty()) << c.name << " has no code: " << r.body;
        }
    }
    // Huge bodies and headers, and a broken request line.
    EXPECT_EQ(http().Raw("POST /v2/orders HTTP/1.1\r\nHost: x\r\nContent-Length: 2097152\r\n\r\n").status, 413);
    EXPECT_EQ(http().Send("GET", "/v2/account", "", with(k, "X-Big", std::string(20 * 1024, 'h'))).status, 431);
    EXPECT_EQ(http().Raw("NOT-HTTP\r\n\r\n").status, 400);

    EXPECT_EQ(Field(Account(a), "cash") + "/" + Field(Account(a), "buying_power"), before_account) << "nothing written";
    EXPECT_EQ(http().Get("/v2/orders?status=all", a.key()).json().as_array().size(), 1u);
    EXPECT_EQ(http().Get("/v2/orders?status=all", b.key()).json().as_array().size(), 0u);
    EXPECT_EQ(http().Get("/healthz").status, 200) << "the server stays up";
    EXPECT_TRUE(server_->running());
}

// 200 buys at once whose total exceeds the cash: no overdraft, and what was accepted is exactly what is held.
TEST_F(ApiTest, ConcurrentBuysBeyondTheCashNeverOverdraw) {
    ApiUser a;
    ASSERT_NO_FATAL_FAILURE(server_->SignUp("grace", a));
    ASSERT_EQ(server_->Tick(kSamsung, 250'000, 1'000), 200);
    constexpr int kOrders = 200;
    constexpr int kThreads = 8;
    std::atomic<int> accepted{0}, refused{0}, other{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            HttpClient client(server_->port());
            for (int i = t; i < kOrders; i += kThreads) {
                auto r = client.Post("/v2/orders", json::object{{"symbol", kSamsung}, {"qty", 1}, {"side", "buy"}, {"type", "limit"}, {"time_in_force", "gtc"}, {"limit_price", 249000}}, a.key());
                if (r.status == 200) {
                    ++accepted;
                } else if (r.status == 403) {
                    ++refused;
                } else {
                    ++other;
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    const long hold = 249'000 + Commission(249'000);
    EXPECT_EQ(accepted.load(), 10'000'000 / hold);
    EXPECT_EQ(refused.load(), kOrders - accepted.load());
    EXPECT_EQ(other.load(), 0);
    auto account = Account(a);
    EXPECT_EQ(Field(account, "cash"), "10000000");
    EXPECT_EQ(Field(account, "reserved_cash"), std::to_string(accepted.load() * hold));
    EXPECT_GE(std::stol(Field(account, "buying_power")), 0);
    EXPECT_EQ(http().Get("/v2/orders?limit=500", a.key()).json().as_array().size(), static_cast<std::size_t>(accepted.load()));
    ASSERT_EQ(server_->Stop(), 0);
    auto verify = RunCli({"verify", "--data-dir", server_->data_dir()});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

TEST_F(ApiTest, MarketDataFollowsInjectedTicksWithAlpacasShapesAndPaging) {
    ApiUser a;
    ASSERT_NO_FATAL_FAILURE(server_->SignUp("heidi", a));
    ASSERT_EQ(server_->Tick(kSamsung, 250'000, 10), 200);
    ASSERT_EQ(server_->Tick(kSamsung, 251'000, 20), 200);
    ASSERT_EQ(server_->Tick(kSamsung, 249'000, 30, 248'500, 249'500), 200);

    auto latest = http().Get("/v2/stocks/trades/latest?symbols=005930", a.key());
    ASSERT_EQ(latest.status, 200) << latest.body;
    const json::value latest_json = latest.json();
    EXPECT_EQ(Field(latest_json.at("trades").at(kSamsung), "p"), "249000");
    EXPECT_EQ(Field(latest_json.at("trades").at(kSamsung), "s"), "30");
    EXPECT_FALSE(latest_json.as_object().contains("next_page_token")) << "latest answers are never paged";
    auto quote = http().Get("/v2/stocks/quotes/latest?symbols=005930", a.key()).json();
    EXPECT_EQ(Field(quote.at("quotes").at(kSamsung), "bp"), "248500");
    EXPECT_EQ(Field(quote.at("quotes").at(kSamsung), "ap"), "249500");

    // Paging: one trade per page, in time order, until next_page_token is null.
    std::vector<std::string> prices;
    std::string token;
    for (int page = 0; page < 10; ++page) {
        std::string target = "/v2/stocks/trades?symbols=005930&limit=1&start=2000-01-01T00%3A00%3A00%2B00%3A00";
        if (!token.empty()) target += "&page_token=" + token;
        auto r = http().Get(target, a.key());
        ASSERT_EQ(r.status, 200) << r.body;
        const json::value j = r.json();
        for (const auto& t : j.at("trades").at(kSamsung).as_array()) prices.push_back(Field(t, "p"));
        token = Field(j, "next_page_token");
        if (token.empty()) break;
    }
    EXPECT_EQ(prices, (std::vector<std::string>{"250000", "251000", "249000"}));

    auto bars = http().Get("/v2/stocks/bars?symbols=005930&timeframe=1Min&start=2000-01-01", a.key());
    ASSERT_EQ(bars.status, 200) << bars.body;
    const json::value bars_json = bars.json();
    long volume = 0;
    std::string high;
    for (const auto& b : bars_json.at("bars").at(kSamsung).as_array()) {
        volume += std::stol(Field(b, "v"));
        EXPECT_TRUE(b.as_object().contains("n") && b.as_object().contains("vw"));
    }
    EXPECT_EQ(volume, 60) << bars.body;

    auto snap = http().Get("/v2/stocks/snapshots?symbols=005930,000660", a.key());
    ASSERT_EQ(snap.status, 200) << snap.body;
    const json::value snap_json = snap.json();
    EXPECT_EQ(Field(snap_json.at(kSamsung).at("latestTrade"), "p"), "249000");
    EXPECT_EQ(Field(snap_json.at(kSamsung).at("dailyBar"), "h"), "251000");
    EXPECT_EQ(Field(snap_json.at(kSamsung).at("dailyBar"), "v"), "60");
    EXPECT_TRUE(snap_json.at("000660").at("latestTrade").is_null()) << "no tick yet for SK hynix";

    EXPECT_EQ(http().Get("/v2/stocks/bars?symbols=005930&timeframe=7Fortnight", a.key()).status, 400);
    EXPECT_EQ(http().Get("/v2/stocks/bars?symbols=NOPE&timeframe=1Min", a.key()).status, 400);
    EXPECT_EQ(http().Get("/v2/stocks/trades?symbols=005930&limit=0", a.key()).status, 400);
    EXPECT_EQ(http().Get("/v2/stocks/trades?symbols=005930&page_token=%%%", a.key()).status, 400);
    EXPECT_EQ(http().Get("/v2/stocks/trades/latest?symbols=005930").status, 401);
}

TEST_F(ApiTest, ActivitiesPortfolioHistoryAndMetricsAccountForEveryWon) {
    ApiUser a;
    ASSERT_NO_FATAL_FAILURE(server_->SignUp("judy", a));
    ASSERT_EQ(server_->Tick(kSamsung, 250'000, 1'000), 200);
    ASSERT_EQ(http().Post("/v2/orders", Order("buy", 4, "market", "day"), a.key()).status, 200);
    ASSERT_EQ(http().Post("/v2/orders", Order("sell", 1, "market", "day"), a.key()).status, 200);
    ASSERT_EQ(http().Post("/api/v1/account/topup", {{"amount", 1'000'000}}, a.bearer()).status, 200);

    auto all = http().Get("/v2/account/activities?direction=asc", a.key());
    ASSERT_EQ(all.status, 200) << all.body;
    const json::value list = all.json();
    ASSERT_EQ(list.as_array().size(), 4u) << all.body;  // opening deposit, buy, sell, top-up
    EXPECT_EQ(Field(list.at(0), "activity_type"), "CSD");
    EXPECT_EQ(Field(list.at(0), "net_amount"), "10000000");
    EXPECT_EQ(Field(list.at(1), "activity_type"), "FILL");
    EXPECT_EQ(Field(list.at(1), "price"), "250500");
    EXPECT_EQ(Field(list.at(1), "commission"), std::to_string(Commission(1'002'000)));
    EXPECT_EQ(Field(list.at(2), "side"), "sell");
    EXPECT_EQ(Field(list.at(2), "tax"), std::to_string(Tax(249'500)));
    EXPECT_EQ(Field(list.at(3), "description"), "top-up");
    // Paging by the id of the last item, one at a time, gives the same four.
    std::vector<std::string> ids;
    std::string token;
    for (int i = 0; i < 6; ++i) {
        auto page = http().Get("/v2/account/activities?direction=asc&page_size=1" + (token.empty() ? "" : "&page_token=" + token), a.key());
        ASSERT_EQ(page.status, 200) << page.body;
        const json::value p = page.json();
        if (p.as_array().empty()) break;
        token = Field(p.at(0), "id");
        ids.push_back(token);
    }
    ASSERT_EQ(ids.size(), 4u);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(ids[i], Field(list.at(i), "id"));
    EXPECT_EQ(http().Get("/v2/account/activities/FILL", a.key()).json().as_array().size(), 2u);

    auto history = http().Get("/v2/account/portfolio/history?period=1D&timeframe=1Min", a.key());
    ASSERT_EQ(history.status, 200) << history.body;
    const json::value h = history.json();
    const auto& equity = h.at("equity").as_array();
    ASSERT_FALSE(equity.empty());
    // Marked at the last trade (250,000): the same equity the account reports.
    EXPECT_EQ(boost::json::serialize(equity.back()), Field(Account(a), "equity")) << history.body;
    EXPECT_EQ(h.at("timestamp").as_array().size(), equity.size());

    auto metrics = http().Get("/metrics");
    ASSERT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.body.find("investking_http_requests_total{route=\"/v2/orders\",method=\"POST\",status=\"200\"} 2"), std::string::npos)
        << metrics.body;
    EXPECT_NE(metrics.body.find("investking_fills_total 2"), std::string::npos);
    EXPECT_NE(metrics.body.find("investking_http_request_duration_seconds_bucket{route=\"/v2/account\",le=\"+Inf\"}"), std::string::npos);
    EXPECT_NE(metrics.body.find("investking_engine_queue_depth"), std::string::npos);
    EXPECT_NE(metrics.body.find("investking_commit_batch_events_count"), std::string::npos);
}

// SIGTERM under load: in-flight requests are answered, and every order acknowledged with 200 is on disk.
TEST_F(ApiTest, SigtermUnderLoadKeepsEveryAcknowledgedOrder) {
    ApiUser a;
    ASSERT_NO_FATAL_FAILURE(server_->SignUp("kim", a));
    ASSERT_EQ(server_->Tick(kSamsung, 250'000, 1'000), 200);
    std::mutex mutex;
    std::vector<std::string> acked;
    std::atomic<bool> stop{false};
    std::atomic<int> others{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            try {
                HttpClient client(server_->port());
                for (int i = 0; !stop.load(); ++i) {
                    const std::string id = "g-" + std::to_string(t) + "-" + std::to_string(i);
                    auto r = client.Post("/v2/orders", json::object{{"symbol", kSamsung}, {"qty", 1}, {"side", "buy"}, {"type", "limit"}, {"time_in_force", "gtc"}, {"limit_price", 200000}, {"client_order_id", id}}, a.key());
                    if (r.status == 200) {
                        std::lock_guard lock(mutex);
                        acked.push_back(id);
                    } else if (r.status != 403 && r.status != 503) {
                        ++others;
                    }
                }
            } catch (const std::exception&) {
                // The server closed the connection while stopping.
            }
        });
    }
    // 40 resting buys hold most of the 10,000,000 won; later ones are refused (403) until the server stops.
    const bool loaded = WaitFor(
        [&] {
            std::lock_guard lock(mutex);
            return acked.size() >= 40;
        },
        std::chrono::seconds(60));
    EXPECT_EQ(server_->Stop(), 0) << "a clean exit";
    stop = true;
    for (auto& th : threads) th.join();
    ASSERT_TRUE(loaded);
    EXPECT_EQ(others.load(), 0);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2((server_->data_dir() + "/service.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM orders WHERE client_order_id = ?1", -1, &st, nullptr), SQLITE_OK);
    std::size_t missing = 0;
    for (const auto& id : acked) {
        sqlite3_bind_text(st, 1, id.c_str(), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int(st, 0) != 1) ++missing;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    EXPECT_EQ(missing, 0u) << "of " << acked.size() << " acknowledged orders";
    auto verify = RunCli({"verify", "--data-dir", server_->data_dir()});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

// The OpenAPI document served by the binary lists exactly the routes the server has.
// The rules a client prices an order with, without signing in: the configured fees and band width.
TEST_F(ApiTest, MarketRulesTellTheFeesAndTheBandWithoutSigningIn) {
    auto r = http().Get("/api/v1/market");
    ASSERT_EQ(r.status, 200) << r.body;
    const json::value j = r.json();
    EXPECT_EQ(Field(j, "commission_ppm"), "150");
    EXPECT_EQ(Field(j, "sell_tax_ppm"), "2000");
    EXPECT_EQ(Field(j, "price_limit_ppm"), "300000");
    EXPECT_EQ(Field(j, "currency"), "KRW");
    EXPECT_EQ(Field(j, "session"), "continuous") << "the test server's sessions are always open";
    EXPECT_TRUE(ParseRfc3339(Field(j, "timestamp")).has_value());
}

TEST_F(ApiTest, OpenApiDocumentMatchesTheRoutesThatExist) {
    auto doc = http().Get("/api/v1/openapi.json");
    ASSERT_EQ(doc.status, 200);
    const json::value spec = doc.json();
    ASSERT_TRUE(spec.is_object()) << "not JSON";
    EXPECT_EQ(Field(spec, "openapi").substr(0, 2), "3.");
    std::set<std::string> documented;
    for (const auto& [path, item] : spec.at("paths").as_object()) {
        for (const auto& [method, op] : item.as_object()) {
            std::string m(method);
            for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            if (m == "PARAMETERS" || m == "SUMMARY" || m == "DESCRIPTION") continue;
            documented.insert(m + " " + std::string(path));
        }
    }
    auto routes = http().Get("/api/v1/admin/routes", server_->admin().bearer());
    ASSERT_EQ(routes.status, 200) << routes.body;
    std::set<std::string> served;
    const json::value route_list = routes.json();
    for (const auto& r : route_list.as_array()) served.insert(Field(r, "method") + " " + Field(r, "path"));
    std::vector<std::string> undocumented, missing;
    std::set_difference(served.begin(), served.end(), documented.begin(), documented.end(), std::back_inserter(undocumented));
    std::set_difference(documented.begin(), documented.end(), served.begin(), served.end(), std::back_inserter(missing));
    EXPECT_TRUE(undocumented.empty()) << "served but not documented: " << ::testing::PrintToString(undocumented);
    EXPECT_TRUE(missing.empty()) << "documented but not served: " << ::testing::PrintToString(missing);
    EXPECT_GT(served.size(), 50u);
    EXPECT_EQ(http().Get("/api/v1/admin/routes", {{"Authorization", "Bearer " + std::string("x")}}).status, 401);
}

// ---- Price alerts ----------------------------------------------------------------------------------------

// Alerts are a user's own: created with every field checked, listed newest first, changed, re-armed and deleted;
// another user's ids are 404; bad input of every kind is a 4xx that names the field and writes nothing.
TEST_F(ApiTest, AlertsAreAUsersOwnAndBadInputIsRefusedWithNothingWritten) {
    ApiUser a, b;
    ASSERT_NO_FATAL_FAILURE(server_->SignUp("alert_a", a));
    ASSERT_NO_FATAL_FAILURE(server_->SignUp("alert_b", b));
    const json::object above{
        {"symbol", kSamsung}, {"kind", "price_at_or_above"}, {"level", "260000"}, {"channels", json::array{"in_app"}}};
    auto created = http().Post("/api/v1/alerts", above, a.bearer());
    ASSERT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(Field(created.json(), "symbol"), kSamsung);
    EXPECT_EQ(Field(created.json(), "kind"), "price_at_or_above");
    EXPECT_EQ(Field(created.json(), "level"), "260000");
    EXPECT_EQ(Field(created.json(), "mode"), "once");
    EXPECT_EQ(Field(created.json(), "status"), "armed");
    const std::string id = Field(created.json(), "id");
    const json::object change{{"symbol", kSamsung},
                              {"kind", "change_pct_at_or_below"},
                              {"level", "-3.5"},
                              {"mode", "repeat"},
                              {"cooldown_s", 300},
                              {"expires_at", "2099-01-01T00:00:00Z"},
                              {"channels", json::array{"in_app", "webhook"}},
                              {"webhook_url", "https://hooks.example.com/investking"}};
    auto second = http().Post("/api/v1/alerts", change, a.key());  // API keys work too
    ASSERT_EQ(second.status, 201) << second.body;
    EXPECT_EQ(Field(second.json(), "level"), "-3.5");
    EXPECT_EQ(Field(second.json(), "webhook_url"), "https://hooks.example.com/investking");
    EXPECT_EQ(Field(second.json(), "webhook_secret").rfind("whsec_", 0), 0U) << "the owner gets the signing secret";
    EXPECT_EQ(Field(second.json(), "language"), "ko");

    auto mine = http().Get("/api/v1/alerts", a.bearer());
    ASSERT_EQ(mine.status, 200) << mine.body;
    ASSERT_EQ(mine.json().as_array().size(), 2U);
    EXPECT_EQ(Field(mine.json().as_array()[0], "kind"), "change_pct_at_or_below") << "newest first";
    EXPECT_TRUE(http().Get("/api/v1/alerts", b.bearer()).json().as_array().empty());
    EXPECT_EQ(http().Get("/api/v1/alerts/" + id, b.bearer()).status, 404) << "another user's alert";
    EXPECT_EQ(http().Send("PATCH", "/api/v1/alerts/" + id, R"({"level":"1"})", b.bearer()).status, 404);
    EXPECT_EQ(http().Send("DELETE", "/api/v1/alerts/" + id, "", b.bearer()).status, 404);
    EXPECT_EQ(http().Get("/api/v1/alerts/" + id, a.bearer()).status, 200);

    auto patched = http().Send("PATCH", "/api/v1/alerts/" + id, R"({"level":"270000","mode":"repeat","cooldown_s":60})",
                               a.bearer());
    ASSERT_EQ(patched.status, 200) << patched.body;
    EXPECT_EQ(Field(patched.json(), "level"), "270000");
    EXPECT_EQ(Field(patched.json(), "mode"), "repeat");

    // Every kind of bad input: 400 or 422, naming what is wrong, and nothing stored.
    const std::vector<std::pair<std::string, std::string>> bad{
        {R"({"symbol":"999999","kind":"price_at_or_above","level":"1000","channels":["in_app"]})", "symbol"},
        {R"({"symbol":"005930","kind":"price_above","level":"1000","channels":["in_app"]})", "kind"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":"-5","channels":["in_app"]})", "level"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":2.5,"channels":["in_app"]})", "level"},
        {R"({"symbol":"005930","kind":"change_pct_at_or_above","level":"5.12345","channels":["in_app"]})", "level"},
        {R"({"symbol":"005930","kind":"volume_above","level":"0","channels":["in_app"]})", "level"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":"1000","channels":[]})", "channels"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":"1000","channels":["sms"]})", "channels"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":"1000","channels":["in_app","in_app"]})", "twice"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":"1000","channels":["webhook"]})", "webhook_url"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":"1000","channels":["webhook"],"webhook_url":"http://127.0.0.1:9/x"})",
         "loopback"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":"1000","channels":["webhook"],"webhook_url":"http://10.1.2.3/x"})",
         "private"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":"1000","channels":["webhook"],"webhook_url":"http://[::1]/x"})",
         "loopback"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":"1000","channels":["webhook"],"webhook_url":"http://localhost/x"})",
         "loopback"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":"1000","channels":["webhook"],"webhook_url":"ftp://example.com/x"})",
         "http"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":"1000","channels":["webhook"],"webhook_url":"https://user:pw@example.com/x"})",
         "credentials"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":"1000","channels":["in_app"],"mode":"twice"})",
         "mode"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":"1000","channels":["in_app"],"cooldown_s":60})",
         "repeat only"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":"1000","channels":["in_app"],"expires_at":"2001-01-01T00:00:00Z"})",
         "future"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":"1000","channels":["in_app"],"extra":1})", "extra"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":"1000","mode":"repeat","cooldown_s":10,"channels":["webhook"],"webhook_url":"https://hooks.example.com/x"})",
         "at least 60"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":"1000","channels":["sns"],"sns_topic_arn":"arn:aws:sns:ap-northeast-2:123456789012:t"})",
         "operator allows"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":"1000","channels":["in_app"],"language":"fr"})",
         "language"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":"1000","channels":["sns"]})", "phone number"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":"1000","channels":["sns"],"sns_topic_arn":"arn:aws:sqs:ap-northeast-2:123456789012:q"})",
         "sns_topic_arn"},
        {R"({"symbol":"005930","kind":"price_at_or_above","level":"1000","channels":["in_app"],"sns_topic_arn":"arn:aws:sns:ap-northeast-2:123456789012:t"})",
         "no sns"},
        {R"({"symbol":"005930","kind":"price_at_or_above","channels":["in_app"]})", "level is required"},
        {R"([1,2])", ""},
        {R"({"symbol":)", ""},
    };
    for (const auto& [body, says] : bad) {
        auto r = http().Send("POST", "/api/v1/alerts", body, a.bearer());
        EXPECT_TRUE(r.status == 400 || r.status == 422) << body << " → " << r.status << " " << r.body;
        EXPECT_NE(r.body.find(says), std::string::npos) << body << " → " << r.body;
    }
    EXPECT_EQ(http().Send("PATCH", "/api/v1/alerts/" + id, R"({"status":"fired"})", a.bearer()).status, 422);
    EXPECT_EQ(http().Send("PATCH", "/api/v1/alerts/" + id, R"({"symbol":"000660"})", a.bearer()).status, 422);
    EXPECT_EQ(http().Send("PATCH", "/api/v1/alerts/" + id, R"({})", a.bearer()).status, 422);
    EXPECT_EQ(http().Get("/api/v1/alerts/abc", a.bearer()).status, 404);
    EXPECT_EQ(http().Get("/api/v1/alerts/99999999999999999999", a.bearer()).status, 404);
    EXPECT_EQ(http().Get("/api/v1/alerts").status, 401);
    EXPECT_EQ(http().Get("/api/v1/alerts", a.bearer()).json().as_array().size(), 2U) << "nothing written";

    // The inbox is empty until an alert fires; reading a notification that is not there is 404.
    auto inbox = http().Get("/api/v1/notifications", a.bearer());
    ASSERT_EQ(inbox.status, 200) << inbox.body;
    EXPECT_TRUE(inbox.json().at("notifications").as_array().empty());
    EXPECT_EQ(inbox.json().at("unread").as_int64(), 0);
    EXPECT_EQ(http().Get("/api/v1/notifications?limit=0", a.bearer()).status, 422);
    EXPECT_EQ(http().Get("/api/v1/notifications?before=x", a.bearer()).status, 422);
    EXPECT_EQ(http().Post("/api/v1/notifications/1/read", json::object{}, a.bearer()).status, 404);

    EXPECT_EQ(http().Send("DELETE", "/api/v1/alerts/" + id, "", a.bearer()).status, 204);
    EXPECT_EQ(http().Send("DELETE", "/api/v1/alerts/" + id, "", a.bearer()).status, 404);
    EXPECT_EQ(http().Get("/api/v1/alerts", a.bearer()).json().as_array().size(), 1U);
}

// ---- Admin universe management ----------------------------------------------------------------------------

constexpr const char* kKia = "000270";  // not among the configured five

json::object KiaListing() {
    return {{"code", kKia},      {"name_ko", "기아"},  {"name_en", "Kia"},
            {"market", "KOSPI"}, {"sector", "자동차"}, {"previous_close", 100000}};
}

// The universe entry of `code` from GET /api/v1/admin/universe (null when absent).
json::value ListingOf(HttpClient& http, const ApiUser& admin, const std::string& code) {
    auto r = http.Get("/api/v1/admin/universe", admin.bearer());
    EXPECT_EQ(r.status, 200) << r.body;
    const json::value j = r.json();
    if (!j.is_object() || !j.as_object().contains("stocks")) return nullptr;
    for (const auto& s : j.at("stocks").as_array()) {
        if (Field(s, "code") == code) return s;
    }
    return nullptr;
}

std::string Tradable(HttpClient& http, const ApiUser& u, const std::string& code) {
    auto r = http.Get("/v2/assets/" + code, u.key());
    EXPECT_EQ(r.status, 200) << r.body;
    return Field(r.json(), "tradable");
}

json::object Buy(const std::string& symbol, long qty, const std::string& type = "market") {
    return {{"symbol", symbol}, {"qty", qty}, {"side", "buy"}, {"type", type}, {"time_in_force", "gtc"}};
}

// An admin lists a stock that is not configured, users trade it, it is halted (orders and ticks refused, the
// asset untradable, open orders kept) and resumed; restarts keep every status, a configured stock's halt too.
TEST_F(ApiTest, AdminListsHaltsAndResumesStocksAndRestartsKeepTheirStatus) {
    const ApiUser& admin = server_->admin();
    auto list = http().Get("/api/v1/admin/universe", admin.bearer());
    ASSERT_EQ(list.status, 200) << list.body;
    const json::value stocks = list.json().at("stocks");
    ASSERT_EQ(stocks.as_array().size(), 5u) << list.body;
    const json::value samsung = ListingOf(http(), admin, kSamsung);
    EXPECT_EQ(Field(samsung, "name_ko"), "삼성전자");
    EXPECT_EQ(Field(samsung, "name_en"), "Samsung Electronics");
    EXPECT_EQ(Field(samsung, "market"), "KOSPI");
    EXPECT_EQ(samsung.at("previous_close").as_int64(), 249'500);
    EXPECT_EQ(Field(samsung, "status"), "active");
    EXPECT_FALSE(Field(samsung, "sector").empty());

    ApiUser a;
    ASSERT_NO_FATAL_FAILURE(server_->SignUp("lee", a));
    EXPECT_EQ(http().Get("/v2/assets/" + std::string(kKia), a.key()).status, 404) << "not in the stock master yet";
    EXPECT_EQ(http().Post("/v2/orders", Buy(kKia, 1), a.key()).status, 422);

    auto added = http().Post("/api/v1/admin/universe", KiaListing(), admin.bearer());
    ASSERT_EQ(added.status, 201) << added.body;
    EXPECT_EQ(Field(added.json(), "code"), kKia);
    EXPECT_EQ(Field(added.json(), "name_ko"), "기아");
    EXPECT_EQ(Field(added.json(), "name_en"), "Kia");
    EXPECT_EQ(Field(added.json(), "sector"), "자동차");
    EXPECT_EQ(added.json().at("previous_close").as_int64(), 100'000);
    EXPECT_EQ(Field(added.json(), "status"), "active");
    EXPECT_EQ(Tradable(http(), a, kKia), "true");
    EXPECT_EQ(http().Post("/api/v1/admin/universe", KiaListing(), admin.bearer()).status, 409) << "listed already";
    EXPECT_EQ(Field(ListingOf(http(), admin, kKia), "status"), "active");
    auto search = http().Get("/api/v1/stocks?q=%EA%B8%B0%EC%95%84");  // 기아
    ASSERT_EQ(search.status, 200) << search.body;
    EXPECT_NE(search.body.find("\"symbol\":\"000270\""), std::string::npos) << search.body;

    // Band 70,000 … 130,000 (tick 100): a market buy fills at the injected ask, a limit buy rests.
    ASSERT_EQ(server_->Tick(kKia, 100'000, 1'000), 200);
    auto bought = http().Post("/v2/orders", Buy(kKia, 10), a.key());
    ASSERT_EQ(bought.status, 200) << bought.body;
    EXPECT_EQ(Field(bought.json(), "status"), "filled");
    EXPECT_EQ(Field(bought.json(), "filled_avg_price"), "100100.00");
    // The home page's sparkline: the day's five-minute closes come with the listing on request.
    EXPECT_TRUE(WaitFor(
        [&] {
            auto listed = http().Get("/api/v1/stocks?q=000270&trend=true");
            return listed.status == 200 && listed.body.find("\"trend\":[100000]") != std::string::npos;
        },
        std::chrono::seconds(10)))
        << http().Get("/api/v1/stocks?q=000270&trend=true").body;
    EXPECT_EQ(http().Get("/api/v1/stocks?q=000270").body.find("\"trend\""), std::string::npos);
    EXPECT_EQ(http().Get("/api/v1/stocks?trend=yes").status, 422);  // as a bad limit
    auto resting_body = Buy(kKia, 5, "limit");
    resting_body["limit_price"] = 99000;
    auto resting = http().Post("/v2/orders", resting_body, a.key());
    ASSERT_EQ(resting.status, 200) << resting.body;
    EXPECT_EQ(Field(resting.json(), "status"), "new");
    const std::string resting_id = Field(resting.json(), "id");

    // Halt Kia (and, to show a configured stock's halt survives a restart too, Samsung).
    auto halted = http().Send("PATCH", "/api/v1/admin/universe/000270", R"({"status":"halted"})", admin.bearer());
    ASSERT_EQ(halted.status, 200) << halted.body;
    EXPECT_EQ(Field(halted.json(), "status"), "halted");
    EXPECT_EQ(http().Send("PATCH", "/api/v1/admin/universe/000270", R"({"status":"halted"})", admin.bearer()).status,
              200)
        << "halting twice is harmless";
    ASSERT_EQ(http().Send("PATCH", "/api/v1/admin/universe/005930", R"({"status":"halted"})", admin.bearer()).status,
              200);
    auto check_halted = [&](const std::string& when) {
        SCOPED_TRACE(when);
        auto refused = http().Post("/v2/orders", Buy(kKia, 1), a.key());
        EXPECT_EQ(refused.status, 422) << refused.body;
        EXPECT_EQ(Field(refused.json(), "code"), "42210000");
        EXPECT_NE(Field(refused.json(), "message").find("000270 is halted"), std::string::npos) << refused.body;
        auto replaced = http().Send("PATCH", "/v2/orders/" + resting_id, R"({"limit_price":"99100"})", a.key());
        EXPECT_EQ(replaced.status, 422) << replaced.body;
        auto tick = http().Post("/api/v1/admin/ticks", {{"symbol", kKia}, {"price", 99000}}, admin.bearer());
        EXPECT_EQ(tick.status, 422) << tick.body;
        EXPECT_NE(Field(tick.json(), "message").find("halted"), std::string::npos) << tick.body;
        EXPECT_EQ(Tradable(http(), a, kKia), "false");
        EXPECT_EQ(Tradable(http(), a, kSamsung), "false");
        EXPECT_EQ(http().Post("/v2/orders", Order("buy", 1, "market", "day"), a.key()).status, 422);
        EXPECT_EQ(Field(http().Get("/v2/orders/" + resting_id, a.key()).json(), "status"), "new") << "open orders stay";
        EXPECT_EQ(Field(ListingOf(http(), admin, kKia), "status"), "halted");
        EXPECT_EQ(Field(ListingOf(http(), admin, kSamsung), "status"), "halted");
        EXPECT_EQ(Field(http().Get("/v2/positions/000270", a.key()).json(), "qty"), "10");
    };
    check_halted("halted");
    ASSERT_NO_THROW(server_->Restart());
    check_halted("halted, after a restart");

    // Resume (and rename): the resting order fills on the next tick, new orders trade again.
    auto resumed = http().Send("PATCH", "/api/v1/admin/universe/000270",
                               R"({"status":"active","name_en":"Kia Corporation"})", admin.bearer());
    ASSERT_EQ(resumed.status, 200) << resumed.body;
    EXPECT_EQ(Field(resumed.json(), "status"), "active");
    EXPECT_EQ(Field(resumed.json(), "name_en"), "Kia Corporation");
    ASSERT_EQ(http().Send("PATCH", "/api/v1/admin/universe/005930", R"({"status":"active"})", admin.bearer()).status,
              200);
    EXPECT_EQ(Tradable(http(), a, kKia), "true");
    ASSERT_EQ(server_->Tick(kKia, 99'000, 1'000, 98'900, 99'000), 200);
    EXPECT_EQ(Field(http().Get("/v2/orders/" + resting_id, a.key()).json(), "status"), "filled");
    auto again = http().Post("/v2/orders", Buy(kKia, 1), a.key());
    ASSERT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(Field(again.json(), "status"), "filled");
    ASSERT_EQ(server_->Tick(kSamsung, 250'000, 1'000), 200);

    ASSERT_NO_THROW(server_->Restart());
    EXPECT_EQ(Tradable(http(), a, kKia), "true");
    EXPECT_EQ(Tradable(http(), a, kSamsung), "true");
    const json::value kia = ListingOf(http(), admin, kKia);
    EXPECT_EQ(Field(kia, "status"), "active");
    EXPECT_EQ(Field(kia, "name_en"), "Kia Corporation");
    EXPECT_EQ(Field(http().Get("/v2/positions/000270", a.key()).json(), "qty"), "16");
    ASSERT_EQ(server_->Tick(kKia, 100'000, 1'000), 200);
    auto after_restart = http().Post("/v2/orders", Buy(kKia, 1), a.key());
    ASSERT_EQ(after_restart.status, 200) << after_restart.body;
    EXPECT_EQ(Field(after_restart.json(), "status"), "filled");

    // Every change was logged once, with the admin who made it.
    std::string logs =
        ReadFile(server_->data_dir() + "/../serve.log") + ReadFile(server_->data_dir() + "/../serve-2.log");
    for (const char* action : {"action=add", "action=halt", "action=resume"}) {
        EXPECT_NE(logs.find(std::string("code=000270 ") + action), std::string::npos) << action;
    }
    EXPECT_NE(logs.find("event=universe_changed by="), std::string::npos);
    ASSERT_EQ(server_->Stop(), 0);
    auto verify = RunCli({"verify", "--data-dir", server_->data_dir()});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

// Bad requests to the universe API get the right 4xx, and none of them changes the universe.
TEST_F(ApiTest, UniverseAdminRefusesBadRequestsAndNonAdminsAndChangesNothing) {
    const ApiUser& admin = server_->admin();
    ApiUser u;
    ASSERT_NO_FATAL_FAILURE(server_->SignUp("park", u));
    const std::string before = http().Get("/api/v1/admin/universe", admin.bearer()).body;
    ASSERT_NE(before.find("\"stocks\""), std::string::npos) << before;

    struct Case {
        const char* name;
        std::string method, target, body;
        Headers headers;
        int status;
        std::string code;  // the error code, when it matters
    };
    const Headers a = admin.bearer();
    auto with = [](json::object o, const std::string& key, json::value v) {
        o[key] = std::move(v);
        return json::serialize(o);
    };
    const std::string kia = json::serialize(KiaListing());
    const std::string post = "/api/v1/admin/universe";
    const std::string patch = "/api/v1/admin/universe/005930";
    const std::vector<Case> cases = {
        {"list as user", "GET", post, "", u.bearer(), 403, "40310000"},
        {"add as user", "POST", post, kia, u.bearer(), 403, "40310000"},
        {"add with a user's key", "POST", post, kia, u.key(), 403, "40310000"},
        {"halt as user", "PATCH", patch, R"({"status":"halted"})", u.bearer(), 403, "40310000"},
        {"list without credentials", "GET", post, "", {}, 401, "40110000"},
        {"add without credentials", "POST", post, kia, {}, 401, "40110000"},
        {"halt without credentials", "PATCH", patch, R"({"status":"halted"})", {}, 401, "40110000"},
        {"code too short", "POST", post, with(KiaListing(), "code", "00027"), a, 422, "40010001"},
        {"code lower case", "POST", post, with(KiaListing(), "code", "00a270"), a, 422, "40010001"},
        {"code not a string", "POST", post, with(KiaListing(), "code", 270), a, 422, "40010001"},
        {"code missing", "POST", post, R"({"name_ko":"기아","previous_close":100000})", a, 422, "40010001"},
        {"negative close", "POST", post, with(KiaListing(), "previous_close", -100), a, 422, "40010001"},
        {"zero close", "POST", post, with(KiaListing(), "previous_close", 0), a, 422, "40010001"},
        {"huge close", "POST", post, with(KiaListing(), "previous_close", 1'000'000'000'000LL), a, 422, "40010001"},
        {"fractional close", "POST", post, with(KiaListing(), "previous_close", 100000.5), a, 422, "40010001"},
        {"close not a number", "POST", post, with(KiaListing(), "previous_close", "lots"), a, 422, "40010001"},
        {"close off the tick grid", "POST", post, with(KiaListing(), "previous_close", 100050), a, 422, "40010001"},
        {"unknown market", "POST", post, with(KiaListing(), "market", "NYSE"), a, 422, "40010001"},
        {"unknown field", "POST", post, with(KiaListing(), "price", 1), a, 422, "40010001"},
        {"empty Korean name", "POST", post, with(KiaListing(), "name_ko", ""), a, 422, "40010001"},
        {"no name known", "POST", post, R"({"code":"000270","previous_close":100000})", a, 422, "40010001"},
        {"no close known", "POST", post, R"({"code":"000270","name_ko":"기아"})", a, 422, "40010001"},
        {"malformed JSON", "POST", post, R"({"code":"000270",)", a, 400, "40010000"},
        {"not an object", "POST", post, R"(["000270"])", a, 400, "40010000"},
        {"empty body", "POST", post, "", a, 400, "40010000"},
        {"duplicate of a configured stock", "POST", post, R"({"code":"005930"})", a, 409, "40910000"},
        {"unknown code", "PATCH", "/api/v1/admin/universe/999999", R"({"status":"halted"})", a, 404, "40410000"},
        {"stock not in the master", "PATCH", "/api/v1/admin/universe/000270", R"({"status":"active"})", a, 404,
         "40410000"},
        {"invalid code in the path", "PATCH", "/api/v1/admin/universe/x", R"({"status":"halted"})", a, 404, "40410000"},
        {"status inactive", "PATCH", patch, R"({"status":"inactive"})", a, 422, "40010001"},
        {"status unknown", "PATCH", patch, R"({"status":"paused"})", a, 422, "40010001"},
        {"status not a string", "PATCH", patch, R"({"status":1})", a, 422, "40010001"},
        {"nothing to change", "PATCH", patch, R"({})", a, 422, "40010001"},
        {"field not patchable", "PATCH", patch, R"({"previous_close":1000})", a, 422, "40010001"},
        {"empty Korean name in a patch", "PATCH", patch, R"({"name_ko":""})", a, 422, "40010001"},
        {"malformed patch", "PATCH", patch, R"({"status":)", a, 400, "40010000"},
        {"delete is no method here", "DELETE", patch, "", a, 405, "40510000"},
    };
    for (const auto& c : cases) {
        auto r = http().Send(c.method, c.target, c.body, c.headers);
        EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
        EXPECT_EQ(Field(r.json(), "code"), c.code) << c.name << ": " << r.body;
    }
    EXPECT_EQ(http().Get("/api/v1/admin/universe", admin.bearer()).body, before) << "nothing changed";
    EXPECT_EQ(Tradable(http(), u, kSamsung), "true");
    EXPECT_EQ(http().Get("/v2/assets/000270", u.key()).status, 404);
    EXPECT_EQ(server_->log().find("event=universe_changed"), std::string::npos);
    EXPECT_TRUE(server_->running());
}

// With the simulator and the data folder: a listed stock's fields come from krx-listing.csv and its daily
// history (stored as day bars), the simulator ticks it at once, stops while it is halted and starts again.
TEST(ApiUniverseTest, ListedStocksComeFromTheDataFolderAndTheSimulatorFollowsTheirStatus) {
    ApiServer server(Env{{"INVESTKING_MARKET_SOURCE", "simulator"},
                         {"INVESTKING_MARKET_TICK_INTERVAL_MS", "20"},
                         {"INVESTKING_MARKET_SYMBOLS", "005930"},
                         {"INVESTKING_MARKET_DATA_SOURCE", IK_SHARED_DATA}});
    HttpClient& http = server.client();
    const ApiUser& admin = server.admin();
    ApiUser u;
    ASSERT_NO_FATAL_FAILURE(server.SignUp("choi", u));
    auto latest = [&](const std::string& code) {
        auto r = http.Get("/v2/stocks/" + code + "/trades/latest", u.key());
        return r.status == 200 ? Field(r.json().at("trade"), "t") : std::string();
    };

    // SK hynix: built in, not configured here; its close comes from daily/000660.csv.
    const auto daily = ReadLines(std::string(IK_SHARED_DATA) + "/daily/000660.csv");
    ASSERT_GT(daily.size(), 2u);
    const std::string last_close = [&] {
        std::string line = daily.back();
        for (int i = 0; i < 4; ++i) line = line.substr(line.find(',') + 1);
        return line.substr(0, line.find(','));
    }();
    auto hynix = http.Post("/api/v1/admin/universe", {{"code", "000660"}}, admin.bearer());
    ASSERT_EQ(hynix.status, 201) << hynix.body;
    EXPECT_EQ(Field(hynix.json(), "name_ko"), "SK하이닉스");
    EXPECT_EQ(std::to_string(hynix.json().at("previous_close").as_int64()), last_close);
    EXPECT_TRUE(WaitFor([&] { return !latest("000660").empty(); }, std::chrono::seconds(30)))
        << "the simulator ticks it";
    auto bars = http.Get("/v2/stocks/bars?symbols=000660&timeframe=1Day&start=2025-01-01&end=2025-01-07", u.key());
    ASSERT_EQ(bars.status, 200) << bars.body;
    EXPECT_EQ(bars.json().at("bars").at("000660").as_array().size(), 3u) << bars.body;

    // Kia: in krx-listing.csv, with no daily history: the close must be given.
    auto no_close = http.Post("/api/v1/admin/universe", {{"code", "000270"}}, admin.bearer());
    EXPECT_EQ(no_close.status, 422) << no_close.body;
    EXPECT_NE(no_close.body.find("previous_close"), std::string::npos) << no_close.body;
    auto kia = http.Post("/api/v1/admin/universe", {{"code", "000270"}, {"previous_close", "100000"}}, admin.bearer());
    ASSERT_EQ(kia.status, 201) << kia.body;
    EXPECT_EQ(Field(kia.json(), "name_ko"), "기아");
    EXPECT_EQ(Field(kia.json(), "name_en"), "KIA CORPORATION");
    EXPECT_EQ(Field(kia.json(), "market"), "KOSPI");

    // Halted: the simulator stops ticking it while other stocks go on.
    ASSERT_EQ(http.Send("PATCH", "/api/v1/admin/universe/000660", R"({"status":"halted"})", admin.bearer()).status,
              200);
    const std::string frozen = latest("000660");
    ASSERT_FALSE(frozen.empty());
    std::set<std::string> seen;
    EXPECT_TRUE(WaitFor(
        [&] {
            seen.insert(latest("005930"));
            return seen.size() >= 5;
        },
        std::chrono::seconds(30)))
        << "other stocks keep trading";
    EXPECT_EQ(latest("000660"), frozen) << "no tick while halted";
    ASSERT_EQ(http.Send("PATCH", "/api/v1/admin/universe/000660", R"({"status":"active"})", admin.bearer()).status,
              200);
    EXPECT_TRUE(WaitFor([&] { return latest("000660") != frozen; }, std::chrono::seconds(30))) << "ticks again";
}

// With the data folder configured, the daily history is served as 1-day bars.
TEST(ApiDailyHistoryTest, ServesTheDailyHistoryAsDayBars) {
    ApiServer server(Env{{"INVESTKING_MARKET_DATA_SOURCE", IK_SHARED_DATA}});
    ApiUser a;
    ASSERT_NO_FATAL_FAILURE(server.SignUp("ivan", a));
    auto r = server.client().Get("/v2/stocks/bars?symbols=005930&timeframe=1Day&start=2025-01-01&end=2025-01-07", a.key());
    ASSERT_EQ(r.status, 200) << r.body;
    const json::value j = r.json();
    const auto& list = j.at("bars").at(kSamsung).as_array();
    ASSERT_EQ(list.size(), 3u) << r.body;  // 2, 3 and 6 January 2025 (KRX trading days)
    EXPECT_EQ(Field(list[0], "t"), "2025-01-01T15:00:00.000000Z");  // 00:00 KST
    EXPECT_EQ(Field(list[0], "o"), "52700");
    EXPECT_EQ(Field(list[0], "c"), "53400");
    EXPECT_EQ(Field(list[2], "v"), "19034284");
    auto weekly = server.client().Get("/v2/stocks/bars?symbols=005930&timeframe=1Week&start=2024-12-30&end=2025-01-11", a.key());
    ASSERT_EQ(weekly.status, 200) << weekly.body;
    EXPECT_EQ(weekly.json().at("bars").at(kSamsung).as_array().size(), 2u) << weekly.body;

    // Paging one bar at a time, newest first, gives exactly the bars of one unpaged request.
    for (const char* tf : {"1Day", "1Week"}) {
        const std::string base = std::string("/v2/stocks/bars?symbols=005930&timeframe=") + tf +
                                 "&start=2024-11-01&end=2025-02-01&sort=desc";
        auto whole = server.client().Get(base + "&limit=1000", a.key());
        ASSERT_EQ(whole.status, 200) << whole.body;
        const json::value whole_json = whole.json();
        std::vector<std::string> expected, paged;
        for (const auto& bar : whole_json.at("bars").at(kSamsung).as_array()) expected.push_back(json::serialize(bar));
        std::string token;
        for (int page = 0; page < 200; ++page) {
            auto r = server.client().Get(base + "&limit=1" + (token.empty() ? "" : "&page_token=" + token), a.key());
            ASSERT_EQ(r.status, 200) << r.body;
            const json::value j = r.json();
            if (j.at("bars").as_object().contains(kSamsung)) {
                for (const auto& bar : j.at("bars").at(kSamsung).as_array()) paged.push_back(json::serialize(bar));
            }
            token = Field(j, "next_page_token");
            if (token.empty()) break;
        }
        EXPECT_GT(expected.size(), 10u) << tf;
        EXPECT_EQ(paged, expected) << tf;
    }

    // Values that would overflow a timestamp are refused, not computed.
    EXPECT_EQ(server.client().Get("/v2/orders?after=9999-01-01T00:00:00Z", a.key()).status, 422);
    EXPECT_EQ(server.client().Get("/v2/account/portfolio/history?period=3650A", a.key()).status, 422);
    EXPECT_EQ(server.client().Get("/v2/account/activities?page_token=99991231235959999::00000003-0000-4000-8000-000000000001", a.key()).status, 422);
    EXPECT_EQ(server.client().Get("/v2/stocks/bars?symbols=005930&timeframe=1Day&start=1200-01-01", a.key()).status, 400);
    EXPECT_EQ(server.client().Get("/healthz").status, 200);
}

}  // namespace
}  // namespace ik::testing
