// The distributed mode's processes against the real Kafka broker (3.9, KRaft) and MariaDB that the ctest
// fixtures run: the ingest role's ticks on StockInfos, in order and complete across a broker restart; five
// ingest workers and the sink filling both databases alike, with the sink killed mid-stream.
#include <cstdlib>
#include <csignal>
#include <map>
#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "bus/kafka/kafka_bus.hpp"
#include "bus/topics.hpp"
#include "integration/process.hpp"
#include "storage/mysql/db.hpp"

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
    auto c = (*b)->NewConsumer({.group = "distributed-test-" + std::to_string(::getpid()) + "-" + std::to_string(group++),
                                .topics = {std::string(bus::kStockInfosTopic)}});
    EXPECT_TRUE(c.has_value()) << c.error().message;
    if (!c) return {};
    std::vector<bus::Message> all;
    const auto until = std::chrono::steady_clock::now() + 60s;
    if (want == 0) {
        // Everything there now (nobody produces): read until the group has its partitions and a poll of 2 s
        // brings nothing more.
        while (std::chrono::steady_clock::now() < until) {
            auto got = (*c)->Poll(2s);
            if (!got || (got->empty() && !(*c)->Assignment().empty())) break;
            for (auto& m : *got) all.push_back(std::move(m));
        }
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
    const std::map<std::string, market::SymbolId> ids{{"000660", 0}, {"005380", 1}, {"005490", 2}, {"005930", 3}, {"035720", 4}};
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
    const Env env{{"INVESTKING_KAFKA_BOOTSTRAP", addr}, {"INVESTKING_MARKET_TICK_INTERVAL_MS", "50"},
                  {"INVESTKING_MARKET_SESSION", "always"}};
    Child a({"ingest", "--symbol", "005930", "--symbol", "000660"}, env, tmp / "a.log");
    Child b({"ingest", "--symbol", "035720"}, env, tmp / "b.log");
    ASSERT_TRUE(WaitFor([&] { return ReadFile(tmp / "a.log").find("event=ready") != std::string::npos &&
                                     ReadFile(tmp / "b.log").find("event=ready") != std::string::npos; },
                        60s))
        << ReadFile(tmp / "a.log") << ReadFile(tmp / "b.log");

    // Stop the broker while both produce, then start it again on the same port: the ticks made meanwhile wait
    // in the producers and arrive once it is back.
    ASSERT_GE(ReadAll(addr, before + 30).size(), before + 30) << "ticks flow before the outage";
    const std::string port = addr.substr(addr.rfind(':') + 1);
    const auto stop = std::system(("'" + std::string(IK_SOURCE_DIR) + "/scripts/kafka' stop '" + dir + "' >/dev/null 2>&1").c_str());
    ASSERT_EQ(stop, 0);
    // The outage lasts until both producers have noticed it (librdkafka reports the refused connection).
    ASSERT_TRUE(WaitFor([&] { return ReadFile(tmp / "a.log").find("Connection refused") != std::string::npos &&
                                     ReadFile(tmp / "b.log").find("Connection refused") != std::string::npos; },
                        60s))
        << ReadFile(tmp / "a.log");
    const auto start = std::system(("'" + std::string(IK_SOURCE_DIR) + "/scripts/kafka' start '" + dir + "' " + port + " >/dev/null").c_str());
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
    const Env env{{"INVESTKING_KAFKA_BOOTSTRAP", addr}, {"INVESTKING_MARKET_TICK_INTERVAL_MS", "50"},
                  {"INVESTKING_MARKET_SESSION", "always"}, {"INVESTKING_DATABASE_SERVICE_URL", service_url},
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
    EXPECT_TRUE(WaitFor([&] { return Count(**service) == want && Count(**recommend) == want; }, 60s))
        << "service " << Count(**service) << ", recommend " << Count(**recommend) << ", on the topic " << want;
    EXPECT_EQ(sink->Kill(SIGTERM), 0) << ReadFile(tmp / "sink-2.log");
    static constexpr const char* kKeys = "SELECT stock_id, ts, 0, 0, 0, 0 FROM stock_infos ORDER BY stock_id, ts";
    std::set<std::pair<std::string, Timestamp>> stored;
    for (const auto& row : Rows(**service, kKeys)) {
        const auto bar = row.find('|');
        stored.insert({row.substr(0, bar), std::stoll(row.substr(bar + 1))});
    }
    EXPECT_EQ(stored, on_topic) << "no tick lost, none twice";

    static constexpr const char* kTicks = "SELECT stock_id, ts, price, bid, ask, volume FROM stock_infos ORDER BY stock_id, ts";
    static constexpr const char* kStocks = "SELECT id, code, name_ko, name_en, market, previous_close FROM stocks ORDER BY id";
    EXPECT_EQ(Rows(**service, kTicks), Rows(**recommend, kTicks)) << "StockInfos identical in both databases";
    const auto stocks = Rows(**service, kStocks);
    EXPECT_EQ(stocks, Rows(**recommend, kStocks)) << "Stocks identical in both databases";
    EXPECT_EQ(stocks.size(), 5U);
}

}  // namespace
}  // namespace ik::testing
