#pragma once
#include <string>

namespace ik::app {
// "investking 0.1.0 (commit abc1234)"
std::string VersionString();
}  // namespace ik::app
