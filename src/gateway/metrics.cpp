#include "gateway/metrics.hpp"

#include <sstream>

namespace ik::gateway {

namespace {

// Label values escaped as the exposition format requires.
std::string Escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '\\' || c == '"') out.push_back('\\');
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out.push_back(c);
    }
    return out;
}

template <std::size_t N>
void Add(std::array<std::uint64_t, 16>& buckets, const std::array<double, N>& bounds, double v) {
    for (std::size_t i = 0; i < N; ++i) {
        if (v <= bounds[i]) {
            ++buckets[i];
            return;
        }
    }
    ++buckets[N];
}

template <std::size_t N>
void RenderHistogram(std::ostringstream& out, const std::string& name, const std::string& labels,
                     const std::array<std::uint64_t, 16>& buckets, const std::array<double, N>& bounds,
                     std::uint64_t count, double sum) {
    std::uint64_t cumulative = 0;
    const std::string sep = labels.empty() ? "" : ",";
    for (std::size_t i = 0; i < N; ++i) {
        cumulative += buckets[i];
        out << name << "_bucket{" << labels << sep << "le=\"" << bounds[i] << "\"} " << cumulative << "\n";
    }
    out << name << "_bucket{" << labels << sep << "le=\"+Inf\"} " << count << "\n";
    out << name << "_sum" << (labels.empty() ? "" : "{" + labels + "}") << " " << sum << "\n";
    out << name << "_count" << (labels.empty() ? "" : "{" + labels + "}") << " " << count << "\n";
}

}  // namespace

void Metrics::ObserveRequest(const RequestRecord& r) {
    const double seconds = std::chrono::duration<double>(r.duration).count();
    // Only known methods become label values: a client must not be able to mint new series.
    static constexpr std::string_view kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
    std::string_view method = "OTHER";
    for (auto m : kMethods) {
        if (r.method == m) method = m;
    }
    std::lock_guard lock(mutex_);
    ++requests_[{std::string(r.route), std::string(method), r.status}];
    Histogram& h = latency_[std::string(r.route)];
    Add(h.buckets, kLatencyBuckets, seconds);
    ++h.count;
    h.sum += seconds;
}

void Metrics::ObserveBatch(const storage::WriteBatch& batch) {
    std::uint64_t orders = 0, fills = 0, cancels = 0;
    for (const auto& e : batch.events) {
        orders += e.type == trading::EventType::kOrderAccepted;
        fills += e.type == trading::EventType::kOrderFilled;
        cancels += e.type == trading::EventType::kOrderCanceled;
    }
    std::lock_guard lock(mutex_);
    orders_ += orders;
    fills_ += fills;
    cancels_ += cancels;
    ticks_ += batch.ticks.size();
    ++batches_;
    Add(batch_events_.buckets, kBatchBuckets, static_cast<double>(batch.events.size()));
    ++batch_events_.count;
    batch_events_.sum += static_cast<double>(batch.events.size());
}

void Metrics::AddGauge(std::string name, std::string help, std::function<double()> value) {
    std::lock_guard lock(mutex_);
    gauges_.emplace_back(std::move(name), std::move(help), std::move(value));
}

std::string Metrics::Render() const {
    std::ostringstream out;
    std::vector<Gauge> gauges;
    {
        std::lock_guard lock(mutex_);
        out << "# HELP investking_http_requests_total HTTP requests answered, by route pattern, method and status.\n"
               "# TYPE investking_http_requests_total counter\n";
        for (const auto& [key, n] : requests_) {
            const auto& [route, method, status] = key;
            out << "investking_http_requests_total{route=\"" << Escape(route) << "\",method=\"" << Escape(method)
                << "\",status=\"" << status << "\"} " << n << "\n";
        }
        out << "# HELP investking_http_request_duration_seconds Time from a complete request to its response.\n"
               "# TYPE investking_http_request_duration_seconds histogram\n";
        for (const auto& [route, h] : latency_) {
            RenderHistogram(out, "investking_http_request_duration_seconds", "route=\"" + Escape(route) + "\"", h.buckets,
                            kLatencyBuckets, h.count, h.sum);
        }
        out << "# HELP investking_orders_total Orders accepted by the engine (durable).\n"
               "# TYPE investking_orders_total counter\ninvestking_orders_total "
            << orders_ << "\n";
        out << "# HELP investking_fills_total Fills (durable).\n# TYPE investking_fills_total counter\ninvestking_fills_total "
            << fills_ << "\n";
        out << "# HELP investking_cancels_total Orders canceled (durable).\n"
               "# TYPE investking_cancels_total counter\ninvestking_cancels_total "
            << cancels_ << "\n";
        out << "# HELP investking_ticks_total Market ticks stored.\n# TYPE investking_ticks_total counter\n"
               "investking_ticks_total "
            << ticks_ << "\n";
        out << "# HELP investking_commit_batch_events Events per group-commit batch.\n"
               "# TYPE investking_commit_batch_events histogram\n";
        RenderHistogram(out, "investking_commit_batch_events", "", batch_events_.buckets, kBatchBuckets,
                        batch_events_.count, batch_events_.sum);
        gauges = gauges_;
    }
    for (const auto& [name, help, value] : gauges) {
        out << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n" << name << " " << value() << "\n";
    }
    return out.str();
}

}  // namespace ik::gateway
