// Start-up cost with a large history (DESIGN §10: 100,000 accounts and 1,000,000 historical orders;
// start-up ≤ 2 s, RSS ≤ 300 MB). A child process builds the data directory through the real pipeline
// (accounts opened, limit orders placed and most of them canceled, 1 % left open); this process then
// measures what `serve` does before it can take orders: open + quick_check, load the engine state, restore.
//   build/release/bench/ik_startup_benchmark   (IK_BENCH_DIR picks the disk; the fixture is rebuilt per run)
#include <benchmark/benchmark.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "app/pipeline.hpp"
#include "common/allocator.hpp"
#include "common/log.hpp"
#include "storage/data_dir.hpp"

namespace ik::app {
namespace {

namespace fs = std::filesystem;

constexpr trading::AccountId kAccounts = 100'000;
constexpr std::int64_t kOrders = 1'000'000;

std::string g_dir;

double RssMiB() {
    std::ifstream statm("/proc/self/statm");
    long pages_total = 0, pages_resident = 0;
    statm >> pages_total >> pages_resident;
    return static_cast<double>(pages_resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

// Runs in a child process: fills `dir` with the history.
int BuildFixture(const std::string& dir) {
    TuneAllocator();
    auto d = storage::OpenDataDir(dir, storage::OpenOptions{});
    if (!d) return 1;
    (void)d->service->Migrate();
    (void)d->recommend->Migrate();
    market::Universe universe;
    for (auto& s : market::DefaultUniverse()) universe.Upsert(s);
    (void)d->service->UpsertStocks(universe);
    trading::Engine engine{trading::EngineOptions{}};
    storage::GroupCommitter committer(*d->service, d->recommend.get());
    Pipeline pipeline(engine, committer);
    pipeline.Start();
    for (market::SymbolId id = 0; id < universe.size(); ++id) {
        pipeline.Execute(trading::ListSymbol{id, universe.Get(id).previous_close, 0, universe.Get(id).code});
    }
    std::mutex m;
    std::condition_variable cv;
    std::int64_t in_flight = 0;
    auto submit = [&](trading::Command c, Pipeline::Done done) {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return in_flight < 20'000; });
        ++in_flight;
        lock.unlock();
        pipeline.Submit(std::move(c), [&, done](const trading::CommandResult& r, const std::vector<trading::Event>& e) {
            if (done) done(r, e);
            std::lock_guard guard(m);
            --in_flight;
            cv.notify_all();
        });
    };
    for (trading::AccountId a = 1; a <= kAccounts; ++a) submit(trading::OpenAccount{a, 10'000'000, 0}, nullptr);
    for (std::int64_t i = 0; i < kOrders; ++i) {
        trading::PlaceOrder p;
        p.account = 1 + static_cast<trading::AccountId>(i) % kAccounts;
        p.symbol = static_cast<market::SymbolId>(i % universe.size());
        p.type = trading::OrderType::kLimit;
        p.tif = trading::TimeInForce::kGtc;
        p.qty = 1;
        p.limit_price = market::FloorToTick(universe.Get(p.symbol).previous_close * 8 / 10);
        const bool keep_open = i % 100 == 0;
        submit(p, [&, keep_open, account = p.account](const trading::CommandResult& r,
                                                       const std::vector<trading::Event>&) {
            if (!keep_open && r.ok()) pipeline.Submit(trading::CancelOrder{account, r.order, 0}, nullptr);
        });
    }
    {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return in_flight == 0; });
    }
    pipeline.Stop();
    committer.Stop();
    return 0;
}

void BM_StartUp(benchmark::State& state) {
    const bool quick_check = state.range(0) == 1;
    double rss = 0;
    std::size_t accounts = 0, open_orders = 0;
    for (auto _ : state) {
        storage::OpenOptions options;
        options.quick_check = quick_check;
        auto d = storage::OpenDataDir(g_dir, options);
        if (!d) {
            state.SkipWithError(d.error().message.c_str());
            return;
        }
        auto snap = d->service->LoadEngineState();
        if (!snap) {
            state.SkipWithError(snap.error().message.c_str());
            return;
        }
        trading::Engine engine{trading::EngineOptions{}};
        engine.Restore(*snap);
        accounts = snap->accounts.size();
        open_orders = snap->open_orders.size();
        rss = RssMiB();
        benchmark::DoNotOptimize(engine.open_order_count());
    }
    state.counters["accounts"] = static_cast<double>(accounts);
    state.counters["open_orders"] = static_cast<double>(open_orders);
    state.counters["rss_mib"] = rss;
}
BENCHMARK(BM_StartUp)->ArgName("quick_check")->Arg(1)->Arg(0)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ik::app

int main(int argc, char** argv) {
    ik::SetLogLevel("warn");
    const char* env = std::getenv("IK_BENCH_DIR");
    const std::filesystem::path base = env ? std::filesystem::path(env) : std::filesystem::temp_directory_path();
    ik::app::g_dir = (base / ("ik-startup-bench-" + std::to_string(::getpid()))).string();
    std::filesystem::remove_all(ik::app::g_dir);
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t child = ::fork();
    if (child == 0) ::_exit(ik::app::BuildFixture(ik::app::g_dir));
    int status = 0;
    ::waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::fprintf(stderr, "building the fixture failed\n");
        return 1;
    }
    std::uintmax_t bytes = 0;
    for (const auto& f : std::filesystem::directory_iterator(ik::app::g_dir)) {
        if (f.is_regular_file()) bytes += f.file_size();
    }
    std::printf("fixture: %lld accounts, %lld orders (1%% open) built in %.1f s, %.0f MiB on disk\n",
                static_cast<long long>(ik::app::kAccounts), static_cast<long long>(ik::app::kOrders),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                static_cast<double>(bytes) / (1024.0 * 1024.0));
    std::fflush(stdout);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    std::filesystem::remove_all(ik::app::g_dir);
    return 0;
}
