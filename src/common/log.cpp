#include "common/log.hpp"

#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>

namespace ik {

namespace {
std::mutex g_mutex;
spdlog::level::level_enum g_level = spdlog::level::info;
}  // namespace

std::shared_ptr<spdlog::logger> GetLogger(const std::string& module) {
    std::lock_guard lock(g_mutex);
    if (auto existing = spdlog::get(module)) return existing;
    auto logger = spdlog::stderr_color_mt(module);
    logger->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%fZ level=%l module=%n %v", spdlog::pattern_time_type::utc);
    logger->set_level(g_level);
    return logger;
}

bool SetLogLevel(const std::string& level) {
    const auto parsed = spdlog::level::from_str(level);
    if (parsed == spdlog::level::off && level != "off") return false;
    std::lock_guard lock(g_mutex);
    g_level = parsed;
    spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { l->set_level(parsed); });
    return true;
}

}  // namespace ik
