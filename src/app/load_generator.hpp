#pragma once
// Built-in load generator for `serve --load RATE`: synthetic accounts place a mix of market and limit
// orders, sells and cancels through the real pipeline. Every acknowledged (durable) order and cancel is
// appended to an ack log, which the crash test checks against the database after a SIGKILL.
// Start()/Stop() from one thread; the generator runs its own thread.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/pipeline.hpp"
#include "market/symbols.hpp"

namespace ik::app {

struct LoadOptions {
    double rate = 0;               // commands per second; 0 = off
    std::string ack_log;           // file that receives "order ID" / "cancel ID" lines; empty = none
    std::uint64_t seed = 1;
    std::size_t max_in_flight = 2'000;
};

struct LoadTarget {
    market::SymbolId symbol;
    Won previous_close;
};

class LoadGenerator final {
public:
    LoadGenerator(Pipeline& pipeline, std::vector<trading::AccountId> accounts, std::vector<LoadTarget> targets,
                  LoadOptions options);
    ~LoadGenerator();

    Status Start();
    void Stop();
    std::uint64_t acknowledged() const { return acked_.load(); }
    std::uint64_t refused() const { return refused_.load(); }

private:
    void Run();
    trading::Command NextCommand(Timestamp now);
    void Log(const std::string& line);

    Pipeline& pipeline_;
    std::vector<trading::AccountId> accounts_;
    std::vector<LoadTarget> targets_;
    LoadOptions options_;
    int ack_fd_ = -1;
    std::uint64_t rng_;
    std::atomic<std::uint64_t> acked_{0};
    std::atomic<std::uint64_t> refused_{0};
    std::atomic<std::int64_t> in_flight_{0};
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;
    // Acknowledged orders that may still be open, with their accounts (guarded by mutex_).
    std::vector<std::pair<trading::AccountId, trading::OrderId>> open_ids_;
    std::thread thread_;
};

}  // namespace ik::app
