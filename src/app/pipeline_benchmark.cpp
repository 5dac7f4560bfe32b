// Durable accepted orders per second through the embedded write path: Pipeline (engine thread) →
// GroupCommitter (writer thread) → SQLite (WAL, synchronous=FULL), measured beside the raw fdatasync rate
// of the same disk in the same run.
//   build/release/bench/ik_pipeline_benchmark   (IK_BENCH_DIR chooses the disk; default the temp dir)
// Clients are closed loops: each keeps one order in flight and sends the next when the previous one is
// acknowledged (durable). clients=1 is one fsync per order; more clients share fsyncs (group commit).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "app/pipeline.hpp"
#include "common/allocator.hpp"
#include "common/log.hpp"
#include "storage/data_dir.hpp"

namespace ik::app {
namespace {

namespace fs = std::filesystem;

double g_single_rate = 0;

std::string BenchDir(const std::string& name) {
    const char* env = std::getenv("IK_BENCH_DIR");
    const fs::path base = env ? fs::path(env) : fs::temp_directory_path();
    const fs::path dir = base / ("ik-pipeline-bench-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir.string();
}

// fdatasync rate of the disk under `dir` over about `seconds` (4 KiB pwrite + fdatasync per sync).
double MeasureFdatasync(const std::string& dir, double seconds) {
    const std::string path = dir + "/sync-probe.bin";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return 0;
    char page[4096] = {};
    const auto start = std::chrono::steady_clock::now();
    std::int64_t n = 0;
    double elapsed = 0;
    do {
        if (::pwrite(fd, page, sizeof page, (n % 1024) * 4096) != sizeof page || ::fdatasync(fd) != 0) break;
        ++n;
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    } while (elapsed < seconds);
    ::close(fd);
    ::unlink(path.c_str());
    return elapsed > 0 ? static_cast<double>(n) / elapsed : 0;
}

// The whole embedded write path with `clients` closed-loop clients; each iteration acknowledges `orders`.
class Rig {
public:
    explicit Rig(const std::string& name) : dir_(BenchDir(name)) {
        storage::OpenOptions options;
        // IK_BENCH_SYNC=normal measures the same path without the per-commit fsync (CPU cost only).
        if (const char* sync = std::getenv("IK_BENCH_SYNC"); sync && std::string(sync) == "normal") {
            options.synchronous = storage::Synchronous::kNormal;
        }
        auto d = storage::OpenDataDir(dir_, options);
        if (!d) throw std::runtime_error(d.error().message);
        data_.emplace(std::move(*d));
        (void)data_->service->Migrate();
        (void)data_->recommend->Migrate();
        for (auto& s : market::DefaultUniverse()) universe_.Upsert(s);
        (void)data_->service->UpsertStocks(universe_);
        engine_ = std::make_unique<trading::Engine>(trading::EngineOptions{});
        committer_ = std::make_unique<storage::GroupCommitter>(*data_->service, data_->recommend.get());
        pipeline_ = std::make_unique<Pipeline>(*engine_, *committer_);
        pipeline_->Start();
        for (market::SymbolId id = 0; id < universe_.size(); ++id) {
            pipeline_->Execute(trading::ListSymbol{id, universe_.Get(id).previous_close, 0, universe_.Get(id).code});
            market::Tick t;
            t.symbol = id;
            t.bid = universe_.Get(id).previous_close;
            t.ask = market::TickUp(t.bid);
            t.price = t.bid;
            t.volume = 1'000'000'000'000LL;
            pipeline_->SubmitTick(t);
        }
        for (trading::AccountId a = 1; a <= kAccounts; ++a) {
            pipeline_->Execute(trading::OpenAccount{a, 1'000'000'000'000LL, 0});
        }
    }
    ~Rig() {
        pipeline_->Stop();
        committer_->Stop();
        pipeline_.reset();
        committer_.reset();
        data_.reset();
        fs::remove_all(dir_);
    }

    // Runs `clients` closed loops until `orders` orders are acknowledged; returns refusals. `resting` sends
    // limit buys below the market, which are accepted and rest (order row, account row, open-order index);
    // otherwise market orders that fill at once.
    std::int64_t Run(int clients, std::int64_t orders, bool resting) {
        std::mutex m;
        std::condition_variable cv;
        std::int64_t sent = 0, acked = 0, refused = 0;
        std::function<void(int)> send = [&](int client) {
            trading::PlaceOrder p;
            // Each client trades its own account and alternates buy and sell, so positions stay small and every
            // order is a market order that fills: accepted + filled events, fill, position, ledger rows.
            const std::uint64_t k = round_[static_cast<std::size_t>(client)]++;
            p.account = 1 + static_cast<trading::AccountId>(client);
            p.symbol = static_cast<market::SymbolId>((k / 2) % universe_.size());
            p.side = (k & 1) ? trading::Side::kSell : trading::Side::kBuy;
            p.type = trading::OrderType::kMarket;
            p.qty = 1;
            if (resting) {
                p.side = trading::Side::kBuy;
                p.type = trading::OrderType::kLimit;
                p.tif = trading::TimeInForce::kGtc;
                p.limit_price = market::FloorToTick(universe_.Get(p.symbol).previous_close * 9 / 10);
            }
            pipeline_->Submit(p, [&, client](const trading::CommandResult& r, const std::vector<trading::Event>&) {
                bool again = false;
                {
                    std::lock_guard lock(m);
                    ++acked;
                    if (!r.ok()) ++refused;
                    if (sent < orders) {
                        ++sent;
                        again = true;
                    }
                    if (acked == orders) cv.notify_all();
                }
                if (again) send(client);
            });
        };
        {
            std::lock_guard lock(m);
            sent = std::min<std::int64_t>(clients, orders);
        }
        for (int c = 0; c < clients && c < orders; ++c) send(c);
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return acked == orders; });
        return refused;
    }

    storage::GroupCommitterStats stats() const { return committer_->Stats(); }
    const std::string& dir() const { return dir_; }

private:
    static constexpr trading::AccountId kAccounts = 1'024;
    std::string dir_;
    std::optional<storage::DataDir> data_;
    market::Universe universe_;
    std::unique_ptr<trading::Engine> engine_;
    std::unique_ptr<storage::GroupCommitter> committer_;
    std::unique_ptr<Pipeline> pipeline_;
    std::vector<std::uint64_t> round_ = std::vector<std::uint64_t>(kAccounts, 0);
};

void BM_DurableOrders(benchmark::State& state) {
    const int clients = static_cast<int>(state.range(0));
    const bool resting = state.range(1) == 1;
    const std::int64_t orders = clients == 1 ? 2'000 : 40'000;
    Rig rig("clients-" + std::to_string(clients) + (resting ? "-resting" : "-filled"));
    const auto before = rig.stats();
    std::int64_t total = 0, refused = 0;
    // The virtual disk's fsync rate wanders from minute to minute, so each run measures it right beside
    // itself: half a second of raw fdatasync on the same directory, then the orders.
    double raw = 0;
    for (auto _ : state) {
        state.PauseTiming();
        raw = MeasureFdatasync(rig.dir(), 0.5);
        state.ResumeTiming();
        refused += rig.Run(clients, orders, resting);
        total += orders;
    }
    const auto after = rig.stats();
    state.counters["fdatasync_per_s"] = raw;
    state.SetItemsProcessed(total);
    const double commits = static_cast<double>(after.commits - before.commits);
    state.counters["orders_per_fsync"] = commits > 0 ? static_cast<double>(total) / commits : 0;
    state.counters["refused"] = static_cast<double>(refused);
}
// Args: clients, then 0 = market orders that fill (accept + fill rows), 1 = limit orders that rest (accept only).
BENCHMARK(BM_DurableOrders)
    ->ArgNames({"clients", "resting"})
    ->Args({1, 0})->Args({64, 0})->Args({256, 0})->Args({1024, 0})
    ->Args({1, 1})->Args({64, 1})->Args({256, 1})->Args({1024, 1})
    ->UseRealTime()
    ->Repetitions(3)  // the virtual disk's fsync rate wanders; the summary uses the medians
    ->ReportAggregatesOnly(true)
    ->Unit(benchmark::kMillisecond);

// Collects items_per_second of the reference runs so the summary can print ratios.
class RatioReporter : public benchmark::ConsoleReporter {
public:
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& r : runs) {
            if (r.run_type == Run::RT_Aggregate && r.aggregate_name != "median") continue;
            const auto it = r.counters.find("items_per_second");
            if (it == r.counters.end()) continue;
            const double rate = it->second.value;
            const std::string name = r.run_name.str();
            if (name.rfind("BM_DurableOrders/clients:1/", 0) == 0) g_single_rate = rate;
            if (name.rfind("BM_DurableOrders/", 0) == 0 && g_single_rate > 0) {
                const auto raw = r.counters.find("fdatasync_per_s");
                const double beside = raw != r.counters.end() ? raw->second.value : 0;
                lines_.push_back(name + ": " + std::to_string(static_cast<long long>(rate)) +
                                 " durable orders/s; raw fdatasync beside it " +
                                 std::to_string(static_cast<long long>(beside)) + "/s = " +
                                 Fixed(beside > 0 ? rate / beside : 0) + "x; " + Fixed(rate / g_single_rate) +
                                 "x one fsync per order (clients=1)");
            }
        }
        ConsoleReporter::ReportRuns(runs);
    }
    void Finalize() override {
        ConsoleReporter::Finalize();
        for (const auto& l : lines_) std::printf("%s\n", l.c_str());
    }

private:
    static std::string Fixed(double v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f", v);
        return buf;
    }
    std::vector<std::string> lines_;
};

}  // namespace
}  // namespace ik::app

int main(int argc, char** argv) {
    ik::TuneAllocator();
    ik::SetLogLevel("warn");
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    ik::app::RatioReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    return 0;
}
