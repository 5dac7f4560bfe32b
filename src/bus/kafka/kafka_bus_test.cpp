// The bus contract against a real Kafka broker (3.9, KRaft), started for the test run by the ctest fixture
// kafka_broker (scripts/kafka start build/…/kafka-broker); IK_KAFKA_DIR names that folder.
#include "bus/kafka/kafka_bus.hpp"

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "bus/bus_contract_test.hpp"

namespace ik::bus::testing {
namespace {

const SystemClock kClock;

// "127.0.0.1:PORT" of the fixture's broker; the test fails (never skips) without one.
std::string Bootstrap() {
    if (const char* b = std::getenv("IK_KAFKA_BOOTSTRAP"); b != nullptr && *b != 0) return b;
    const char* dir = std::getenv("IK_KAFKA_DIR");
    if (dir == nullptr) {
        ADD_FAILURE() << "no broker: run through ctest (fixture kafka_broker) or set IK_KAFKA_BOOTSTRAP";
        return "";
    }
    std::ifstream in(std::string(dir) + "/kafka.addr");
    std::string addr;
    in >> addr;
    if (addr.empty()) ADD_FAILURE() << "no broker address in " << dir << "/kafka.addr (did kafka_broker_start run?)";
    return addr;
}

std::unique_ptr<Bus> Connect() {
    KafkaOptions o;
    o.bootstrap = Bootstrap();
    o.connect_timeout = std::chrono::seconds(60);
    o.session_timeout = std::chrono::seconds(6);
    auto bus = KafkaBus::Connect(o, kClock);
    if (!bus) {
        ADD_FAILURE() << bus.error().message;
        std::abort();  // every contract test needs the broker
    }
    return std::move(*bus);
}

INSTANTIATE_TEST_SUITE_P(Kafka, BusContract, ::testing::Values(BusFactory{"kafka", Connect, std::chrono::seconds(10)}),
                         [](const auto& info) { return info.param.name; });

TEST(KafkaBus, AnUnreachableBrokerIsReportedClearlyWithinTheTimeout) {
    KafkaOptions o;
    o.bootstrap = "127.0.0.1:1";  // nothing listens on port 1
    o.connect_timeout = std::chrono::seconds(3);
    const auto start = std::chrono::steady_clock::now();
    auto bus = KafkaBus::Connect(o, kClock);
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(bus.has_value());
    EXPECT_EQ(bus.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(bus.error().message.find("127.0.0.1:1"), std::string::npos) << bus.error().message;
    EXPECT_LT(took, std::chrono::seconds(10));
    EXPECT_EQ(KafkaBus::Connect(KafkaOptions{}, kClock).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace ik::bus::testing
