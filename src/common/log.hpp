#pragma once
// One named spdlog logger per module, printing key=value lines. Never log secrets or tokens.
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace ik {

// Returns the logger for a module ("engine", "storage", …), creating it on first use. Thread-safe.
std::shared_ptr<spdlog::logger> GetLogger(const std::string& module);

// Sets the level of every module logger ("trace", "debug", "info", "warn", "error", "off").
bool SetLogLevel(const std::string& level);

}  // namespace ik
