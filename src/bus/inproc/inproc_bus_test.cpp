#include "bus/inproc/inproc_bus.hpp"

#include <gtest/gtest.h>

#include "bus/bus_contract_test.hpp"

namespace ik::bus::testing {
namespace {

const SystemClock kClock;

INSTANTIATE_TEST_SUITE_P(InProc, BusContract,
                         ::testing::Values(BusFactory{"inproc", [] { return std::make_unique<InProcBus>(kClock); },
                                                      std::chrono::milliseconds(100)}),
                         [](const auto& info) { return info.param.name; });

// Kafka's own test vectors (clients' UtilsTest.testMurmur2), as signed 32-bit results.
TEST(PartitionFor, MatchesKafkasMurmur2) {
    EXPECT_EQ(static_cast<std::int32_t>(Murmur2("21")), -973932308);
    EXPECT_EQ(static_cast<std::int32_t>(Murmur2("foobar")), -790332482);
    EXPECT_EQ(static_cast<std::int32_t>(Murmur2("a-little-bit-long-string")), -985981536);
    EXPECT_EQ(static_cast<std::int32_t>(Murmur2("a-little-bit-longer-string")), -1486304829);
    EXPECT_EQ(static_cast<std::int32_t>(Murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")), -58897971);
    EXPECT_EQ(static_cast<std::int32_t>(Murmur2("abc")), 479470107);
    for (std::int32_t n : {1, 3, 12}) {
        for (const char* key : {"", "005930", "00000042"}) {
            const auto p = PartitionFor(key, n);
            EXPECT_GE(p, 0);
            EXPECT_LT(p, n);
        }
    }
}

}  // namespace
}  // namespace ik::bus::testing
