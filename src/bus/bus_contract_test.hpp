#pragma once
// The bus contract: what every Bus implementation must do, as one GoogleTest suite. An implementation's
// test file instantiates it with a factory:
//
//   INSTANTIATE_TEST_SUITE_P(InProc, BusContract, ::testing::Values(BusFactory{"inproc", [] { … }}));
//
// Topic and group names carry a per-test prefix, so the suite can share one broker.
#include <functional>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "bus/bus.hpp"

namespace ik::bus::testing {

struct BusFactory {
    std::string name;
    std::function<std::unique_ptr<Bus>()> make;
    // How long a consumer may take to join a group and get partitions (a broker needs seconds).
    std::chrono::milliseconds settle{2'000};
};

inline void PrintTo(const BusFactory& f, std::ostream* os) { *os << f.name; }

class BusContract : public ::testing::TestWithParam<BusFactory> {};

}  // namespace ik::bus::testing
