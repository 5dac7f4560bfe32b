// The distributed mode's processes against the real Kafka broker (3.9, KRaft) that the ctest fixture
// kafka_broker runs (IK_KAFKA_DIR): the ingest role's ticks on StockInfos, in order and complete, also across a
// broker restart.
#include <cstdlib>
#include <csignal>
#include <map>
#include <regex>

#include <gtest/gtest.h>

#include "bus/kafka/kafka_bus.hpp"
#include "bus/topics.hpp"
#include "integration/process.hpp"

namespace ik::testing {
namespace {

using namespace std::chrono_literals;

std::string BrokerDir() {
    const char* dir = std::getenv("IK_KAFKA_DIR");
    if (dir == nullptr) ADD_FAILURE() << "no broker: run through ctest (fixture kafka_broker)";
    return dir != nullptr ? dir : "";
}

std::string Bootstrap() {
    std::string addr = ReadFile(BrokerDir() + "/kafka.addr");
    while (!addr.empty() && (addr.back() == '\n' || addr.back() == ' ')) addr.pop_back();
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
        EXPECT_EQ(read[i].tp.partition, bus::PartitionFor(m->code, 6));
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

}  // namespace
}  // namespace ik::testing
