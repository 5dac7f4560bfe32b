// The two write paths of the distributed mode against real servers: the sink's batched upserts into MariaDB beside
// the naïve one-autocommitted-INSERT-per-tick baseline (same run, same table, same columns), and the ingest
// role's Kafka produce rate (EncodeStockInfo + SendAsync with the ingest producer's settings, Flush included).
//
//   IK_MYSQL_URL_SERVICE=mysql://…/investking_service     the sink's service database
//   IK_MYSQL_URL_RECOMMEND=mysql://…/investking_recommend the sink's recommend database
//   IK_KAFKA_BOOTSTRAP=127.0.0.1:PORT                       a broker (acks=all needs every in-sync replica)
//   build/release/bench/ik_distributed_benchmark
// All three are required; the program exits with status 2 naming what is missing. Throwaway servers:
//   scripts/mariadb start /tmp/ik-bench-db   (IK_MYSQL_URL_SERVICE="$(scripts/mariadb url /tmp/ik-bench-db service)" …)
//   scripts/kafka start /tmp/ik-bench-kafka  (last line: kafka 127.0.0.1:PORT)
//
// Rows written go to stock ids 900000000+ (no stock has them; stock_infos has no foreign key), with timestamps
// that only grow, so rows never collide; they are deleted before and after the run. Ingest messages go to a
// new topic `bench-StockInfos-<pid>-<ns>` (6 partitions, as StockInfos), which is left on the broker.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bus/kafka/kafka_bus.hpp"
#include "bus/topics.hpp"
#include "common/allocator.hpp"
#include "common/log.hpp"
#include "market/symbols.hpp"
#include "storage/mysql/db.hpp"
#include "storage/mysql/mysql_store.hpp"

namespace ik::app {
namespace {

using namespace std::chrono_literals;

// The sink's tick statement (storage/mysql/shared.cpp kInsertTick), text for text: the baseline differs from the
// batched path only in committing every row.
constexpr const char* kInsertTick = R"sql(
INSERT INTO stock_infos (stock_id, ts, price, bid, ask, volume) VALUES (?, ?, ?, ?, ?, ?)
ON DUPLICATE KEY UPDATE stock_id = stock_id)sql";
constexpr const char* kCountBenchRows = "SELECT COUNT(*) FROM stock_infos WHERE stock_id BETWEEN ? AND ?";
constexpr const char* kDeleteBenchRows = "DELETE FROM stock_infos WHERE stock_id BETWEEN ? AND ?";

// One stock id per benchmark, far above any real listing's.
constexpr market::SymbolId kBatchedStock = 900'000'000;
constexpr market::SymbolId kBothStock = 900'000'001;
constexpr market::SymbolId kSingleStock = 900'000'002;
constexpr market::SymbolId kFirstBenchStock = kBatchedStock;
constexpr market::SymbolId kLastBenchStock = kSingleStock;

constexpr std::int64_t kBatch = 5'000;  // SinkOptions::max_batch
constexpr std::int64_t kSingleRowsPerIteration = 500;
constexpr std::int64_t kProducedPerIteration = 20'000;  // below librdkafka's 100,000-message queue

// What the benchmarks share; set up once by main() (a missing server fails there, not in a benchmark).
struct Servers {
    storage::mysql::Dsn service_dsn, recommend_dsn;
    std::unique_ptr<storage::MysqlServiceStore> service;
    std::unique_ptr<storage::MysqlRecommendStore> recommend;
    std::unique_ptr<storage::mysql::Connection> service_conn;    // the baseline's own connection, autocommit on
    std::unique_ptr<storage::mysql::Connection> recommend_conn;  // only for cleaning up
    std::unique_ptr<bus::KafkaBus> bus;
};
Servers* g_servers = nullptr;
const SystemClock kClock;

// Timestamps (ns) that never repeat within a run and start after any earlier run's.
Timestamp NextTs() {
    static Timestamp next = kClock.Now();
    return ++next;
}

market::Tick MakeTick(market::SymbolId symbol, std::int64_t i) {
    market::Tick t;
    t.symbol = symbol;
    t.ts = NextTs();
    t.price = 70'000 + (i % 50) * 100;
    t.bid = t.price - 100;
    t.ask = t.price;
    t.volume = 1 + i % 997;
    return t;
}

Status RunOnBenchRows(storage::mysql::Connection& c, const char* sql, std::int64_t* count = nullptr) {
    auto stmt = c.Prepare(sql);
    if (!stmt) return std::unexpected(stmt.error());
    stmt->Bind(0, static_cast<std::int64_t>(kFirstBenchStock)).Bind(1, static_cast<std::int64_t>(kLastBenchStock));
    if (auto ok = stmt->Execute(); !ok) return ok;
    if (count != nullptr) {
        auto row = stmt->Fetch();
        if (!row) return std::unexpected(row.error());
        *count = *row ? stmt->Int(0) : 0;
        while (stmt->Fetch().value_or(false)) {
        }
    }
    return {};
}

// Rows of the benchmark's stock ids in the service database; for checking that every row landed.
std::int64_t ServiceBenchRows() {
    std::int64_t n = -1;
    (void)RunOnBenchRows(*g_servers->service_conn, kCountBenchRows, &n);
    return n;
}

Status DeleteBenchRows() {
    if (auto s = RunOnBenchRows(*g_servers->service_conn, kDeleteBenchRows); !s) return s;
    return RunOnBenchRows(*g_servers->recommend_conn, kDeleteBenchRows);
}

// The sink's tick write: one WriteBatch of `batch` ticks, one InnoDB transaction (CommitGroup) in the service
// database; with `both`, also AppendTicks into the recommend database as SinkWorker::Step does. The sink's
// bar recomputation (a read of the touched minutes plus a bar upsert) is not included.
void SinkBatched(benchmark::State& state, market::SymbolId stock, bool both) {
    const std::int64_t batch_size = state.range(0);
    const std::int64_t before = ServiceBenchRows();
    std::int64_t written = 0;
    storage::WriteBatch batch;
    for (auto _ : state) {
        state.PauseTiming();
        batch.ticks.clear();
        for (std::int64_t i = 0; i < batch_size; ++i) batch.ticks.push_back(MakeTick(stock, i));
        state.ResumeTiming();
        if (auto s = g_servers->service->Commit(batch); !s) {
            state.SkipWithError(s.error().message.c_str());
            return;
        }
        if (both) {
            if (auto s = g_servers->recommend->AppendTicks(batch.ticks); !s) {
                state.SkipWithError(s.error().message.c_str());
                return;
            }
        }
        written += batch_size;
    }
    if (ServiceBenchRows() - before != written) state.SkipWithError("rows missing after the batched writes");
    state.SetItemsProcessed(written);
    state.counters["rows_per_commit"] = static_cast<double>(batch_size);
}

void BM_SinkBatchedUpsert(benchmark::State& state) { SinkBatched(state, kBatchedStock, false); }
void BM_SinkBatchedUpsertBothDatabases(benchmark::State& state) { SinkBatched(state, kBothStock, true); }

// The per-message consumer the original avoided with Kafka Connect sinks: one INSERT per tick, autocommitted
// (so one InnoDB commit, one redo-log flush, per row), through the project's prepared statement wrapper.
void BM_SinkSingleInsert(benchmark::State& state) {
    storage::mysql::Connection& c = *g_servers->service_conn;
    if (auto s = c.Exec("SET autocommit = 1"); !s) {
        state.SkipWithError(s.error().message.c_str());
        return;
    }
    const std::int64_t before = ServiceBenchRows();
    std::int64_t written = 0;
    std::vector<market::Tick> ticks;
    for (auto _ : state) {
        state.PauseTiming();
        ticks.clear();
        for (std::int64_t i = 0; i < kSingleRowsPerIteration; ++i) ticks.push_back(MakeTick(kSingleStock, i));
        state.ResumeTiming();
        for (const market::Tick& t : ticks) {
            auto stmt = c.Prepare(kInsertTick);  // cached after the first: a lookup, as a consumer would keep it
            if (!stmt) {
                state.SkipWithError(stmt.error().message.c_str());
                return;
            }
            stmt->Bind(0, static_cast<std::int64_t>(t.symbol))
                .Bind(1, t.ts)
                .Bind(2, t.price)
                .Bind(3, t.bid)
                .Bind(4, t.ask)
                .Bind(5, t.volume);
            if (auto s = stmt->Execute(); !s) {
                state.SkipWithError(s.error().message.c_str());
                return;
            }
        }
        written += kSingleRowsPerIteration;
    }
    if (ServiceBenchRows() - before != written) state.SkipWithError("rows missing after the single inserts");
    state.SetItemsProcessed(written);
    state.counters["rows_per_commit"] = 1;
}

// The ingest path: encode each tick as StockInfos carries it and hand it to the idempotent acks=all producer
// (the only producer KafkaBus makes; delivery_timeout 0 as main.cpp's Ingest() sets it), keyed by stock code,
// then Flush: an iteration ends when the broker has acknowledged every message.
void BM_IngestProduce(benchmark::State& state) {
    bus::KafkaBus& bus = *g_servers->bus;
    const std::string topic = "bench-StockInfos-" + std::to_string(::getpid()) + "-" + std::to_string(kClock.Now());
    bus::TopicSpec spec = bus::StockInfosSpec();
    spec.name = topic;
    if (auto s = bus::EnsureTopic(bus, spec); !s) {
        state.SkipWithError(s.error().message.c_str());
        return;
    }
    std::atomic<std::int64_t> delivered{0},
        failed{0};  // before the producer: its last reports may run in its destructor
    auto producer = bus.NewProducer();
    if (!producer) {
        state.SkipWithError(producer.error().message.c_str());
        return;
    }
    std::vector<std::string> codes;
    for (const market::StockInfo& s : market::DefaultUniverse()) codes.push_back(s.code);
    // The first message waits for the topic's metadata; not part of the rate.
    (void)(*producer)->Send(topic, codes[0], bus::EncodeStockInfo(codes[0], MakeTick(0, 0)));
    std::int64_t sent = 0;
    for (auto _ : state) {
        for (std::int64_t i = 0; i < kProducedPerIteration; ++i) {
            const auto symbol = static_cast<market::SymbolId>(i % static_cast<std::int64_t>(codes.size()));
            const std::string& code = codes[symbol];
            (*producer)->SendAsync(topic, code, bus::EncodeStockInfo(code, MakeTick(symbol, i)),
                                   [&](Result<bus::Delivery> d) { ++(d ? delivered : failed); });
        }
        if (auto s = (*producer)->Flush(60s); !s) {
            state.SkipWithError(s.error().message.c_str());
            return;
        }
        sent += kProducedPerIteration;
    }
    if (failed.load() != 0 || delivered.load() != sent) state.SkipWithError("not every message was delivered");
    state.SetItemsProcessed(sent);
    state.counters["failed"] = static_cast<double>(failed.load());
}

// Fixed iterations keep the whole run near a minute on the 2-core machine; three repetitions each, medians
// compared, because the virtual disk's fsync rate wanders.
BENCHMARK(BM_SinkSingleInsert)
    ->Iterations(6)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SinkBatchedUpsert)
    ->Arg(kBatch)
    ->Iterations(10)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SinkBatchedUpsertBothDatabases)
    ->Arg(kBatch)
    ->Iterations(6)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_IngestProduce)
    ->Iterations(5)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Collects the medians' items_per_second and prints the batched/single ratio after the table.
class RatioReporter : public benchmark::ConsoleReporter {
public:
    explicit RatioReporter(bool color) : ConsoleReporter(color ? OO_ColorTabular : OO_Tabular) {}
    void ReportRuns(const std::vector<Run>& runs) override {
        for (const Run& r : runs) {
            if (r.run_type == Run::RT_Aggregate && r.aggregate_name != "median") continue;
            const auto it = r.counters.find("items_per_second");
            if (it == r.counters.end() || r.error_occurred) continue;
            const std::string name = r.run_name.str();
            if (name.rfind("BM_SinkSingleInsert", 0) == 0) single_ = it->second.value;
            if (name.rfind("BM_SinkBatchedUpsert/", 0) == 0) batched_ = it->second.value;
            if (name.rfind("BM_SinkBatchedUpsertBothDatabases/", 0) == 0) both_ = it->second.value;
            if (name.rfind("BM_IngestProduce", 0) == 0) produce_ = it->second.value;
        }
        ConsoleReporter::ReportRuns(runs);
    }
    void Finalize() override {
        ConsoleReporter::Finalize();
        std::printf(
            "summary (medians): single insert %.0f rows/s; batched %.0f rows/s (service), %.0f ticks/s "
            "(both databases); ingest produce %.0f messages/s\n",
            single_, batched_, both_, produce_);
        if (single_ > 0 && batched_ > 0) {
            std::printf("batched/single = %.1fx (target >= 20x: %s); both databases/single = %.1fx\n",
                        batched_ / single_, batched_ / single_ >= 20 ? "met" : "NOT met", both_ / single_);
        }
    }

private:
    double single_ = 0, batched_ = 0, both_ = 0, produce_ = 0;
};

std::string Env(const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr ? v : "";
}

// Connects to everything; throws with a message naming the server that failed.
void Setup(Servers& s) {
    auto check = [](const Status& st, const std::string& what) {
        if (!st) throw std::runtime_error(what + ": " + st.error().message);
    };
    auto service = storage::MysqlServiceStore::Open(s.service_dsn);
    if (!service) throw std::runtime_error(service.error().message);
    s.service = std::move(*service);
    check(s.service->Migrate(), "migrating the service database");
    auto recommend = storage::MysqlRecommendStore::Open(s.recommend_dsn);
    if (!recommend) throw std::runtime_error(recommend.error().message);
    s.recommend = std::move(*recommend);
    check(s.recommend->Migrate(), "migrating the recommend database");
    auto sc = storage::mysql::Connection::Open(s.service_dsn, 10s);
    if (!sc) throw std::runtime_error(sc.error().message);
    s.service_conn = std::move(*sc);
    auto rc = storage::mysql::Connection::Open(s.recommend_dsn, 10s);
    if (!rc) throw std::runtime_error(rc.error().message);
    s.recommend_conn = std::move(*rc);

    bus::KafkaOptions ko;
    ko.bootstrap = Env("IK_KAFKA_BOOTSTRAP");
    ko.client_id = "investking-ingest-bench";
    ko.connect_timeout = 30s;
    ko.delivery_timeout = 0ms;  // as the ingest role
    auto bus = bus::KafkaBus::Connect(ko, kClock);
    if (!bus) throw std::runtime_error(bus.error().message);
    s.bus = std::move(*bus);
}

}  // namespace
}  // namespace ik::app

int main(int argc, char** argv) {
    using namespace ik::app;
    ik::TuneAllocator();
    ik::SetLogLevel("warn");
    // A reporter of our own does not see --benchmark_color, which Initialize consumes: read it first.
    bool color = ::isatty(STDOUT_FILENO) != 0;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--benchmark_color=false" || arg == "--benchmark_color=no") color = false;
        if (arg == "--benchmark_color=true" || arg == "--benchmark_color=yes") color = true;
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

    std::vector<std::string> missing;
    for (const char* name : {"IK_MYSQL_URL_SERVICE", "IK_MYSQL_URL_RECOMMEND", "IK_KAFKA_BOOTSTRAP"}) {
        if (Env(name).empty()) missing.emplace_back(name);
    }
    if (!missing.empty()) {
        std::string list;
        for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
        std::fprintf(stderr,
                     "ik_distributed_benchmark: %s not set. It needs a MariaDB and a Kafka broker:\n"
                     "  scripts/mariadb start /tmp/ik-bench-db && scripts/kafka start /tmp/ik-bench-kafka\n"
                     "  IK_MYSQL_URL_SERVICE=\"$(scripts/mariadb url /tmp/ik-bench-db service)\" \\\n"
                     "  IK_MYSQL_URL_RECOMMEND=\"$(scripts/mariadb url /tmp/ik-bench-db recommend)\" \\\n"
                     "  IK_KAFKA_BOOTSTRAP=\"$(cat /tmp/ik-bench-kafka/kafka.addr)\" %s\n",
                     list.c_str(), argv[0]);
        return 2;
    }
    Servers servers;
    auto service_dsn = ik::storage::mysql::Dsn::Parse(Env("IK_MYSQL_URL_SERVICE"));
    auto recommend_dsn = ik::storage::mysql::Dsn::Parse(Env("IK_MYSQL_URL_RECOMMEND"));
    if (!service_dsn || !recommend_dsn) {
        std::fprintf(stderr, "ik_distributed_benchmark: IK_MYSQL_URL_%s: %s\n", service_dsn ? "RECOMMEND" : "SERVICE",
                     (service_dsn ? recommend_dsn.error() : service_dsn.error()).message.c_str());
        return 2;
    }
    servers.service_dsn = *service_dsn;
    servers.recommend_dsn = *recommend_dsn;
    try {
        Setup(servers);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ik_distributed_benchmark: %s\n", e.what());
        return 1;
    }
    g_servers = &servers;
    if (auto s = DeleteBenchRows(); !s) {  // leftovers of an interrupted run
        std::fprintf(stderr, "ik_distributed_benchmark: %s\n", s.error().message.c_str());
        return 1;
    }
    RatioReporter reporter(color);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    const auto cleaned = DeleteBenchRows();
    g_servers = nullptr;
    if (!cleaned) {
        std::fprintf(stderr, "ik_distributed_benchmark: cleaning up: %s\n", cleaned.error().message.c_str());
        return 1;
    }
    return 0;
}
