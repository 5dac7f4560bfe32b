#include "common/log.hpp"

#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <string>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace ik {

namespace {
std::mutex g_mutex;
spdlog::level::level_enum g_level = spdlog::level::info;
constexpr const char* kPattern = "ts=%Y-%m-%dT%H:%M:%S.%fZ level=%l module=%n %v";

// Whole lines to stderr in blocks of at most kBlock bytes: one write(2) per block instead of one per line.
class BlockStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    ~BlockStderrSink() override {
        std::lock_guard lock(mutex_);
        Write();
    }

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t line;
        formatter_->format(msg, line);
        if (pending_.size() + line.size() > kBlock) Write();
        pending_.append(line.data(), line.size());
        if (msg.level >= spdlog::level::warn) Write();
    }
    void flush_() override { Write(); }

private:
    static constexpr std::size_t kBlock = 4096;

    void Write() {
        std::size_t done = 0;
        while (done < pending_.size()) {
            const ssize_t n = ::write(STDERR_FILENO, pending_.data() + done, pending_.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;  // stderr closed or full: drop rather than block the server
            done += static_cast<std::size_t>(n);
        }
        pending_.clear();
    }

    std::string pending_;
};
}  // namespace

std::shared_ptr<spdlog::logger> GetLogger(const std::string& module) {
    std::lock_guard lock(g_mutex);
    if (auto existing = spdlog::get(module)) return existing;
    auto logger = spdlog::stderr_color_mt(module);
    logger->set_pattern(kPattern, spdlog::pattern_time_type::utc);
    logger->set_level(g_level);
    return logger;
}

std::shared_ptr<spdlog::logger> GetBufferedLogger(const std::string& module) {
    std::lock_guard lock(g_mutex);
    if (auto existing = spdlog::get(module)) return existing;
    auto logger = std::make_shared<spdlog::logger>(module, std::make_shared<BlockStderrSink>());
    logger->set_pattern(kPattern, spdlog::pattern_time_type::utc);
    logger->set_level(g_level);
    spdlog::register_logger(logger);
    // A line waits at most a second; the flusher thread runs for every registered logger.
    spdlog::flush_every(std::chrono::seconds(1));
    return logger;
}

void FlushLogs() { spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->flush(); }); }

bool SetLogLevel(const std::string& level) {
    const auto parsed = spdlog::level::from_str(level);
    if (parsed == spdlog::level::off && level != "off") return false;
    std::lock_guard lock(g_mutex);
    g_level = parsed;
    spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { l->set_level(parsed); });
    return true;
}

}  // namespace ik
