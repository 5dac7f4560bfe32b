#pragma once
// Prometheus metrics of the gateway and the trading pipeline, rendered in the text exposition format
// (version 0.0.4): requests by route, method and status, request latency histograms by route, orders and
// fills, commit batch sizes, and gauges the application supplies at scrape time (engine queue depth, stream
// connections). Thread-safe; recording is a short critical section per request.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "gateway/http_server.hpp"
#include "storage/store.hpp"

namespace ik::gateway {

class Metrics final {
public:
    // Latency bucket bounds in seconds.
    static constexpr std::array<double, 12> kLatencyBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                               0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
    static constexpr std::array<double, 10> kBatchBuckets = {1, 2, 4, 8, 16, 32, 64, 128, 256, 1024};

    void ObserveRequest(const RequestRecord& r);
    // A durable batch of the pipeline.
    void ObserveBatch(const storage::WriteBatch& batch);
    // Gauges read at scrape time: name, help, value.
    using Gauge = std::tuple<std::string, std::string, std::function<double()>>;
    void AddGauge(std::string name, std::string help, std::function<double()> value);
    std::string Render() const;

private:
    struct Histogram {
        std::array<std::uint64_t, 16> buckets{};  // cumulative on render
        std::uint64_t count = 0;
        double sum = 0;
    };
    mutable std::mutex mutex_;
    std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;  // (route, method, status)
    std::map<std::string, Histogram> latency_;                                    // by route
    Histogram batch_events_;
    std::uint64_t orders_ = 0, fills_ = 0, cancels_ = 0, ticks_ = 0, batches_ = 0;
    std::vector<Gauge> gauges_;
};

}  // namespace ik::gateway
