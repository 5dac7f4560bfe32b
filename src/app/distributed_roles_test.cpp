// The engine and gateway roles in one process, over the in-memory bus and SQLite stores (the same interfaces
// as Kafka and MariaDB): orders through HTTP → orders topic → the engine owning the account → store →
// order-updates → the gateway's answer; partitions moving between engines; no answer → 504. Part of the
// concurrent tests (run under ThreadSanitizer too). The real multi-process cluster is tested against Kafka and
// MariaDB in tests/integration/distributed_test.cpp.
#include <atomic>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "app/alert_messages.hpp"
#include "app/alerts_role.hpp"
#include "app/engine_role.hpp"
#include "app/gateway_role.hpp"
#include "bus/inproc/inproc_bus.hpp"
#include "bus/order_messages.hpp"
#include "bus/topics.hpp"
#include "integration/http_client.hpp"
#include "storage/data_dir.hpp"

namespace ik::app {
namespace {

using namespace std::chrono_literals;
using testing::Headers;
using testing::HttpClient;

bool WaitFor(const std::function<bool()>& ready, std::chrono::milliseconds deadline) {
    const auto end = std::chrono::steady_clock::now() + deadline;
    while (!ready()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(5ms);  // poll interval under a deadline
    }
    return true;
}

std::string Field(const boost::json::value& v, const char* key) {
    const auto* o = v.if_object();
    const auto* f = o != nullptr ? o->if_contains(key) : nullptr;
    return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string();
}

// An engine role on its own thread, stepping until stopped (or until a step fails, which it keeps).
class EngineThread {
public:
    EngineThread(int instance, const config::Config& cfg, bus::Bus& bus, storage::ServiceStore& store,
                 const Clock& clock)
        : worker_(EngineRoleOptions{cfg, instance}, bus, store, clock) {
        EXPECT_TRUE(worker_.Start().has_value());
        thread_ = std::thread([this] {
            while (!stop_.load()) {
                if (auto n = worker_.Step(5ms); !n) {
                    error_ = n.error().message;
                    break;
                }
            }
            worker_.Stop();
        });
    }
    ~EngineThread() { Stop(); }
    void Stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }
    EngineRoleStats stats() const { return worker_.stats(); }
    const std::string& error() const { return error_; }

private:
    EngineWorker worker_;
    std::atomic<bool> stop_{false};
    std::string error_;
    std::thread thread_;
};

// The alerts role on its own thread, stepping until stopped.
class AlertsThread {
public:
    AlertsThread(const config::Config& cfg, bus::Bus& bus, storage::ServiceStore& store, const Clock& clock,
                 std::string group = "investking-alerts")
        : role_(AlertsRoleOptions{cfg, std::move(group)}, bus, store, clock) {
        auto started = role_.Start();
        EXPECT_TRUE(started.has_value()) << started.error().message;
        thread_ = std::thread([this] {
            while (!stop_.load()) {
                if (auto n = role_.Step(5ms); !n) {
                    error_ = n.error().message;
                    break;
                }
            }
            role_.Stop();
        });
    }
    ~AlertsThread() { Stop(); }
    void Stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }
    std::uint64_t changes() const { return role_.changes(); }
    const std::string& error() const { return error_; }

private:
    AlertsRole role_;
    std::atomic<bool> stop_{false};
    std::string error_;
    std::thread thread_;
};

class DistributedRolesTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = (std::filesystem::temp_directory_path() / ("ik-roles-" + std::to_string(::getpid()))).string();
        std::filesystem::remove_all(dir_);
        auto data = storage::OpenDataDir(dir_);
        ASSERT_TRUE(data.has_value()) << data.error().message;
        data_.emplace(std::move(*data));
        ASSERT_TRUE(data_->service->Migrate());
        auto reader = data_->OpenServiceReader();
        ASSERT_TRUE(reader.has_value());
        reader_ = std::move(*reader);
        cfg_.market.session = market::SessionMode::kAlways;
        cfg_.kafka.orders_partitions = 4;
        cfg_.http.listen.port = 0;
        cfg_.http.web_root = "";
        cfg_.http.access_log = false;
    }
    void TearDown() override {
        reader_.reset();
        data_.reset();
        std::filesystem::remove_all(dir_);
    }

    std::unique_ptr<GatewayNode> StartGateway(std::chrono::milliseconds timeout = 5s, std::string instance = "gw-test",
                                              std::string admin_password = "") {
        GatewayRoleOptions o;
        o.config = cfg_;
        o.instance = std::move(instance);
        o.admin_password = std::move(admin_password);
        o.jwt_secret = "a-test-only-signing-key-of-at-least-32-bytes";
        o.answer_timeout = timeout;
        auto* platform = dynamic_cast<storage::PlatformStore*>(data_->service.get());
        auto* reads = dynamic_cast<storage::PlatformStore*>(reader_.get());
        auto node =
            std::make_unique<GatewayNode>(o, bus_, GatewayStores{*data_->service, *platform, *reader_, *reads}, clock_);
        auto s = node->Start();
        EXPECT_TRUE(s.has_value()) << s.error().message;
        return node;
    }

    // A trade of 005930 at 250,000 with plenty of volume, as an ingest worker publishes it.
    void Tick() { Tick("005930", 0, 250'000); }
    void Tick(const std::string& code, market::SymbolId id, Won price) {
        auto producer = bus_.NewProducer();
        ASSERT_TRUE(producer.has_value());
        market::Tick t{id, clock_.Now(), price, price - 100, price, 1'000'000};
        ASSERT_TRUE((*producer)->Send(bus::kStockInfosTopic, code, bus::EncodeStockInfo(code, t)).has_value());
    }

    static Headers SignUp(HttpClient& http, const std::string& name) {
        const std::string password = "pw-" + name + "-secret";
        EXPECT_EQ(http.Post("/api/v1/auth/signup", {{"username", name}, {"password", password}}).status, 201);
        auto login = http.Post("/api/v1/auth/login", {{"username", name}, {"password", password}});
        EXPECT_EQ(login.status, 200) << login.body;
        return {{"authorization", "Bearer " + Field(login.json(), "access_token")}};
    }

    SystemClock clock_;
    bus::InProcBus bus_{clock_};
    config::Config cfg_;
    std::string dir_;
    std::optional<storage::DataDir> data_;
    std::unique_ptr<storage::ServiceStore> reader_;
};

TEST_F(DistributedRolesTest, OrdersReachTheEngineThatOwnsTheAccountAndAreAnsweredOnceStored) {
    EngineThread one(1, cfg_, bus_, *data_->service, clock_);
    EngineThread two(2, cfg_, bus_, *data_->service, clock_);
    ASSERT_TRUE(WaitFor([&] { return one.stats().partitions + two.stats().partitions == 4; }, 10s));
    auto gateway = StartGateway();
    HttpClient http(gateway->http_port());
    std::vector<Headers> users;
    for (int i = 0; i < 6; ++i) users.push_back(SignUp(http, "roles_" + std::to_string(i)));
    // Each engine reads ticks from the moment its tick consumer joined: tick until both have one.
    ASSERT_TRUE(WaitFor(
        [&] {
            Tick();
            return one.stats().ticks > 0 && two.stats().ticks > 0;
        },
        10s));
    // Every user buys at market; each answer comes from whichever engine owns that account.
    for (const auto& user : users) {
        boost::json::object body{
            {"symbol", "005930"}, {"qty", "2"}, {"side", "buy"}, {"type", "market"}, {"time_in_force", "day"}};
        testing::HttpReply r;
        ASSERT_TRUE(WaitFor([&] { return (r = http.Post("/v2/orders", body, user)).status == 200; }, 10s)) << r.body;
        EXPECT_EQ(Field(r.json(), "status"), "filled") << r.body;
        auto position = http.Get("/v2/positions/005930", user);
        EXPECT_EQ(position.status, 200) << position.body;
        EXPECT_EQ(Field(position.json(), "qty"), "2");
    }
    EXPECT_GT(one.stats().commands, 0U) << "both engines took commands";
    EXPECT_GT(two.stats().commands, 0U);
    // A client order id is refused the second time, whichever engine saw the first.
    boost::json::object limit{{"symbol", "005930"},
                              {"qty", "1"},
                              {"side", "buy"},
                              {"type", "limit"},
                              {"time_in_force", "day"},
                              {"limit_price", "200000"},
                              {"client_order_id", "once"}};
    EXPECT_EQ(http.Post("/v2/orders", limit, users[0]).status, 200);
    EXPECT_EQ(http.Post("/v2/orders", limit, users[0]).status, 422);

    // Engine 1 leaves: engine 2 takes all four partitions over, loading the accounts from the store.
    one.Stop();
    ASSERT_TRUE(WaitFor([&] { return two.stats().partitions == 4; }, 10s));
    for (const auto& user : users) {
        auto cancel_all = http.Send("DELETE", "/v2/orders", "", user);
        EXPECT_EQ(cancel_all.status, 207) << cancel_all.body;
        boost::json::object sell{
            {"symbol", "005930"}, {"qty", "1"}, {"side", "sell"}, {"type", "market"}, {"time_in_force", "day"}};
        auto r = http.Post("/v2/orders", sell, user);
        EXPECT_EQ(r.status, 200) << r.body;
    }
    // A rebuilt engine forgets the liquidity of the tick before it: the sells fill on the next one.
    Tick();
    EXPECT_TRUE(WaitFor([&] { return data_->service->CountRows("fills").value_or(0) == 12; }, 10s));
    EXPECT_TRUE(two.error().empty()) << two.error();
    gateway->Stop();
    two.Stop();
    auto violations = data_->service->Verify();
    ASSERT_TRUE(violations.has_value());
    EXPECT_TRUE(violations->empty()) << (*violations)[0].message;
    EXPECT_EQ(data_->service->CountRows("fills").value(), 12);  // 6 buys and 6 sells, each once
}

TEST_F(DistributedRolesTest, WithoutAnEngineACommandIsAnswered504AndAppliedWhenOneComes) {
    auto gateway = StartGateway(500ms);
    HttpClient http(gateway->http_port());
    // Sign-up opens the account through an engine: without one it cannot finish.
    auto signup = http.Post("/api/v1/auth/signup", {{"username", "lonely"}, {"password", "pw-lonely-secret"}});
    EXPECT_EQ(signup.status, 504) << signup.body;
    EngineThread engine(1, cfg_, bus_, *data_->service, clock_);
    // The command waited on the topic: the engine applies it, and the account exists.
    ASSERT_TRUE(WaitFor([&] { return data_->service->CountRows("accounts").value_or(0) == 1; }, 10s));
    auto login = http.Post("/api/v1/auth/login", {{"username", "lonely"}, {"password", "pw-lonely-secret"}});
    ASSERT_EQ(login.status, 200) << login.body;
    Headers user{{"authorization", "Bearer " + Field(login.json(), "access_token")}};
    ASSERT_TRUE(WaitFor([&] { return http.Get("/v2/account", user).status == 200; }, 10s));
    EXPECT_EQ(Field(http.Get("/v2/account", user).json(), "cash"), "10000000");
    gateway->Stop();
}

TEST_F(DistributedRolesTest, MalformedAndMisroutedCommandsAreSkippedOrRefused) {
    EngineThread engine(1, cfg_, bus_, *data_->service, clock_);
    ASSERT_TRUE(WaitFor([&] { return engine.stats().partitions == 4; }, 10s));
    auto producer = bus_.NewProducer();
    ASSERT_TRUE(producer.has_value());
    // Not JSON: skipped (nobody to answer). A session change on the orders topic: refused, with an answer.
    ASSERT_TRUE((*producer)->Send(bus::kOrdersTopic, "1", "not json").has_value());
    bus::OrderRequest r;
    r.correlation_id = "c-1";
    r.reply_to = "nobody";
    r.command = trading::SessionChange{market::SessionState::kClosed, 1};
    ASSERT_TRUE((*producer)->Send(bus::kOrdersTopic, "1", bus::EncodeOrderRequest(r)).has_value());
    // An account command on a partition that is not its account's.
    r.correlation_id = "c-2";
    r.command = trading::Deposit{7, 1'000, 1};
    const std::int32_t right = bus::PartitionFor(bus::OrderKey(7), 4);
    std::string wrong_key;
    for (int k = 0; wrong_key.empty(); ++k) {
        if (bus::PartitionFor(std::to_string(k), 4) != right) wrong_key = std::to_string(k);
    }
    ASSERT_TRUE((*producer)->Send(bus::kOrdersTopic, wrong_key, bus::EncodeOrderRequest(r)).has_value());
    ASSERT_TRUE(WaitFor([&] { return engine.stats().malformed == 1 && engine.stats().refused == 2; }, 10s))
        << engine.stats().malformed << " " << engine.stats().refused;
    EXPECT_EQ(data_->service->CountRows("deposits").value(), 0);
    EXPECT_TRUE(engine.error().empty()) << engine.error();
}

// The admin universe API through a gateway: a stock listed at run time gets the next id in the service
// database and trades on every engine; a halt reaches every engine and survives their restart; a gateway that
// starts later sees all of it.
TEST_F(DistributedRolesTest, AnAdminListsHaltsAndResumesStocksThroughAGatewayAndEveryRoleFollows) {
    cfg_.market.allow_injection = true;
    auto one = std::make_unique<EngineThread>(1, cfg_, bus_, *data_->service, clock_);
    auto two = std::make_unique<EngineThread>(2, cfg_, bus_, *data_->service, clock_);
    ASSERT_TRUE(WaitFor([&] { return one->stats().partitions + two->stats().partitions == 4; }, 10s));
    auto gateway = StartGateway(5s, "gw-admin", "admin-password-for-tests");
    HttpClient http(gateway->http_port());
    auto login = http.Post("/api/v1/auth/login", {{"username", "admin"}, {"password", "admin-password-for-tests"}});
    ASSERT_EQ(login.status, 200) << login.body;
    const Headers admin{{"authorization", "Bearer " + Field(login.json(), "access_token")}};
    std::vector<Headers> users;
    for (int i = 0; i < 4; ++i) users.push_back(SignUp(http, "lister_" + std::to_string(i)));

    const boost::json::object kia{{"code", "000270"},  {"name_ko", "기아"},  {"name_en", "Kia"},
                                  {"market", "KOSPI"}, {"sector", "자동차"}, {"previous_close", 100'000}};
    auto added = http.Post("/api/v1/admin/universe", kia, admin);
    ASSERT_EQ(added.status, 201) << added.body;
    EXPECT_EQ(Field(added.json(), "status"), "active");
    EXPECT_EQ(http.Post("/api/v1/admin/universe", kia, admin).status, 409) << "listed already";
    auto stored = data_->service->LoadStocks();
    ASSERT_TRUE(stored.has_value());
    ASSERT_EQ(stored->size(), cfg_.market.symbols.size() + 1);
    const auto kia_id = static_cast<market::SymbolId>(stored->size() - 1);
    EXPECT_EQ(stored->back().code, "000270");

    // Every user (so both engines) buys Kia once a tick of it reached the engines.
    const boost::json::object buy_kia{
        {"symbol", "000270"}, {"qty", "1"}, {"side", "buy"}, {"type", "market"}, {"time_in_force", "day"}};
    for (const auto& user : users) {
        testing::HttpReply r;
        ASSERT_TRUE(WaitFor(
            [&] {
                Tick("000270", kia_id, 100'000);
                r = http.Post("/v2/orders", buy_kia, user);
                return r.status == 200 && Field(r.json(), "status") == "filled";
            },
            10s))
            << r.body;
    }
    EXPECT_GT(one->stats().commands, 0U);
    EXPECT_GT(two->stats().commands, 0U);

    // An injected tick is answered once every engine applied it (a barrier on every partition): the resting
    // orders it crosses are filled by then, on both engines.
    std::vector<std::string> resting;
    for (const auto& user : users) {
        boost::json::object limit{{"symbol", "000270"},     {"qty", "1"},
                                  {"side", "buy"},          {"type", "limit"},
                                  {"time_in_force", "day"}, {"limit_price", "98000"}};
        auto r = http.Post("/v2/orders", limit, user);
        ASSERT_EQ(r.status, 200) << r.body;
        EXPECT_EQ(Field(r.json(), "status"), "new") << r.body;
        resting.push_back(Field(r.json(), "id"));
    }
    auto injected = http.Post(
        "/api/v1/admin/ticks",
        {{"symbol", "000270"}, {"price", 98'000}, {"bid", 97'900}, {"ask", 98'000}, {"volume", 1'000}}, admin);
    ASSERT_EQ(injected.status, 200) << injected.body;
    for (std::size_t i = 0; i < users.size(); ++i) {
        auto o = http.Get("/v2/orders/" + resting[i], users[i]);
        EXPECT_EQ(Field(o.json(), "status"), "filled") << o.body;
    }

    // Halt Samsung: every engine refuses new orders for it, whoever owns the account.
    auto halted =
        http.Send("PATCH", "/api/v1/admin/universe/005930", R"({"status":"halted","name_en":"Samsung E."})", admin);
    ASSERT_EQ(halted.status, 200) << halted.body;
    EXPECT_EQ(Field(halted.json(), "status"), "halted");
    const boost::json::object buy_samsung{
        {"symbol", "005930"}, {"qty", "1"}, {"side", "buy"}, {"type", "market"}, {"time_in_force", "day"}};
    auto check_halted = [&](HttpClient& client, const std::string& when) {
        SCOPED_TRACE(when);
        for (const auto& user : users) {
            testing::HttpReply r;
            EXPECT_TRUE(WaitFor(
                [&] {
                    r = client.Post("/v2/orders", buy_samsung, user);
                    return r.status == 422 && r.body.find("005930 is halted") != std::string::npos;
                },
                10s))
                << r.status << " " << r.body;
        }
    };
    check_halted(http, "halted");

    // Both engines restart (rebuilding from the store and the Stocks topic); a new gateway starts.
    one.reset();
    two.reset();
    one = std::make_unique<EngineThread>(3, cfg_, bus_, *data_->service, clock_);
    ASSERT_TRUE(WaitFor([&] { return one->stats().partitions == 4; }, 10s));
    auto second = StartGateway(5s, "gw-later");
    HttpClient later(second->http_port());
    auto listing = later.Get("/api/v1/admin/universe", admin);
    ASSERT_EQ(listing.status, 200) << listing.body;
    EXPECT_NE(listing.body.find(R"("code":"000270","name_ko":"기아")"), std::string::npos) << listing.body;
    EXPECT_NE(listing.body.find(R"("name_en":"Samsung E.")"), std::string::npos) << listing.body;
    check_halted(later, "halted, after the engines restarted, through a gateway started since");

    // Resume through the later gateway: orders for Samsung fill again.
    auto resumed = later.Send("PATCH", "/api/v1/admin/universe/005930", R"({"status":"active"})", admin);
    ASSERT_EQ(resumed.status, 200) << resumed.body;
    ASSERT_TRUE(
        WaitFor([&] { return Field(http.Get("/v2/assets/005930", users[0]).json(), "status") == "active"; }, 10s));
    for (const auto& user : users) {
        testing::HttpReply r;
        ASSERT_TRUE(WaitFor(
            [&] {
                Tick();
                r = http.Post("/v2/orders", buy_samsung, user);
                return r.status == 200 && Field(r.json(), "status") == "filled";
            },
            10s))
            << r.body;
    }
    EXPECT_TRUE(one->error().empty()) << one->error();
    second->Stop();
    gateway->Stop();
    one.reset();
    auto violations = data_->service->Verify();
    ASSERT_TRUE(violations.has_value());
    EXPECT_TRUE(violations->empty()) << (*violations)[0].message;
}

// An alert made through a gateway reaches the alerts role (alert-changes), a StockInfos tick that crosses it fires
// it once: stored, disarmed, published on `notifications` for the gateways' pushes. Another reading of the whole
// topic (a redelivery after a crash before the commit) fires nothing again.
TEST_F(DistributedRolesTest, AnAlertMadeThroughAGatewayFiresOnceFromStockInfosAndIsPublishedForThePushes) {
    EngineThread engine(1, cfg_, bus_, *data_->service, clock_);
    auto gateway = StartGateway();
    HttpClient http(gateway->http_port());
    const Headers user = SignUp(http, "alerts_user");
    Tick("005930", 0, 250'000);
    auto alerts = std::make_unique<AlertsThread>(cfg_, bus_, *data_->service, clock_);
    auto created = http.Post("/api/v1/alerts",
                             {{"symbol", "005930"},
                              {"kind", "price_at_or_above"},
                              {"level", "252000"},
                              {"channels", boost::json::array{"in_app"}}},
                             user);
    ASSERT_EQ(created.status, 201) << created.body;
    const std::string id = Field(created.json(), "id");
    ASSERT_TRUE(WaitFor([&] { return alerts->changes() == 1; }, 10s)) << alerts->error();
    Tick("005930", 0, 251'000);
    Tick("005930", 0, 252'500);
    auto inbox = [&] { return http.Get("/api/v1/notifications", user); };
    ASSERT_TRUE(WaitFor([&] { return inbox().body.find("252500") != std::string::npos; }, 10s)) << inbox().body;
    EXPECT_EQ(Field(http.Get("/api/v1/alerts/" + id, user).json(), "status"), "fired");

    // The notification as the gateways read it.
    auto reader = bus_.NewConsumer({.group = "test-notifications", .topics = {std::string(bus::kNotificationsTopic)}});
    ASSERT_TRUE(reader.has_value());
    std::vector<storage::NotificationRecord> pushed;
    market::Universe universe;
    for (const auto& info : market::DefaultUniverse()) ASSERT_TRUE(universe.Upsert(info));
    ASSERT_TRUE(WaitFor(
        [&] {
            auto m = (*reader)->Poll(50ms, 10);
            for (const auto& msg : m.value_or(std::vector<bus::Message>{})) {
                auto n = DecodeNotification(msg.value, universe);
                if (n) pushed.push_back(*n);
            }
            return !pushed.empty();
        },
        10s));
    ASSERT_EQ(pushed.size(), 1U);
    EXPECT_EQ(std::to_string(pushed[0].alert_id), id);
    EXPECT_EQ(pushed[0].price, 252'500);
    EXPECT_EQ(pushed[0].message.find("[내일은 투자왕:"), 0U) << pushed[0].message;

    // As after a crash before the offsets were committed: another role reads StockInfos from its start.
    alerts->Stop();
    alerts = std::make_unique<AlertsThread>(cfg_, bus_, *data_->service, clock_, "investking-alerts-again");
    Tick("005930", 0, 250'000);
    Tick("005930", 0, 253'000);  // would cross the level again: the once alert is disarmed
    auto* store = dynamic_cast<storage::AlertStore*>(data_->service.get());
    ASSERT_NE(store, nullptr);
    const Timestamp last = clock_.Now();
    ASSERT_TRUE(WaitFor(
        [&] {
            auto marks = store->LoadAlertMarks().value_or(std::vector<storage::AlertMark>{});
            return !marks.empty() && marks[0].price == 253'000;
        },
        10s))
        << "the second role evaluated everything up to the last tick";
    EXPECT_LE(store->LoadAlertMarks().value()[0].ts, last);
    EXPECT_EQ(data_->service->CountRows("notifications").value(), 1) << "each crossing once";
    EXPECT_TRUE(alerts->error().empty()) << alerts->error();
}

}  // namespace
}  // namespace ik::app
