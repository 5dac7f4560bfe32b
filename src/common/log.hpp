#pragma once
// One named spdlog logger per module, printing key=value lines. Never log secrets or tokens.
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace ik {

// Returns the logger for a module ("engine", "storage", …), creating it on first use. Thread-safe.
std::shared_ptr<spdlog::logger> GetLogger(const std::string& module);

// A logger for high-volume lines (the HTTP access log): the same format on stderr, but lines are gathered and
// written in blocks of whole lines (at most 4 KiB, so a pipe never splits one) when the block is full, at
// least once a second, at every warning or error, and on FlushLogs(). A crash can lose the last second of it.
std::shared_ptr<spdlog::logger> GetBufferedLogger(const std::string& module);

// Writes out what buffered loggers hold (call before exit).
void FlushLogs();

// Sets the level of every module logger ("trace", "debug", "info", "warn", "error", "off").
bool SetLogLevel(const std::string& level);

}  // namespace ik
