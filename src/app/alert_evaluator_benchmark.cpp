// The alert evaluator with its storage, as `serve` runs it (SQLite in WAL, synchronous=FULL):
//   - BM_EvaluatorStoresTicks: durable evaluation of ticks that fire nothing, in batches as the commit observer
//     hands them over (each batch: evaluation plus one transaction for the marks);
//   - BM_EvaluatorStoresATickFiring1000: one tick that fires 1,000 once alerts, from OnTicks to the notifications,
//     the disarmed alerts and the marks being durable (one transaction).
//   build/release/bench/ik_alert_evaluator_benchmark   (IK_BENCH_DIR chooses the disk; default the temp dir)
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <benchmark/benchmark.h>

#include "app/alert_evaluator.hpp"
#include "common/log.hpp"
#include "storage/data_dir.hpp"

namespace ik::app {
namespace {

namespace fs = std::filesystem;

struct Setup {
    explicit Setup(const std::string& name) {
        SetLogLevel("warn");
        const char* env = std::getenv("IK_BENCH_DIR");
        dir = ((env ? fs::path(env) : fs::temp_directory_path()) /
               ("ik-alert-bench-" + std::to_string(::getpid()) + "-" + name))
                  .string();
        fs::remove_all(dir);
        for (const auto& info : market::DefaultUniverse()) (void)universe.Upsert(info);
        samsung = universe.Find("005930").value();
        data.emplace(storage::OpenDataDir(dir).value());
        (void)data->service->Migrate();
        (void)data->service->UpsertStocks(universe);
        store = dynamic_cast<storage::AlertStore*>(data->service.get());
    }
    ~Setup() {
        data.reset();
        fs::remove_all(dir);
    }
    alerts::AlertId Create(Won level) {
        storage::AlertRecord a;
        a.rule.user = 7;
        a.rule.symbol = samsung;
        a.rule.kind = alerts::Kind::kPriceAtOrAbove;
        a.rule.level = level;
        a.created_at = a.updated_at = 1;
        a.rule.id = store->CreateAlert(a, 1'000'000).value();
        return a.rule.id;
    }

    std::string dir;
    market::Universe universe;
    market::SymbolId samsung = 0;
    std::optional<storage::DataDir> data;
    storage::AlertStore* store = nullptr;
    SystemClock clock;
};

void BM_EvaluatorStoresTicks(benchmark::State& state) {
    Setup s("ticks");
    for (int i = 0; i < 1'000; ++i) s.Create(400'000 + i * 100);  // far above the market: never crossed
    AlertEvaluator ev(*s.store, s.universe, s.clock, nullptr);
    if (!ev.Start(true)) state.SkipWithError("start failed");
    const auto batch = static_cast<std::size_t>(state.range(0));
    std::vector<market::Tick> ticks(batch);
    Timestamp ts = 1'000'000'000;
    for (auto _ : state) {
        for (auto& t : ticks) {
            const Timestamp now = ts++;
            t = market::Tick{s.samsung, now, 250'000 + (now % 10) * 100, 0, 0, 10};
        }
        ev.OnTicks(ticks);
        if (!ev.Flush(std::chrono::seconds(30))) state.SkipWithError("flush timed out");
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
    state.counters["batch"] = static_cast<double>(batch);
}
BENCHMARK(BM_EvaluatorStoresTicks)->Arg(1)->Arg(100)->Arg(1'000)->UseRealTime();

void BM_EvaluatorStoresATickFiring1000(benchmark::State& state) {
    Setup s("fire");
    AlertEvaluator ev(*s.store, s.universe, s.clock, nullptr);
    if (!ev.Start(true)) state.SkipWithError("start failed");
    Timestamp ts = 1'000'000'000;
    std::size_t stored = 0;
    for (auto _ : state) {
        state.PauseTiming();
        ev.OnTicks(std::vector<market::Tick>{{s.samsung, ts++, 250'000, 0, 0, 1}});
        for (int i = 0; i < 1'000; ++i) {
            storage::AlertRecord a = s.store->GetAlert(7, s.Create(251'000 + i)).value().value();
            ev.Upsert(a);
        }
        if (!ev.Flush(std::chrono::seconds(30))) state.SkipWithError("flush timed out");
        const std::size_t before = ev.stats().notifications;
        state.ResumeTiming();
        ev.OnTicks(std::vector<market::Tick>{{s.samsung, ts++, 260'000, 0, 0, 1}});  // crosses all 1,000
        if (!ev.Flush(std::chrono::seconds(30))) state.SkipWithError("flush timed out");
        stored += ev.stats().notifications - before;
    }
    state.counters["stored_per_tick"] = static_cast<double>(stored) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_EvaluatorStoresATickFiring1000)->Iterations(10)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ik::app

BENCHMARK_MAIN();
