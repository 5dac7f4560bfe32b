// The distributed mode's processes against the real Kafka broker (3.9, KRaft) and MariaDB that the ctest
// fixtures run: the ingest role's ticks on StockInfos, in order and complete across a broker restart; five
// ingest workers and the sink filling both databases alike, with the sink killed mid-stream; orders through
// gateway → Kafka → engine → MariaDB → gateway, and an engine SIGKILLed under load.
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <csignal>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "bus/kafka/kafka_bus.hpp"
#include "bus/topics.hpp"
#include "integration/http_client.hpp"
#include "integration/process.hpp"
#include "storage/mysql/db.hpp"
#include "storage/mysql/mysql_store.hpp"

namespace ik::testing {
namespace {

using namespace std::chrono_literals;

// The fixtures' server folders (ctest starts the servers there; run outside ctest, the tests fail saying so).
std::string BrokerDir() {
    const char* dir = std::getenv("IK_KAFKA_DIR");
    return dir != nullptr ? dir : IK_KAFKA_DIR;
}

std::string Bootstrap() {
    std::string addr = ReadFile(BrokerDir() + "/kafka.addr");
    while (!addr.empty() && (addr.back() == '\n' || addr.back() == ' ')) addr.pop_back();
    if (addr.empty()) ADD_FAILURE() << "no broker in " << BrokerDir() << ": run through ctest (fixture kafka_broker)";
    return addr;
}

// Every StockInfos message from the start, read by a fresh group until `want` arrived or 60 s passed.
std::vector<bus::Message> ReadAll(const std::string& bootstrap, std::size_t want) {
    const SystemClock clock;
    bus::KafkaOptions o;
    o.bootstrap = bootstrap;
    auto b = bus::KafkaBus::Connect(o, clock);
    EXPECT_TRUE(b.has_value()) << b.error().message;
    if (!b) return {};
    if (auto n = (*b)->Partitions(bus::kStockInfosTopic); !n && n.error().code == ErrorCode::kNotFound && want == 0) {
        return {};  // a fresh broker: nothing there yet
    }
    static int group = 0;
    auto c =
        (*b)->NewConsumer({.group = "distributed-test-" + std::to_string(::getpid()) + "-" + std::to_string(group++),
                           .topics = {std::string(bus::kStockInfosTopic)}});
    EXPECT_TRUE(c.has_value()) << c.error().message;
    if (!c) return {};
    std::vector<bus::Message> all;
    const auto until = std::chrono::steady_clock::now() + 60s;
    if (want == 0) {
        // Everything there now (nobody produces): read until every partition's end, as the broker gives it.
        std::map<std::int32_t, std::int64_t> ends;
        auto partitions = (*b)->Partitions(bus::kStockInfosTopic);
        EXPECT_TRUE(partitions.has_value());
        for (std::int32_t p = 0; partitions && p < *partitions; ++p) {
            auto end = (*b)->EndOffset({std::string(bus::kStockInfosTopic), p});
            EXPECT_TRUE(end.has_value());
            if (end && *end > 0) ends[p] = *end;
        }
        std::map<std::int32_t, std::int64_t> next;
        auto done = [&] {
            for (const auto& [p, end] : ends) {
                if (next[p] < end) return false;
            }
            return true;
        };
        while (!done() && std::chrono::steady_clock::now() < until) {
            auto got = (*c)->Poll(200ms);
            if (!got) break;
            for (auto& m : *got) {
                next[m.tp.partition] = std::max(next[m.tp.partition], m.offset + 1);
                all.push_back(std::move(m));
            }
        }
        EXPECT_TRUE(done()) << "read only " << all.size() << " messages of StockInfos within 60 s";
    }
    while (all.size() < want && std::chrono::steady_clock::now() < until) {
        auto got = (*c)->Poll(200ms);
        if (!got) break;
        for (auto& m : *got) all.push_back(std::move(m));
    }
    (*c)->Close();
    return all;
}

// sent=… delivered=… failed=… of the worker's last activity line.
std::map<std::string, long> Counts(const std::string& log) {
    std::map<std::string, long> out;
    const std::regex line("sent=([0-9]+) delivered=([0-9]+) failed=([0-9]+)");
    for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator(); ++it) {
        out = {{"sent", std::stol((*it)[1])}, {"delivered", std::stol((*it)[2])}, {"failed", std::stol((*it)[3])}};
    }
    return out;
}

// Ticks of each code strictly later than the one before, stock ids as market.symbols numbers them.
void ExpectInOrder(const std::vector<bus::Message>& read, std::size_t from) {
    std::map<std::string, Timestamp> last;
    const std::map<std::string, market::SymbolId> ids{
        {"000660", 0}, {"005380", 1}, {"005490", 2}, {"005930", 3}, {"035720", 4}};
    for (std::size_t i = from; i < read.size(); ++i) {
        auto m = bus::DecodeStockInfo(read[i].value);
        ASSERT_TRUE(m.has_value()) << m.error().message;
        EXPECT_EQ(m->code, read[i].key);
        EXPECT_EQ(m->tick.symbol, ids.at(m->code));
        EXPECT_EQ(read[i].tp.partition, bus::PartitionFor(m->code, bus::StockInfosSpec().partitions));
        EXPECT_GT(m->tick.ts, last[m->code]) << m->code << " out of order";
        last[m->code] = m->tick.ts;
    }
}

TEST(Distributed, IngestWorkersPublishTheirStocksAndEveryTickInOrderAcrossABrokerRestart) {
    const std::string dir = BrokerDir();
    const std::string addr = Bootstrap();
    ASSERT_FALSE(addr.empty());
    const std::size_t before = ReadAll(addr, 0).size();  // what earlier runs against this broker left

    TempDir tmp;
    const Env env{{"INVESTKING_KAFKA_BOOTSTRAP", addr},
                  {"INVESTKING_MARKET_TICK_INTERVAL_MS", "50"},
                  {"INVESTKING_MARKET_SESSION", "always"}};
    Child a({"ingest", "--symbol", "005930", "--symbol", "000660"}, env, tmp / "a.log");
    Child b({"ingest", "--symbol", "035720"}, env, tmp / "b.log");
    ASSERT_TRUE(WaitFor(
        [&] {
            return ReadFile(tmp / "a.log").find("event=ready") != std::string::npos &&
                   ReadFile(tmp / "b.log").find("event=ready") != std::string::npos;
        },
        60s))
        << ReadFile(tmp / "a.log") << ReadFile(tmp / "b.log");

    // Stop the broker while both produce, then start it again on the same port: the ticks made meanwhile wait
    // in the producers and arrive once it is back.
    ASSERT_GE(ReadAll(addr, before + 30).size(), before + 30) << "ticks flow before the outage";
    const std::string port = addr.substr(addr.rfind(':') + 1);
    const auto stop =
        std::system(("'" + std::string(IK_SOURCE_DIR) + "/scripts/kafka' stop '" + dir + "' >/dev/null 2>&1").c_str());
    ASSERT_EQ(stop, 0);
    // The outage lasts until both producers have noticed it (librdkafka reports the refused connection).
    ASSERT_TRUE(WaitFor(
        [&] {
            return ReadFile(tmp / "a.log").find("Connection refused") != std::string::npos &&
                   ReadFile(tmp / "b.log").find("Connection refused") != std::string::npos;
        },
        60s))
        << ReadFile(tmp / "a.log");
    const auto start = std::system(
        ("'" + std::string(IK_SOURCE_DIR) + "/scripts/kafka' start '" + dir + "' " + port + " >/dev/null").c_str());
    ASSERT_EQ(start, 0) << "broker did not come back on port " << port;
    // Back: ticks made during the outage are delivered before the workers stop.
    ASSERT_GE(ReadAll(addr, before + 60).size(), before + 60);

    EXPECT_EQ(a.Kill(SIGTERM), 0) << ReadFile(tmp / "a.log");
    EXPECT_EQ(b.Kill(SIGTERM), 0) << ReadFile(tmp / "b.log");
    const auto ca = Counts(ReadFile(tmp / "a.log"));
    const auto cb = Counts(ReadFile(tmp / "b.log"));
    ASSERT_FALSE(ca.empty());
    ASSERT_FALSE(cb.empty());
    EXPECT_EQ(ca.at("failed"), 0);
    EXPECT_EQ(cb.at("failed"), 0);
    EXPECT_EQ(ca.at("delivered"), ca.at("sent")) << "every tick acknowledged";
    EXPECT_EQ(cb.at("delivered"), cb.at("sent"));
    const std::size_t produced = static_cast<std::size_t>(ca.at("sent") + cb.at("sent"));
    auto read = ReadAll(addr, before + produced);
    ASSERT_EQ(read.size(), before + produced) << "each tick on StockInfos exactly once";
    ExpectInOrder(read, before);
}

// The fixture's MariaDB (IK_MARIADB_DIR): URL of one of its databases.
std::string DatabaseUrl(const std::string& database) {
    const char* env = std::getenv("IK_MARIADB_DIR");
    const std::string dir = env != nullptr ? env : IK_MARIADB_DIR;
    auto word = [&](const std::string& file) {
        std::string w = ReadFile(dir + "/" + file);
        while (!w.empty() && (w.back() == '\n' || w.back() == ' ')) w.pop_back();
        return w;
    };
    if (word("port").empty()) {
        ADD_FAILURE() << "no database server in " << dir << ": run through ctest (fixture mariadb_server)";
        return "";
    }
    return "mysql://investking:" + word("password") + "@127.0.0.1:" + word("port") + "/" + database;
}

// Every row of a table as text, in a stable order: for comparing the two databases.
std::vector<std::string> Rows(storage::mysql::Connection& c, const char* sql) {
    std::vector<std::string> out;
    auto q = c.Prepare(sql);
    EXPECT_TRUE(q.has_value()) << q.error().message;
    if (!q || !q->Execute()) return out;
    for (;;) {
        auto more = q->Fetch();
        if (!more || !*more) break;
        std::string row;
        for (int i = 0; i < 6; ++i) row += q->Text(i) + "|";
        out.push_back(row);
    }
    return out;
}

std::int64_t Count(storage::mysql::Connection& c) {
    static constexpr const char* kCount = "SELECT COUNT(*) FROM stock_infos";
    auto q = c.Prepare(kCount);
    if (!q || !q->Execute() || !q->Fetch().value_or(false)) return -1;
    return q->Int(0);
}

// The original's picture: five ingest workers (the five parser pods), one sink, two databases that end identical.
TEST(Distributed, FiveIngestWorkersAndASinkFillBothDatabasesAlikeAndASinkKilledMidBatchDuplicatesNothing) {
    const std::string addr = Bootstrap();
    const std::string service_url = DatabaseUrl("investking_service");
    const std::string recommend_url = DatabaseUrl("investking_recommend");
    ASSERT_FALSE(addr.empty());
    ASSERT_FALSE(service_url.empty());
    TempDir tmp;
    const Env env{{"INVESTKING_KAFKA_BOOTSTRAP", addr},
                  {"INVESTKING_MARKET_TICK_INTERVAL_MS", "50"},
                  {"INVESTKING_MARKET_SESSION", "always"},
                  {"INVESTKING_DATABASE_SERVICE_URL", service_url},
                  {"INVESTKING_DATABASE_RECOMMEND_URL", recommend_url}};
    // The test owns the databases (ctest RESOURCE_LOCK): start from no ticks. Earlier tests may have left ticks
    // on StockInfos; the sink takes those too, and the comparison below is against the whole topic.
    {
        auto s = storage::mysql::Connection::Open(*storage::mysql::Dsn::Parse(service_url), 10s);
        auto r = storage::mysql::Connection::Open(*storage::mysql::Dsn::Parse(recommend_url), 10s);
        ASSERT_TRUE(s.has_value() && r.has_value());
        for (auto* c : {s->get(), r->get()}) {
            auto emptied = c->Exec("DELETE FROM stock_infos");
            // A database not migrated yet has no such table: the sink creates it empty.
            ASSERT_TRUE(emptied.has_value() || emptied.error().message.find("doesn't exist") != std::string::npos)
                << emptied.error().message;
        }
    }

    auto sink = std::make_unique<Child>(std::vector<std::string>{"sink"}, env, tmp / "sink-1.log");
    ASSERT_TRUE(WaitFor([&] { return ReadFile(tmp / "sink-1.log").find("event=ready") != std::string::npos; }, 60s))
        << ReadFile(tmp / "sink-1.log");
    auto service = storage::mysql::Connection::Open(*storage::mysql::Dsn::Parse(service_url), 10s);
    auto recommend = storage::mysql::Connection::Open(*storage::mysql::Dsn::Parse(recommend_url), 10s);
    ASSERT_TRUE(service.has_value() && recommend.has_value());

    std::vector<std::unique_ptr<Child>> workers;
    const std::vector<std::string> codes{"000660", "005380", "005490", "005930", "035720"};
    for (const auto& code : codes) {
        workers.push_back(std::make_unique<Child>(std::vector<std::string>{"ingest", "--symbol", code}, env,
                                                  tmp / ("ingest-" + code + ".log")));
    }
    // Kill the sink while ticks stream in, then start another: what it had not committed comes again.
    ASSERT_TRUE(WaitFor([&] { return Count(**service) >= 100; }, 60s)) << ReadFile(tmp / "sink-1.log");
    EXPECT_EQ(sink->Kill(SIGKILL), -SIGKILL);
    sink = std::make_unique<Child>(std::vector<std::string>{"sink"}, env, tmp / "sink-2.log");
    ASSERT_TRUE(WaitFor([&] { return ReadFile(tmp / "sink-2.log").find("event=ready") != std::string::npos; }, 60s))
        << ReadFile(tmp / "sink-2.log");
    ASSERT_TRUE(WaitFor([&] { return Count(**service) >= 300; }, 60s));

    for (std::size_t i = 0; i < workers.size(); ++i) {
        EXPECT_EQ(workers[i]->Kill(SIGTERM), 0);
        const auto c = Counts(ReadFile(tmp / ("ingest-" + codes[i] + ".log")));
        ASSERT_FALSE(c.empty());
        EXPECT_EQ(c.at("failed"), 0);
        EXPECT_EQ(c.at("delivered"), c.at("sent"));
    }
    // Every tick on the topic (this test's and earlier ones'), each once: what both databases must hold.
    std::set<std::pair<std::string, Timestamp>> on_topic;
    for (const auto& m : ReadAll(addr, 0)) {
        auto t = bus::DecodeStockInfo(m.value);
        ASSERT_TRUE(t.has_value()) << t.error().message;
        on_topic.insert({std::to_string(t->tick.symbol), t->tick.ts});
    }
    const auto want = static_cast<std::int64_t>(on_topic.size());
    // Generous: a second sink gets partitions only once the killed one's group session ran out.
    EXPECT_TRUE(WaitFor([&] { return Count(**service) == want && Count(**recommend) == want; }, 120s))
        << "service " << Count(**service) << ", recommend " << Count(**recommend) << ", on the topic " << want;
    EXPECT_EQ(sink->Kill(SIGTERM), 0) << ReadFile(tmp / "sink-2.log");
    static constexpr const char* kKeys = "SELECT stock_id, ts, 0, 0, 0, 0 FROM stock_infos ORDER BY stock_id, ts";
    std::set<std::pair<std::string, Timestamp>> stored;
    for (const auto& row : Rows(**service, kKeys)) {
        const auto bar = row.find('|');
        stored.insert({row.substr(0, bar), std::stoll(row.substr(bar + 1))});
    }
    EXPECT_EQ(stored, on_topic) << "no tick lost, none twice";

    static constexpr const char* kTicks =
        "SELECT stock_id, ts, price, bid, ask, volume FROM stock_infos ORDER BY stock_id, ts";
    static constexpr const char* kStocks =
        "SELECT id, code, name_ko, name_en, market, previous_close FROM stocks ORDER BY id";
    EXPECT_EQ(Rows(**service, kTicks), Rows(**recommend, kTicks)) << "StockInfos identical in both databases";
    const auto stocks = Rows(**service, kStocks);
    EXPECT_EQ(stocks, Rows(**recommend, kStocks)) << "Stocks identical in both databases";
    EXPECT_EQ(stocks.size(), 5U);
}

// ---- The order path: gateways, engines, MariaDB ------------------------------------------------------------

// The port a gateway started with --listen 127.0.0.1:0 logged in its ready line; 0 until then.
unsigned short GatewayPort(const std::string& log) {
    std::smatch m;
    static const std::regex ready("event=ready role=gateway .* port=([0-9]+)");
    return std::regex_search(log, m, ready) ? static_cast<unsigned short>(std::stoi(m[1])) : 0;
}

std::string Text(const boost::json::value& v, const char* key) {
    const auto* o = v.if_object();
    const auto* f = o != nullptr ? o->if_contains(key) : nullptr;
    return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string();
}

// A trade-update stream (/stream, Alpaca's protocol) of one gateway, signed in with an access token. Reads
// time out after 2 s (SO_RCVTIMEO), so a test waiting for a message never hangs.
class TradeStream {
public:
    TradeStream(unsigned short port, const std::string& token) : ws_(io_) {
        namespace net = boost::asio;
        net::ip::tcp::resolver resolver(io_);
        net::connect(ws_.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
        timeval tv{2, 0};
        ::setsockopt(ws_.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ws_.handshake("127.0.0.1:" + std::to_string(port), "/stream");
        Send(R"({"action":"authenticate","data":{"oauth_token":")" + token + R"("}})");
        Send(R"({"action":"listen","data":{"streams":["trade_updates"]}})");
    }
    void Send(const std::string& text) { ws_.write(boost::asio::buffer(text)); }
    // Messages until one contains `needle` (true) or `deadline` passed (false); everything read goes to `seen`.
    bool WaitFor(const std::string& needle, std::chrono::seconds deadline, std::string& seen) {
        const auto until = std::chrono::steady_clock::now() + deadline;
        while (std::chrono::steady_clock::now() < until) {
            boost::beast::flat_buffer buffer;
            boost::system::error_code ec;
            ws_.read(buffer, ec);
            if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again ||
                ec == boost::asio::error::timed_out) {
                continue;
            }
            if (ec) return false;
            const std::string text = boost::beast::buffers_to_string(buffer.data());
            seen += text + "\n";
            if (text.find(needle) != std::string::npos) return true;
        }
        return false;
    }

private:
    boost::asio::io_context io_;
    boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
};

// A buy limit for 005930 that rests: inside the day's band of its built-in previous close (249,500), on the
// tick grid, far below the simulated market.
constexpr const char* kRestingPrice = "180000";

// A new, empty, migrated service database `name` (the fixture's user may create investking_… databases),
// whose engines start at the present end of `orders`: a new cluster on a broker that earlier tests used.
std::string FreshServiceDatabase(const std::string& name) {
    const std::string url = DatabaseUrl(name);
    {
        auto admin =
            storage::mysql::Connection::Open(*storage::mysql::Dsn::Parse(DatabaseUrl("investking_service")), 10s);
        EXPECT_TRUE(admin.has_value());
        if (!admin) return "";
        EXPECT_TRUE((*admin)->Exec("DROP DATABASE IF EXISTS " + name).has_value());
        EXPECT_TRUE(
            (*admin)->Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin").has_value());
    }
    auto store = storage::MysqlServiceStore::Open(*storage::mysql::Dsn::Parse(url));
    EXPECT_TRUE(store.has_value()) << store.error().message;
    if (!store || !(*store)->Migrate()) return "";
    const SystemClock clock;
    bus::KafkaOptions o;
    o.bootstrap = Bootstrap();
    auto b = bus::KafkaBus::Connect(o, clock);
    EXPECT_TRUE(b.has_value());
    if (!b) return "";
    auto partitions = (*b)->Partitions(bus::kOrdersTopic);
    if (!partitions) return url;  // no orders yet: the engines create the topic
    storage::WriteBatch start;
    for (std::int32_t p = 0; p < *partitions; ++p) {
        auto end = (*b)->EndOffset({std::string(bus::kOrdersTopic), p});
        EXPECT_TRUE(end.has_value());
        start.offsets.push_back({"investking-engine", std::string(bus::kOrdersTopic), p, -1, end.value_or(0)});
    }
    EXPECT_TRUE((*store)->Commit(start).has_value());
    return url;
}

constexpr const char* kAdminPassword = "cluster-admin-password-for-tests";

// A cluster of this test's own: engines and gateways (and one ingest worker for prices) on the fixtures' servers.
class Cluster {
public:
    Cluster(TempDir& tmp, const std::string& database) : tmp_(tmp) {
        env_ = {{"INVESTKING_KAFKA_BOOTSTRAP", Bootstrap()},
                {"INVESTKING_MARKET_TICK_INTERVAL_MS", "100"},
                {"INVESTKING_MARKET_SESSION", "always"},
                {"INVESTKING_KAFKA_ORDERS_PARTITIONS", "12"},
                {"INVESTKING_DATABASE_SERVICE_URL", FreshServiceDatabase(database)},
                {"INVESTKING_JWT_SECRET", "a-test-only-signing-key-of-at-least-32-bytes"},
                {"INVESTKING_ADMIN_PASSWORD", kAdminPassword},
                {"INVESTKING_HTTP_ACCESS_LOG", "false"},
                {"INVESTKING_HTTP_WEB_ROOT", ""}};
    }
    const Env& env() const { return env_; }
    void SetEnv(const std::string& name, const std::string& value) { env_[name] = value; }

    Child& Start(const std::string& name, std::vector<std::string> args) {
        auto& c = children_[name];
        c = std::make_unique<Child>(std::move(args), env_, Log(name));
        return *c;
    }
    std::string Log(const std::string& name) const { return tmp_ / (name + ".log"); }
    bool Ready(const std::string& name) const { return ReadFile(Log(name)).find("event=ready") != std::string::npos; }
    // Starts each process, then waits until every one logged event=ready; else says which did not, with its log.
    ::testing::AssertionResult StartReady(const std::vector<std::pair<std::string, std::vector<std::string>>>& roles) {
        for (const auto& [name, args] : roles) Start(name, args);
        for (const auto& [name, args] : roles) {
            if (!WaitFor([&] { return Ready(name); }, 90s)) {
                return ::testing::AssertionFailure() << name << " not ready:\n" << ReadFile(Log(name));
            }
        }
        return ::testing::AssertionSuccess();
    }
    Child& operator[](const std::string& name) { return *children_.at(name); }
    void Forget(const std::string& name) { children_.erase(name); }

private:
    TempDir& tmp_;
    Env env_;
    std::map<std::string, std::unique_ptr<Child>> children_;
};

struct Trader {
    std::string name;
    std::string token;
    Headers bearer() const { return {{"authorization", "Bearer " + token}}; }
};

Trader SignUp(HttpClient& http, const std::string& name) {
    Trader t{name, ""};
    const std::string password = "pw-" + name + "-secret";
    auto signup = http.Post("/api/v1/auth/signup", {{"username", name}, {"password", password}});
    EXPECT_EQ(signup.status, 201) << signup.body;
    auto login = http.Post("/api/v1/auth/login", {{"username", name}, {"password", password}});
    EXPECT_EQ(login.status, 200) << login.body;
    t.token = Text(login.json(), "access_token");
    return t;
}

// `sql` is a literal (the connection caches statements by pointer), with at most one parameter.
std::int64_t QueryInt(storage::mysql::Connection& c, const char* sql, std::optional<std::string> param = std::nullopt) {
    auto q = c.Prepare(sql);
    if (!q) return -1;
    if (param) q->Bind(0, std::string_view(*param));
    if (!q->Execute() || !q->Fetch().value_or(false)) return -1;
    const std::int64_t value = q->Int(0);
    while (q->Fetch().value_or(false)) {
    }
    return value;
}

// Gateway 1 takes the order; the owning engine applies it and stores it in MariaDB; the answer comes back
// through order-updates; gateway 2, reading the same database and updates, sees the same account.
TEST(Distributed, AnOrderTravelsFromAGatewayThroughKafkaAndAnEngineIntoMariaDbAndBack) {
    TempDir tmp;
    Cluster cluster(tmp, "investking_t_order_path");
    ASSERT_TRUE(cluster.StartReady({{"engine-1", {"engine", "--instance", "1"}},
                                    {"engine-2", {"engine", "--instance", "2"}},
                                    {"ingest", {"ingest", "--symbol", "005930"}},
                                    {"gateway-1", {"gateway", "--listen", "127.0.0.1:0"}},
                                    {"gateway-2", {"gateway", "--listen", "127.0.0.1:0"}}}));
    // An instance number runs once: a second engine 2 is refused (its ids would collide with the first's).
    auto& twin = cluster.Start("engine-2-twin", {"engine", "--instance", "2"});
    ASSERT_TRUE(WaitFor([&] { return !twin.Running(); }, 60s)) << ReadFile(cluster.Log("engine-2-twin"));
    EXPECT_EQ(twin.exit_code(), 2) << ReadFile(cluster.Log("engine-2-twin"));
    EXPECT_NE(ReadFile(cluster.Log("engine-2-twin")).find("instance 2 runs already"), std::string::npos)
        << ReadFile(cluster.Log("engine-2-twin"));
    HttpClient one(GatewayPort(ReadFile(cluster.Log("gateway-1"))));
    HttpClient two(GatewayPort(ReadFile(cluster.Log("gateway-2"))));
    const Trader t = SignUp(one, "dist_alice");
    ASSERT_FALSE(t.token.empty());
    // The other gateway's trade stream sees the fill: every gateway reads every update.
    TradeStream stream(GatewayPort(ReadFile(cluster.Log("gateway-2"))), t.token);
    std::string streamed;
    ASSERT_TRUE(stream.WaitFor(R"("listening")", 10s, streamed)) << streamed;
    // The engine has a price once a tick of 005930 reached it.
    HttpReply order;
    ASSERT_TRUE(WaitFor(
        [&] {
            order = one.Post(
                "/v2/orders",
                {{"symbol", "005930"}, {"qty", "3"}, {"side", "buy"}, {"type", "market"}, {"time_in_force", "day"}},
                t.bearer());
            return order.status == 200;
        },
        60s))
        << order.status << " " << order.body << ReadFile(cluster.Log("engine-1")) << ReadFile(cluster.Log("engine-2"));
    const std::string id = Text(order.json(), "id");
    ASSERT_FALSE(id.empty());
    EXPECT_EQ(Text(order.json(), "status"), "filled") << order.body;
    EXPECT_TRUE(stream.WaitFor(R"("event":"fill")", 10s, streamed)) << streamed;
    EXPECT_NE(streamed.find(id), std::string::npos) << streamed;

    // The token of gateway 1 works on gateway 2 (one signing key); the order and the position are there too.
    auto seen = two.Get("/v2/orders/" + id, t.bearer());
    ASSERT_EQ(seen.status, 200) << seen.body;
    EXPECT_EQ(Text(seen.json(), "filled_qty"), "3");
    ASSERT_TRUE(WaitFor([&] { return two.Get("/v2/positions/005930", t.bearer()).status == 200; }, 10s));
    EXPECT_EQ(Text(two.Get("/v2/positions/005930", t.bearer()).json(), "qty"), "3");

    // A limit order far below the market (in the band, on the tick grid) rests, then is canceled through the
    // other gateway.
    auto rest = two.Post("/v2/orders",
                         {{"symbol", "005930"},
                          {"qty", "1"},
                          {"side", "buy"},
                          {"type", "limit"},
                          {"time_in_force", "day"},
                          {"limit_price", kRestingPrice}},
                         t.bearer());
    ASSERT_EQ(rest.status, 200) << rest.body;
    const std::string resting = Text(rest.json(), "id");
    EXPECT_EQ(one.Send("DELETE", "/v2/orders/" + resting, "", t.bearer()).status, 204);
    // Refusals come back from the engine as they do in `serve`.
    auto broke = one.Post(
        "/v2/orders",
        {{"symbol", "005930"}, {"qty", "100000"}, {"side", "buy"}, {"type", "market"}, {"time_in_force", "day"}},
        t.bearer());
    EXPECT_EQ(broke.status, 403) << broke.body;

    // In MariaDB, durable before the answer.
    auto db =
        storage::mysql::Connection::Open(*storage::mysql::Dsn::Parse(DatabaseUrl("investking_t_order_path")), 10s);
    ASSERT_TRUE(db.has_value());
    EXPECT_EQ(QueryInt(**db, "SELECT COUNT(*) FROM orders WHERE status = 'filled' AND qty = 3"), 1);
    EXPECT_EQ(QueryInt(**db, "SELECT COUNT(*) FROM orders WHERE status = 'canceled' AND qty = 1"), 1);
    EXPECT_EQ(QueryInt(**db, "SELECT SUM(qty) FROM fills"), 3);
    EXPECT_GT(QueryInt(**db, "SELECT COUNT(*) FROM consumer_offsets WHERE consumer = 'investking-engine'"), 0);

    // The admin universe API: a halt made on gateway 1 pauses the ingest worker and is refused by whichever
    // engine owns the account, through gateway 2; a resumption there trades again.
    auto login = one.Post("/api/v1/auth/login", {{"username", "admin"}, {"password", kAdminPassword}});
    ASSERT_EQ(login.status, 200) << login.body;
    const Headers admin{{"authorization", "Bearer " + Text(login.json(), "access_token")}};
    auto halted = one.Send("PATCH", "/api/v1/admin/universe/005930", R"({"status":"halted"})", admin);
    ASSERT_EQ(halted.status, 200) << halted.body;
    EXPECT_EQ(Text(halted.json(), "status"), "halted");
    const boost::json::object buy_one{
        {"symbol", "005930"}, {"qty", "1"}, {"side", "buy"}, {"type", "market"}, {"time_in_force", "day"}};
    ASSERT_TRUE(WaitFor(
        [&] { return ReadFile(cluster.Log("ingest")).find("event=symbol_paused code=005930") != std::string::npos; },
        10s))
        << ReadFile(cluster.Log("ingest"));
    HttpReply refused;
    EXPECT_TRUE(WaitFor(
        [&] {
            refused = two.Post("/v2/orders", buy_one, t.bearer());
            return refused.status == 422 && refused.body.find("005930 is halted") != std::string::npos;
        },
        10s))
        << refused.status << " " << refused.body;
    ASSERT_EQ(two.Send("PATCH", "/api/v1/admin/universe/005930", R"({"status":"active"})", admin).status, 200);
    HttpReply again;
    EXPECT_TRUE(WaitFor(
        [&] {
            again = one.Post("/v2/orders", buy_one, t.bearer());
            return again.status == 200 && Text(again.json(), "status") == "filled";
        },
        30s))
        << again.status << " " << again.body;

    // A stock listed at run time through gateway 2 takes the next id in MariaDB; an ingest worker started for it
    // prices it, and it trades through gateway 1.
    auto listed =
        two.Post("/api/v1/admin/universe",
                 {{"code", "000270"}, {"name_ko", "기아"}, {"market", "KOSPI"}, {"previous_close", 100'000}}, admin);
    ASSERT_EQ(listed.status, 201) << listed.body;
    EXPECT_EQ(QueryInt(**db, "SELECT id FROM stocks WHERE code = '000270'"), 5);
    cluster.Start("ingest-kia", {"ingest", "--symbol", "000270"});
    const boost::json::object buy_kia{
        {"symbol", "000270"}, {"qty", "2"}, {"side", "buy"}, {"type", "market"}, {"time_in_force", "day"}};
    // Once its first tick reached the gateways (and so, about then, the engines), one order, filled on a tick.
    ASSERT_TRUE(WaitFor([&] { return one.Get("/v2/stocks/000270/trades/latest", t.bearer()).status == 200; }, 60s))
        << ReadFile(cluster.Log("ingest-kia"));
    auto kia = one.Post("/v2/orders", buy_kia, t.bearer());
    ASSERT_EQ(kia.status, 200) << kia.body;
    const std::string kia_id = Text(kia.json(), "id");
    EXPECT_TRUE(
        WaitFor([&] { return Text(one.Get("/v2/orders/" + kia_id, t.bearer()).json(), "status") == "filled"; }, 30s))
        << one.Get("/v2/orders/" + kia_id, t.bearer()).body;
    EXPECT_EQ(
        QueryInt(**db, "SELECT SUM(f.qty) FROM fills f JOIN stocks s ON s.id = f.stock_id WHERE s.code = '000270'"), 2);

    // Every engine stopped: a command is answered 504 (no answer in time), not lost silently.
    EXPECT_EQ(cluster["engine-1"].Kill(SIGTERM), 0) << ReadFile(cluster.Log("engine-1"));
    EXPECT_EQ(cluster["engine-2"].Kill(SIGTERM), 0) << ReadFile(cluster.Log("engine-2"));
    auto unanswered = one.Post("/v2/orders",
                               {{"symbol", "005930"},
                                {"qty", "1"},
                                {"side", "buy"},
                                {"type", "limit"},
                                {"time_in_force", "day"},
                                {"limit_price", kRestingPrice}},
                               t.bearer());
    EXPECT_EQ(unanswered.status, 504) << unanswered.body;
    for (const char* name : {"gateway-1", "gateway-2", "ingest", "ingest-kia"}) {
        EXPECT_EQ(cluster[name].Kill(SIGTERM), 0) << ReadFile(cluster.Log(name));
    }
    // That order was published and waits on `orders` for the next engine that owns its partition.
}

// Load through a gateway while one of two engines is SIGKILLed: its partitions move to the other, every
// acknowledged order is in MariaDB, no fill is applied twice, and `investking verify` finds the books whole.
TEST(Distributed, AnEngineKilledUnderLoadHandsItsPartitionsOverAndNoAcknowledgedOrderIsLost) {
    TempDir tmp;
    Cluster cluster(tmp, "investking_t_failover");
    ASSERT_TRUE(cluster.StartReady({{"engine-1", {"engine", "--instance", "1"}},
                                    {"engine-2", {"engine", "--instance", "2"}},
                                    {"ingest", {"ingest", "--symbol", "005930", "--symbol", "035720"}},
                                    {"gateway", {"gateway", "--listen", "127.0.0.1:0"}}}));
    // Both engines own partitions before the load starts.
    ASSERT_TRUE(WaitFor(
        [&] {
            return ReadFile(cluster.Log("engine-1")).find("event=partitions_assigned") != std::string::npos &&
                   ReadFile(cluster.Log("engine-2")).find("event=partitions_assigned") != std::string::npos;
        },
        60s))
        << ReadFile(cluster.Log("engine-1")) << ReadFile(cluster.Log("engine-2"));
    const unsigned short port = GatewayPort(ReadFile(cluster.Log("gateway")));
    std::vector<Trader> traders;
    {
        HttpClient http(port);
        for (int i = 0; i < 12; ++i) traders.push_back(SignUp(http, "dist_load_" + std::to_string(i)));
    }
    // Four client threads, each placing small market buys and resting limit orders for its traders.
    std::mutex mutex;
    std::set<std::string> acknowledged;
    std::map<int, int> statuses;
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
        clients.emplace_back([&, c] {
            HttpClient http(port);
            for (int n = 0; !stop.load(); ++n) {
                const Trader& t = traders[static_cast<std::size_t>((c + 4 * n) % traders.size())];
                const bool market = n % 2 == 0;
                boost::json::object body{{"symbol", market && n % 3 == 0 ? "035720" : "005930"},
                                         {"qty", "1"},
                                         {"side", "buy"},
                                         {"type", market ? "market" : "limit"},
                                         {"time_in_force", "day"}};
                if (!market) body["limit_price"] = kRestingPrice;
                const std::string client_id = "load-" + std::to_string(c) + "-" + std::to_string(n);
                body["client_order_id"] = client_id;
                auto r = http.Post("/v2/orders", body, t.bearer());
                std::lock_guard lock(mutex);
                statuses[r.status] += 1;
                if (r.status == 200) {
                    EXPECT_EQ(Text(r.json(), "client_order_id"), client_id);
                    acknowledged.insert(client_id);
                }
            }
        });
    }
    auto count_ok = [&] {
        std::lock_guard lock(mutex);
        return acknowledged.size();
    };
    ASSERT_TRUE(WaitFor([&] { return count_ok() >= 100; }, 90s)) << ReadFile(cluster.Log("gateway"));
    EXPECT_EQ(cluster["engine-1"].Kill(SIGKILL), -SIGKILL);
    cluster.Forget("engine-1");
    // The survivor takes every partition over (after the group's session timeout) and orders flow again.
    const std::size_t at_kill = count_ok();
    ASSERT_TRUE(WaitFor([&] { return count_ok() >= at_kill + 100; }, 120s)) << ReadFile(cluster.Log("engine-2"));
    // The killed engine comes back and gets its share again.
    cluster.Start("engine-1b", {"engine", "--instance", "1"});
    ASSERT_TRUE(WaitFor([&] { return cluster.Ready("engine-1b"); }, 90s)) << ReadFile(cluster.Log("engine-1b"));
    const std::size_t at_restart = count_ok();
    ASSERT_TRUE(WaitFor([&] { return count_ok() >= at_restart + 50; }, 120s));
    stop = true;
    for (auto& t : clients) t.join();
    for (const char* name : {"gateway", "engine-2", "engine-1b", "ingest"}) {
        EXPECT_EQ(cluster[name].Kill(SIGTERM), 0) << ReadFile(cluster.Log(name));
    }
    {
        std::lock_guard lock(mutex);
        std::string seen;
        for (const auto& [status, n] : statuses) seen += std::to_string(status) + ":" + std::to_string(n) + " ";
        std::printf("distributed load: %zu acknowledged; statuses %s\n", acknowledged.size(), seen.c_str());
        for (const auto& [status, n] : statuses) {
            EXPECT_TRUE(status == 200 || status == 504 || status == 503) << status << " ×" << n;
        }
    }

    auto db = storage::mysql::Connection::Open(*storage::mysql::Dsn::Parse(DatabaseUrl("investking_t_failover")), 10s);
    ASSERT_TRUE(db.has_value());
    std::size_t missing = 0;
    for (const auto& id : acknowledged) {
        if (QueryInt(**db, "SELECT COUNT(*) FROM orders WHERE client_order_id = ?", id) != 1) ++missing;
    }
    EXPECT_EQ(missing, 0U) << "every acknowledged order is stored";
    // No fill applied twice: one fill per filled market order of one share, and the books balance.
    EXPECT_EQ(QueryInt(**db,
                       "SELECT COUNT(*) FROM (SELECT order_id FROM fills GROUP BY order_id HAVING SUM(qty) > 1"
                       " AND order_id IN (SELECT id FROM orders WHERE qty = 1)) t"),
              0);
    auto verify = RunCli({"verify"}, cluster.env());
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
    EXPECT_NE(verify.out.find("verify: ok"), std::string::npos) << verify.out;
}

// Price alerts through the cluster: alerts made on a gateway reach the alerts role; ticks injected through the
// gateway cross them; the alerts role is SIGKILLed right after the crossing ticks, before it may have stored or
// committed anything, and restarted: each alert fires exactly once, the once alerts stay disarmed, a second alerts
// role is refused while one runs, and a later firing is pushed on the gateway's /stream.
TEST(Distributed, AnAlertsRoleKilledRightAfterACrossingFiresEachAlertOnceAfterItsRestart) {
    TempDir tmp;
    Cluster cluster(tmp, "investking_t_alerts");
    cluster.SetEnv("INVESTKING_MARKET_ALLOW_INJECTION", "true");
    ASSERT_TRUE(cluster.StartReady({{"engine-1", {"engine", "--instance", "1"}},
                                    {"alerts", {"alerts"}},
                                    {"gateway-1", {"gateway", "--listen", "127.0.0.1:0"}}}));
    auto& twin = cluster.Start("alerts-twin", {"alerts"});
    ASSERT_TRUE(WaitFor([&] { return !twin.Running(); }, 60s)) << ReadFile(cluster.Log("alerts-twin"));
    EXPECT_EQ(twin.exit_code(), 2) << ReadFile(cluster.Log("alerts-twin"));
    const unsigned short port = GatewayPort(ReadFile(cluster.Log("gateway-1")));
    HttpClient http(port);
    const Trader t = SignUp(http, "dist_alerts");
    auto admin_login = http.Post("/api/v1/auth/login", {{"username", "admin"}, {"password", kAdminPassword}});
    ASSERT_EQ(admin_login.status, 200) << admin_login.body;
    const Headers admin{{"authorization", "Bearer " + Text(admin_login.json(), "access_token")}};
    auto inject = [&](int price) {
        auto r = http.Post("/api/v1/admin/ticks", {{"symbol", "005930"}, {"price", price}, {"volume", 10}}, admin);
        EXPECT_EQ(r.status, 200) << r.body;
    };
    auto create = [&](const char* kind, int level, const char* mode) {
        auto r = http.Post("/api/v1/alerts",
                           {{"symbol", "005930"},
                            {"kind", kind},
                            {"level", level},
                            {"mode", mode},
                            {"channels", boost::json::array{"in_app"}}},
                           t.bearer());
        EXPECT_EQ(r.status, 201) << r.body;
        return Text(r.json(), "id");
    };
    auto fired = [&](const std::string& alert) {
        const boost::json::value inbox = http.Get("/api/v1/notifications?limit=500", t.bearer()).json();
        const auto* o = inbox.if_object();
        const auto* items = o != nullptr && o->contains("notifications") ? o->at("notifications").if_array() : nullptr;
        std::size_t n = 0;
        for (const auto& item : items != nullptr ? *items : boost::json::array{}) n += Text(item, "alert_id") == alert;
        return n;
    };
    std::vector<std::string> once;
    for (int level : {251'000, 252'000, 253'000}) once.push_back(create("price_at_or_above", level, "once"));
    const std::string repeat = create("price_at_or_below", 249'000, "repeat");
    // A probe made last: one user's changes travel in order, so once it fires the role knows every alert above.
    const std::string probe = create("price_at_or_above", 250'500, "repeat");
    ASSERT_TRUE(WaitFor(
        [&] {
            inject(250'000);
            inject(250'500);
            return fired(probe) > 0;
        },
        60s))
        << ReadFile(cluster.Log("alerts"));
    inject(254'000);  // crosses the three once alerts
    inject(248'500);  // and the repeat one
    EXPECT_EQ(cluster["alerts"].Kill(SIGKILL), -SIGKILL);
    cluster.Forget("alerts");
    ASSERT_TRUE(cluster.StartReady({{"alerts-2", {"alerts"}}}));
    ASSERT_TRUE(WaitFor(
        [&] { return fired(repeat) == 1 && fired(once[0]) == 1 && fired(once[1]) == 1 && fired(once[2]) == 1; }, 60s))
        << ReadFile(cluster.Log("alerts-2"));
    for (const auto& id : once) {
        EXPECT_EQ(Text(http.Get("/api/v1/alerts/" + id, t.bearer()).json(), "status"), "fired");
    }
    // A later crossing of the repeat alert is pushed on /stream; the once alerts do not fire again on the way.
    TradeStream stream(port, t.token);
    stream.Send(R"({"action":"listen","data":{"streams":["trade_updates","notifications"]}})");
    std::string streamed;
    ASSERT_TRUE(stream.WaitFor(R"("notifications"]})", 10s, streamed)) << streamed;
    inject(254'000);
    inject(248'000);
    // (The probe fires on the way up; the repeat alert's push is the one on the way down.)
    ASSERT_TRUE(stream.WaitFor("\"alert_id\":\"" + repeat + "\"", 30s, streamed)) << streamed;
    EXPECT_NE(streamed.find("248,000"), std::string::npos) << streamed;
    EXPECT_EQ(fired(repeat), 2U);
    for (const auto& id : once) EXPECT_EQ(fired(id), 1U) << id;
}

}  // namespace
}  // namespace ik::testing
