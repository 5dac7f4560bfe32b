// Durable write throughput, all three measured in one run on the same disk (a temporary directory; set
// IK_BENCH_DIR to choose another):
//   (a) BM_RawFdatasync         write 4 KiB + fdatasync in a loop: what the disk allows at most per second
//   (b) BM_CommitPerOrder       one SQLite transaction (one fsync) per order-accepted event
//   (c) BM_GroupCommit64        64 submitter threads, each submitting one order event and waiting until it
//                               is durable before the next; the GroupCommitter shares fsyncs among them
// items_per_second is durable orders (or syncs) per second. After the run a summary prints (c)/(a) and
// (c)/(b); the target is (c) ≥ 10 × (b).
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "common/log.hpp"
#include "storage/data_dir.hpp"
#include "storage/group_commit.hpp"
#include "storage/test_events.hpp"

namespace ik::storage {
namespace {

namespace fs = std::filesystem;

// Items per second of the last (final) run of each benchmark, for the summary ratios.
double g_raw_rate = 0;
double g_per_order_rate = 0;
double g_group_rate = 0;

// A fresh directory on the benchmark disk, removed afterwards.
class BenchDir final {
public:
    BenchDir() {
        const char* env = std::getenv("IK_BENCH_DIR");
        const fs::path base = env != nullptr ? fs::path(env) : fs::temp_directory_path();
        static int counter = 0;
        path_ = (base / ("ik-storage-bench-" + std::to_string(::getpid()) + "-" + std::to_string(counter++))).string();
        fs::remove_all(path_);
        fs::create_directories(path_);
    }
    ~BenchDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

double Seconds(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void BM_RawFdatasync(benchmark::State& state) {
    BenchDir dir;
    const std::string path = dir.path() + "/sync.bin";
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        state.SkipWithError("cannot create the sync file");
        return;
    }
    // Preallocate 1 MiB so the loop rewrites existing blocks (as the WAL does) instead of growing the file.
    constexpr std::size_t kBlock = 4096, kBlocks = 256;
    std::vector<char> block(kBlock, 'x');
    for (std::size_t i = 0; i < kBlocks; ++i) {
        if (::pwrite(fd, block.data(), kBlock, static_cast<off_t>(i * kBlock)) != static_cast<ssize_t>(kBlock)) {
            state.SkipWithError("pwrite failed");
        }
    }
    ::fsync(fd);
    std::size_t i = 0;
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        block[0] = static_cast<char>(i);
        if (::pwrite(fd, block.data(), kBlock, static_cast<off_t>((i++ % kBlocks) * kBlock)) !=
                static_cast<ssize_t>(kBlock) ||
            ::fdatasync(fd) != 0) {
            state.SkipWithError("write or fdatasync failed");
            break;
        }
    }
    g_raw_rate = static_cast<double>(state.iterations()) / Seconds(start);
    ::close(fd);
    state.counters["items_per_second"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_CommitPerOrder(benchmark::State& state) {
    BenchDir dir;
    OpenOptions options;
    options.migrate = true;
    auto data = OpenDataDir(dir.path(), options);
    if (!data) {
        state.SkipWithError(data.error().message.c_str());
        return;
    }
    testing::EventBuilder b;
    if (!data->service->Commit(WriteBatch{{b.OpenAccount(1, 1'000'000'000'000)}, {}, {}})) {
        state.SkipWithError("open account failed");
        return;
    }
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        WriteBatch batch;
        batch.events.push_back(b.AcceptBuy(1, 0, 1, 10'000));
        if (auto ok = data->service->Commit(batch); !ok) {
            state.SkipWithError(ok.error().message.c_str());
            break;
        }
    }
    g_per_order_rate = static_cast<double>(state.iterations()) / Seconds(start);
    state.counters["items_per_second"] =
        benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_GroupCommit64(benchmark::State& state) {
    constexpr int kThreads = 64;
    constexpr int kOrdersPerThread = 32;  // per benchmark iteration
    BenchDir dir;
    OpenOptions options;
    options.migrate = true;
    auto data = OpenDataDir(dir.path(), options);
    if (!data) {
        state.SkipWithError(data.error().message.c_str());
        return;
    }
    GroupCommitter committer(*data->service, data->recommend.get());

    // One account and one id range per submitter thread.
    std::vector<testing::EventBuilder> builders;
    builders.reserve(kThreads);
    WriteBatch accounts;
    for (int t = 0; t < kThreads; ++t) {
        builders.emplace_back(static_cast<std::uint64_t>(t + 1) * 100'000'000);
        accounts.events.push_back(
            builders.back().OpenAccount(static_cast<trading::AccountId>(t + 1), 1'000'000'000'000));
    }
    if (!data->service->Commit(accounts)) {
        state.SkipWithError("open accounts failed");
        return;
    }

    std::atomic<int> failures{0};
    std::atomic<std::uint64_t> next_order_id{1};
    std::int64_t orders = 0;
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        std::vector<std::thread> threads;
        threads.reserve(kThreads);
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                testing::EventBuilder& b = builders[static_cast<std::size_t>(t)];
                std::mutex m;
                std::condition_variable cv;
                for (int i = 0; i < kOrdersPerThread; ++i) {
                    bool done = false;
                    WriteBatch batch;
                    trading::Event e = b.AcceptBuy(static_cast<trading::AccountId>(t + 1), 0, 1, 10'000);
                    // Ids come from one counter, as from the one engine that assigns them in production; per-thread
                    // id ranges would scatter each commit over 64 B-tree leaves and measure that instead.
                    e.order.id = next_order_id.fetch_add(1);
                    e.order.client_order_id = "ik-" + std::to_string(e.order.id);
                    batch.events.push_back(std::move(e));
                    committer.Submit(std::move(batch), [&](const Status& s, const WriteBatch&) {
                        if (!s) failures.fetch_add(1);
                        std::lock_guard lock(m);
                        done = true;
                        cv.notify_one();
                    });
                    std::unique_lock lock(m);
                    cv.wait(lock, [&] { return done; });
                }
            });
        }
        for (auto& th : threads) th.join();
        orders += kThreads * kOrdersPerThread;
    }
    g_group_rate = static_cast<double>(orders) / Seconds(start);
    committer.Stop();
    if (failures.load() != 0) state.SkipWithError("some commits failed");
    const auto stats = committer.Stats();
    state.counters["items_per_second"] = benchmark::Counter(static_cast<double>(orders), benchmark::Counter::kIsRate);
    state.counters["avg_batch"] = stats.AverageSubmissionsPerCommit();
    state.counters["max_batch"] = static_cast<double>(stats.max_submissions_per_commit);
    if (g_raw_rate > 0) state.counters["vs_fdatasync"] = g_group_rate / g_raw_rate;
    if (g_per_order_rate > 0) state.counters["vs_per_order"] = g_group_rate / g_per_order_rate;
}

BENCHMARK(BM_RawFdatasync)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_CommitPerOrder)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_GroupCommit64)->UseRealTime()->MinTime(3.0);

}  // namespace
}  // namespace ik::storage

int main(int argc, char** argv) {
    ik::SetLogLevel("warn");
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    using ik::storage::g_group_rate;
    using ik::storage::g_per_order_rate;
    using ik::storage::g_raw_rate;
    if (g_raw_rate > 0 && g_per_order_rate > 0 && g_group_rate > 0) {
        std::printf(
            "summary: fdatasync %.0f/s, commit per order %.0f orders/s, group commit (64 threads) %.0f orders/s; "
            "group/fdatasync = %.1f, group/per-order = %.1f (target >= 10)\n",
            g_raw_rate, g_per_order_rate, g_group_rate, g_group_rate / g_raw_rate, g_group_rate / g_per_order_rate);
    }
    return 0;
}
