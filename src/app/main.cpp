// investking: one binary, many roles. See `investking --help` and docs/operations.md.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/alerts_role.hpp"
#include "app/embedded.hpp"
#include "app/engine_role.hpp"
#include "app/exit_codes.hpp"
#include "app/gateway_role.hpp"
#include "app/ingest.hpp"
#include "app/sink.hpp"
#include "app/version.hpp"
#include "bus/kafka/kafka_bus.hpp"
#include "common/allocator.hpp"
#include "common/log.hpp"
#include "config/config.hpp"
#include "market/listing.hpp"
#include "market/simulator.hpp"
#include "storage/data_dir.hpp"
#include "storage/mysql/mysql_store.hpp"

namespace ik::app {
namespace {

int Fail(int code, const std::string& message) {
    std::fprintf(stderr, "investking: %s\n", message.c_str());
    return code;
}

int ExitCodeFor(const Error& e) {
    switch (e.code) {
        case ErrorCode::kInvalidArgument: return kExitUsage;
        case ErrorCode::kNotFound:
        case ErrorCode::kDataLoss:
        case ErrorCode::kFailedPrecondition:
        case ErrorCode::kUnavailable: return kExitData;
        default: return kExitRuntime;
    }
}

struct CommonFlags {
    std::string config_file;
    std::string data_dir = "./data";
    std::string data_source;
    std::string listen;
};

Result<config::Config> LoadConfig(const CommonFlags& flags) {
    auto cfg = config::Load(flags.config_file.empty() ? std::nullopt : std::optional<std::string>(flags.config_file));
    if (!cfg) return cfg;
    // Command-line flags win over file and environment.
    if (!flags.data_source.empty()) cfg->market.data_source = flags.data_source;
    if (!flags.listen.empty()) {
        auto listen = config::ParseListenAddress(flags.listen);
        if (!listen) return MakeError(ErrorCode::kInvalidArgument, "--listen: " + listen.error().message);
        cfg->http.listen = *listen;
    }
    if (auto s = config::Validate(*cfg); !s) return std::unexpected(s.error());
    SetLogLevel(std::string(config::LogLevelName(cfg->log.level)));
    return cfg;
}

int Serve(const CommonFlags& flags, ServeOptions options) {
    auto cfg = LoadConfig(flags);
    if (!cfg) return Fail(kExitUsage, cfg.error().message);
    options.config = *cfg;
    options.data_dir = flags.data_dir;
    if (const char* pw = std::getenv("INVESTKING_ADMIN_PASSWORD")) options.admin_password = pw;
    if (const char* key = std::getenv("INVESTKING_JWT_SECRET")) options.jwt_secret = key;
    auto log = GetLogger("app");

    // Signals are taken synchronously by this thread; every other thread inherits the blocked mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    SystemClock clock;
    EmbeddedServer server(std::move(options), clock);
    if (auto s = server.Start(); !s) {
        server.Stop();
        return Fail(ExitCodeFor(s.error()), s.error().message);
    }
    log->info("event=ready version={} listen={}:{} endpoints=/healthz,/readyz,/api/v1,/v2", VersionString(),
              cfg->http.listen.host, server.http_port());
    int exit_code = kExitOk;
    for (;;) {
        timespec timeout{10, 0};
        const int sig = sigtimedwait(&signals, nullptr, &timeout);
        if (sig == SIGINT || sig == SIGTERM) {
            log->info("event=shutdown signal={}", sig == SIGINT ? "SIGINT" : "SIGTERM");
            break;
        }
        if (server.failed()) {
            exit_code = kExitRuntime;
            log->critical("event=stopping reason=storage_failure");
            break;
        }
        log->info("{}", server.ActivityLine());
    }
    server.Stop();
    log->info("event=stopped");
    return exit_code;
}

int Migrate(const CommonFlags& flags) {
    auto cfg = LoadConfig(flags);
    if (!cfg) return Fail(kExitUsage, cfg.error().message);
    storage::OpenOptions open;
    open.create_if_missing = true;
    auto dir = storage::OpenDataDir(flags.data_dir, open);
    if (!dir) return Fail(ExitCodeFor(dir.error()), dir.error().message);
    if (auto s = dir->service->Migrate(); !s) return Fail(ExitCodeFor(s.error()), s.error().message);
    if (auto s = dir->recommend->Migrate(); !s) return Fail(ExitCodeFor(s.error()), s.error().message);
    std::printf("migrate: service.db at version %d, recommend.db at version %d\n", dir->service->SchemaVersion().value_or(-1),
                dir->recommend->SchemaVersion().value_or(-1));
    return kExitOk;
}

int VerifyMysql(const config::Config& cfg);

int Verify(const CommonFlags& flags) {
    auto cfg = LoadConfig(flags);
    if (!cfg) return Fail(kExitUsage, cfg.error().message);
    if (!cfg->database.service_url.empty()) return VerifyMysql(*cfg);
    storage::OpenOptions open;
    open.create_if_missing = false;
    open.read_only = true;
    auto dir = storage::OpenDataDir(flags.data_dir, open);
    if (!dir) return Fail(ExitCodeFor(dir.error()), dir.error().message);
    auto violations = dir->service->Verify();
    if (!violations) return Fail(ExitCodeFor(violations.error()), violations.error().message);
    for (const auto& v : *violations) std::printf("VIOLATION %s: %s\n", v.check.c_str(), v.message.c_str());
    auto count = [&](const char* table) { return dir->service->CountRows(table).value_or(-1); };
    std::printf("verify: %s: %zu violation(s); checked %lld accounts, %lld orders, %lld fills, %lld ledger entries\n",
                violations->empty() ? "ok" : "FAILED", violations->size(), static_cast<long long>(count("accounts")),
                static_cast<long long>(count("orders")), static_cast<long long>(count("fills")),
                static_cast<long long>(count("ledger_entries")));
    return violations->empty() ? kExitOk : kExitViolations;
}

// `verify` of the distributed mode's service database (database.service_url); never migrates it.
int VerifyMysql(const config::Config& cfg) {
    auto dsn = storage::mysql::Dsn::Parse(cfg.database.service_url);
    if (!dsn) return Fail(kExitUsage, "database.service_url: " + dsn.error().message);
    auto store = storage::MysqlServiceStore::Open(*dsn);
    if (!store) return Fail(ExitCodeFor(store.error()), store.error().message);
    auto violations = (*store)->Verify();
    if (!violations) return Fail(ExitCodeFor(violations.error()), violations.error().message);
    for (const auto& v : *violations) std::printf("VIOLATION %s: %s\n", v.check.c_str(), v.message.c_str());
    auto count = [&](const char* table) { return (*store)->CountRows(table).value_or(-1); };
    std::printf("verify: %s: %zu violation(s); checked %lld accounts, %lld orders, %lld fills, %lld ledger entries\n",
                violations->empty() ? "ok" : "FAILED", violations->size(), static_cast<long long>(count("accounts")),
                static_cast<long long>(count("orders")), static_cast<long long>(count("fills")),
                static_cast<long long>(count("ledger_entries")));
    return violations->empty() ? kExitOk : kExitViolations;
}

struct SimFlags {
    std::string symbol;
    int count = 20;
    std::uint64_t seed = 0;
    bool seed_set = false;
    int interval_ms = 0;
    std::string start;
};

int Sim(const CommonFlags& flags, const SimFlags& sim) {
    auto cfg = LoadConfig(flags);
    if (!cfg) return Fail(kExitUsage, cfg.error().message);
    if (!market::IsValidCode(sim.symbol)) return Fail(kExitUsage, "--symbol: '" + sim.symbol + "' is not a KRX code");
    std::optional<market::StockInfo> info;
    for (const auto& s : market::DefaultUniverse()) {
        if (s.code == sim.symbol) info = s;
    }
    market::SimSymbolParams params = market::DefaultSimParams(sim.symbol);
    const std::string& dir = cfg->market.data_source;
    if (!dir.empty()) {
        auto bars = market::LoadDailyCsv(dir + "/daily/" + sim.symbol + ".csv");
        if (bars && !bars->empty()) {
            if (!info) info = market::StockInfo{sim.symbol, "", "", market::Exchange::kKospi, "", 0};
            info->previous_close = bars->back().close;
            if (auto stats = market::ComputeHistoryStats(*bars)) params = market::SimParamsFromHistory(*stats);
        }
    }
    if (!info || info->previous_close <= 0) {
        return Fail(kExitUsage, "--symbol " + sim.symbol +
                                    ": no starting price; use one of the built-in five or --data-source with daily/" +
                                    sim.symbol + ".csv");
    }
    market::SimulatorOptions so;
    so.seed = sim.seed_set ? sim.seed : cfg->market.seed;
    const int interval = sim.interval_ms > 0 ? sim.interval_ms : cfg->market.tick_interval_ms;
    so.tick_interval_ns = static_cast<std::int64_t>(interval) * 1'000'000;
    market::MarketSimulator simulator(so);
    if (auto s = simulator.AddSymbol(0, info->previous_close, params); !s) return Fail(kExitUsage, s.error().message);
    Timestamp ts = FromKst({2026, 11, 25}, 9, 0);
    if (!sim.start.empty()) {
        auto parsed = ParseRfc3339(sim.start);
        if (!parsed) return Fail(kExitUsage, "--start: " + parsed.error().message);
        ts = *parsed;
    }
    const auto band = simulator.Band(0);
    std::printf("# %s %s previous_close=%lld band=%lld..%lld seed=%llu interval_ms=%d\n", info->code.c_str(),
                info->name_en.c_str(), static_cast<long long>(info->previous_close),
                static_cast<long long>(band ? band->lower : 0), static_cast<long long>(band ? band->upper : 0),
                static_cast<unsigned long long>(so.seed), interval);
    for (int i = 0; i < sim.count; ++i) {
        auto t = simulator.NextTick(0, ts);
        if (!t) return Fail(kExitRuntime, t.error().message);
        std::printf("%s %s price=%lld bid=%lld ask=%lld volume=%lld\n", FormatRfc3339(t->ts).c_str(), info->code.c_str(),
                    static_cast<long long>(t->price), static_cast<long long>(t->bid), static_cast<long long>(t->ask),
                    static_cast<long long>(t->volume));
        ts += so.tick_interval_ns;
    }
    return kExitOk;
}

// ---- The distributed roles: each runs until SIGINT/SIGTERM, taken synchronously by its loop ----

// Blocks SIGINT and SIGTERM for every thread started after this; the role's loop waits for them.
sigset_t BlockStopSignals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    return signals;
}

// Waits up to `wait` for a stop signal; true (logged) when one came.
bool StopRequested(const sigset_t& signals, std::chrono::milliseconds wait) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
    timespec timeout{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
    const int sig = sigtimedwait(&signals, nullptr, &timeout);
    if (sig != SIGINT && sig != SIGTERM) return false;
    GetLogger("app")->info("event=shutdown signal={}", sig == SIGINT ? "SIGINT" : "SIGTERM");
    return true;
}

// The loop of a role: `step` until a stop signal or its first error (logged, then the exit code for it), waiting
// `pause` between steps for a signal; the activity line every 10 s and at the end.
int RunRole(const sigset_t& signals, std::chrono::milliseconds pause, const std::function<Status()>& step,
            const std::function<std::string()>& activity) {
    auto log = GetLogger("app");
    auto next_report = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int exit_code = kExitOk;
    do {
        if (auto s = step(); !s) {
            log->critical("event=stopping reason=\"{}\"", s.error().message);
            exit_code = ExitCodeFor(s.error());
            break;
        }
        if (std::chrono::steady_clock::now() >= next_report) {
            log->info("{}", activity());
            next_report += std::chrono::seconds(10);
        }
    } while (!StopRequested(signals, pause));
    return exit_code;
}

Result<std::unique_ptr<bus::KafkaBus>> ConnectKafka(const config::Config& cfg, std::string client_id,
                                                    std::chrono::milliseconds delivery_timeout = std::chrono::seconds(30)) {
    bus::KafkaOptions ko;
    ko.bootstrap = cfg.kafka.bootstrap;
    ko.client_id = std::move(client_id);
    ko.replication = static_cast<std::int16_t>(cfg.kafka.replication);
    ko.connect_timeout = std::chrono::milliseconds(cfg.kafka.connect_timeout_ms);
    ko.delivery_timeout = delivery_timeout;
    static SystemClock clock;
    return bus::KafkaBus::Connect(ko, clock);
}

// Opens (and migrates) the MariaDB database of `url`, named `what` in messages.
template <class Store>
Result<std::unique_ptr<Store>> OpenMysql(const config::Config& cfg, const std::string& url, const std::string& what) {
    auto dsn = storage::mysql::Dsn::Parse(url);
    if (!dsn) return MakeError(ErrorCode::kInvalidArgument, what + ": " + dsn.error().message);
    storage::MysqlOptions mo;
    mo.connect_timeout = std::chrono::milliseconds(cfg.kafka.connect_timeout_ms);
    auto store = Store::Open(*dsn, mo);
    if (!store) return std::unexpected(store.error());
    if (auto s = (*store)->Migrate(); !s) return std::unexpected(s.error());
    return store;
}

// The `ingest` role: one worker for a group of symbols, producing to Kafka.
int Ingest(const CommonFlags& flags, IngestOptions options) {
    auto cfg = LoadConfig(flags);
    if (!cfg) return Fail(kExitUsage, cfg.error().message);
    options.config = *cfg;
    auto log = GetLogger("app");
    const sigset_t signals = BlockStopSignals();
    SystemClock clock;
    // A tick waits out a broker restart instead of being dropped (no delivery timeout).
    auto bus = ConnectKafka(*cfg, "investking-ingest", std::chrono::milliseconds(0));
    if (!bus) return Fail(ExitCodeFor(bus.error()), bus.error().message);
    IngestWorker worker(std::move(options), **bus, clock);
    if (auto s = worker.Start(); !s) return Fail(ExitCodeFor(s.error()), s.error().message);
    log->info("event=ready role=ingest version={} kafka={}", VersionString(), cfg->kafka.bootstrap);
    // The market clock's period between steps, not a readiness wait: a signal ends it early.
    int exit_code = RunRole(
        signals, std::chrono::milliseconds(cfg->market.tick_interval_ms),
        [&]() -> Status {
            // A fatal producer error: its guarantees are gone, so stop rather than drop ticks.
            if (auto h = worker.Health(); !h) return MakeError(ErrorCode::kInternal, h.error().message);
            worker.Step(clock.Now());
            return {};
        },
        [&] { return worker.ActivityLine(); });
    if (auto s = worker.Flush(std::chrono::seconds(30)); !s) {
        log->error("event=flush_failed error=\"{}\"", s.error().message);  // ticks still queued are lost
        exit_code = kExitRuntime;
    }
    log->info("{}", worker.ActivityLine());
    log->info("event=stopped");
    return exit_code;
}

// Runs a worker whose Step(wait) polls and returns Result<…> until a stop signal or an error, then stops it and
// logs its last activity line. The exit code as RunRole's.
template <class Worker>
int RunSteps(const sigset_t& signals, Worker& worker, std::chrono::milliseconds wait) {
    const int exit_code = RunRole(
        signals, std::chrono::milliseconds(0),
        [&]() -> Status {
            if (auto n = worker.Step(wait); !n) return std::unexpected(n.error());
            return {};
        },
        [&] { return worker.ActivityLine(); });
    worker.Stop();
    auto log = GetLogger("app");
    log->info("{}", worker.ActivityLine());
    log->info("event=stopped");
    return exit_code;
}

// The `sink` role: Stocks and StockInfos into both MySQL/MariaDB databases.
int Sink(const CommonFlags& flags) {
    auto cfg = LoadConfig(flags);
    if (!cfg) return Fail(kExitUsage, cfg.error().message);
    if (cfg->database.service_url.empty() || cfg->database.recommend_url.empty()) {
        return Fail(kExitUsage, "sink: set database.service_url and database.recommend_url (mysql://user:password@host:port/db)");
    }
    auto log = GetLogger("app");
    const sigset_t signals = BlockStopSignals();
    auto service = OpenMysql<storage::MysqlServiceStore>(*cfg, cfg->database.service_url, "database.service_url");
    if (!service) return Fail(ExitCodeFor(service.error()), service.error().message);
    auto recommend = OpenMysql<storage::MysqlRecommendStore>(*cfg, cfg->database.recommend_url, "database.recommend_url");
    if (!recommend) return Fail(ExitCodeFor(recommend.error()), recommend.error().message);
    auto bus = ConnectKafka(*cfg, "investking-sink");
    if (!bus) return Fail(ExitCodeFor(bus.error()), bus.error().message);
    SinkOptions options;
    options.config = *cfg;
    SinkWorker worker(std::move(options), **bus, **service, **service, **recommend);
    if (auto s = worker.Start(); !s) return Fail(ExitCodeFor(s.error()), s.error().message);
    log->info("event=ready role=sink version={} kafka={}", VersionString(), cfg->kafka.bootstrap);
    // Nothing of a failed batch was committed to Kafka: a restart reads it again.
    return RunSteps(signals, worker, std::chrono::milliseconds(200));
}

// The `alerts` role: evaluates every armed alert on StockInfos and delivers what fires. One instance: its index
// holds every alert, so it holds the database's lock investking-alerts while it runs.
int Alerts(const CommonFlags& flags) {
    auto cfg = LoadConfig(flags);
    if (!cfg) return Fail(kExitUsage, cfg.error().message);
    if (cfg->database.service_url.empty()) {
        return Fail(kExitUsage, "alerts: set database.service_url (mysql://user:password@host:port/db)");
    }
    auto log = GetLogger("app");
    const sigset_t signals = BlockStopSignals();
    auto service = OpenMysql<storage::MysqlServiceStore>(*cfg, cfg->database.service_url, "database.service_url");
    if (!service) return Fail(ExitCodeFor(service.error()), service.error().message);
    auto locked = (*service)->TryNamedLock("investking-alerts");
    if (!locked) return Fail(ExitCodeFor(locked.error()), locked.error().message);
    if (!*locked)
        return Fail(kExitUsage, "alerts: an alerts role runs already (the database's lock investking-alerts is held)");
    auto bus = ConnectKafka(*cfg, "investking-alerts");
    if (!bus) return Fail(ExitCodeFor(bus.error()), bus.error().message);
    const SystemClock clock;
    AlertsRoleOptions options;
    options.config = *cfg;
    AlertsRole worker(std::move(options), **bus, **service, clock);
    if (auto s = worker.Start(); !s) return Fail(ExitCodeFor(s.error()), s.error().message);
    log->info("event=ready role=alerts version={} kafka={}", VersionString(), cfg->kafka.bootstrap);
    // Nothing of a failed batch was committed to Kafka: a restart reads it again, and what it fired is not stored
    // twice.
    return RunSteps(signals, worker, std::chrono::milliseconds(200));
}

// The `engine` role: owns the accounts of its `orders` partitions.
int Engine(const CommonFlags& flags, EngineRoleOptions options) {
    auto cfg = LoadConfig(flags);
    if (!cfg) return Fail(kExitUsage, cfg.error().message);
    if (cfg->database.service_url.empty()) {
        return Fail(kExitUsage, "engine: set database.service_url (mysql://user:password@host:port/db)");
    }
    options.config = *cfg;
    auto log = GetLogger("app");
    const sigset_t signals = BlockStopSignals();
    auto service = OpenMysql<storage::MysqlServiceStore>(*cfg, cfg->database.service_url, "database.service_url");
    if (!service) return Fail(ExitCodeFor(service.error()), service.error().message);
    // Ids are striped by instance number: two engines with one number would hand out the same ids.
    const std::string lock_name = "investking-engine-" + std::to_string(options.instance);
    auto locked = (*service)->TryNamedLock(lock_name);
    if (!locked) return Fail(ExitCodeFor(locked.error()), locked.error().message);
    if (!*locked) {
        return Fail(kExitUsage, "engine: instance " + std::to_string(options.instance) +
                                    " runs already (the database's lock " + lock_name + " is held); give another --instance");
    }
    auto bus = ConnectKafka(*cfg, "investking-engine-" + std::to_string(options.instance));
    if (!bus) return Fail(ExitCodeFor(bus.error()), bus.error().message);
    SystemClock clock;
    const int instance = options.instance;
    EngineWorker worker(std::move(options), **bus, **service, clock);
    if (auto s = worker.Start(); !s) return Fail(ExitCodeFor(s.error()), s.error().message);
    log->info("event=ready role=engine instance={} version={} kafka={}", instance, VersionString(), cfg->kafka.bootstrap);
    // After an error nothing uncommitted was answered; the next owner of the partitions resumes from the stored
    // offsets.
    return RunSteps(signals, worker, std::chrono::milliseconds(20));
}

// The `gateway` role: the HTTP and WebSocket API over Kafka and the service database.
int Gateway(const CommonFlags& flags) {
    auto cfg = LoadConfig(flags);
    if (!cfg) return Fail(kExitUsage, cfg.error().message);
    if (cfg->database.service_url.empty()) {
        return Fail(kExitUsage, "gateway: set database.service_url (mysql://user:password@host:port/db)");
    }
    GatewayRoleOptions options;
    options.config = *cfg;
    if (const char* pw = std::getenv("INVESTKING_ADMIN_PASSWORD")) options.admin_password = pw;
    if (const char* key = std::getenv("INVESTKING_JWT_SECRET")) options.jwt_secret = key;
    if (options.jwt_secret.size() < 32) {
        return Fail(kExitUsage, "gateway: set INVESTKING_JWT_SECRET (at least 32 bytes, the same on every gateway)");
    }
    auto log = GetLogger("app");
    const sigset_t signals = BlockStopSignals();
    auto writes = OpenMysql<storage::MysqlServiceStore>(*cfg, cfg->database.service_url, "database.service_url");
    if (!writes) return Fail(ExitCodeFor(writes.error()), writes.error().message);
    auto reads = OpenMysql<storage::MysqlServiceStore>(*cfg, cfg->database.service_url, "database.service_url");
    if (!reads) return Fail(ExitCodeFor(reads.error()), reads.error().message);
    auto bus = ConnectKafka(*cfg, "investking-gateway");
    if (!bus) return Fail(ExitCodeFor(bus.error()), bus.error().message);
    SystemClock clock;
    GatewayNode node(std::move(options), **bus, GatewayStores{**writes, **writes, **reads, **reads}, clock);
    if (auto s = node.Start(); !s) return Fail(ExitCodeFor(s.error()), s.error().message);
    log->info("event=ready role=gateway version={} listen={} port={} kafka={}", VersionString(),
              cfg->http.listen.ToString(), node.http_port(), cfg->kafka.bootstrap);
    const int exit_code = RunRole(
        signals, std::chrono::milliseconds(200),
        [&]() -> Status {
            if (auto h = node.Health(); !h) return MakeError(ErrorCode::kInternal, h.error().message);
            return {};
        },
        [&] { return node.ActivityLine(); });
    node.Stop();
    log->info("{}", node.ActivityLine());
    log->info("event=stopped");
    return exit_code;
}

int Main(int argc, char** argv) {
    CLI::App app{"InvestKing (내일은 투자왕): mock stock trading on KRX rules", "investking"};
    app.require_subcommand(1);
    app.fallthrough();
    CommonFlags flags;
    app.add_option("--config", flags.config_file, "YAML configuration file")->check(CLI::ExistingFile);

    auto add_data_dir = [&](CLI::App* sub) {
        sub->add_option("--data-dir", flags.data_dir, "folder holding service.db and recommend.db")
            ->capture_default_str();
    };
    auto add_data_source = [&](CLI::App* sub) {
        sub->add_option("--data-source", flags.data_source,
                        "folder with krx-listing.csv and daily/<code>.csv (overrides market.data_source)");
    };

    ServeOptions serve;
    auto* serve_cmd = app.add_subcommand("serve", "run the embedded all-in-one server");
    add_data_dir(serve_cmd);
    add_data_source(serve_cmd);
    serve_cmd->add_option("--listen", flags.listen, "HTTP listen address host:port (overrides http.listen)");
    serve_cmd->add_option("--load", serve.load.rate, "built-in load generator: commands per second (0 = off)")
        ->check(CLI::Range(0.0, 1'000'000.0));
    serve_cmd->add_option("--load-accounts", serve.load_accounts, "synthetic accounts used by --load")
        ->check(CLI::Range(1, 100'000));
    serve_cmd->add_option("--ack-log", serve.load.ack_log, "append every acknowledged load order to this file");

    auto* migrate_cmd = app.add_subcommand("migrate", "create or upgrade the databases");
    add_data_dir(migrate_cmd);
    auto* verify_cmd = app.add_subcommand("verify", "check every ledger invariant of a data directory");
    add_data_dir(verify_cmd);

    SimFlags sim;
    auto* sim_cmd = app.add_subcommand("sim", "print simulated ticks for a symbol");
    sim_cmd->add_option("--symbol", sim.symbol, "KRX code, e.g. 005930")->required();
    sim_cmd->add_option("--count", sim.count, "number of ticks")->check(CLI::Range(1, 10'000'000));
    sim_cmd->add_option_function<std::uint64_t>("--seed", [&](std::uint64_t v) {
        sim.seed = v;
        sim.seed_set = true;
    }, "simulator seed (default market.seed)");
    sim_cmd->add_option("--interval-ms", sim.interval_ms, "simulated time between ticks")->check(CLI::Range(1, 60'000));
    sim_cmd->add_option("--start", sim.start, "RFC 3339 time of the first tick");
    add_data_source(sim_cmd);

    IngestOptions ingest;
    auto* ingest_cmd = app.add_subcommand("ingest", "distributed mode: produce the ticks of some symbols to Kafka");
    ingest_cmd->add_option("--symbol", ingest.symbols, "KRX code of market.symbols (repeat for a group)")->required();
    add_data_source(ingest_cmd);

    auto* sink_cmd = app.add_subcommand("sink", "distributed mode: write Stocks and StockInfos into both databases");
    add_data_source(sink_cmd);
    EngineRoleOptions engine;
    auto* engine_cmd = app.add_subcommand("engine", "distributed mode: the trading engine of some orders partitions");
    engine_cmd->add_option("--instance", engine.instance, "this engine's number, unique among running engines")
        ->check(CLI::Range(1, kMaxEngines))
        ->required();
    add_data_source(engine_cmd);
    auto* alerts_cmd =
        app.add_subcommand("alerts", "distributed mode: evaluate price alerts on StockInfos and deliver them");
    add_data_source(alerts_cmd);
    auto* gateway_cmd = app.add_subcommand("gateway", "distributed mode: the HTTP/WebSocket API over Kafka and MariaDB");
    add_data_source(gateway_cmd);
    gateway_cmd->add_option("--listen", flags.listen, "HTTP listen address host:port (overrides http.listen)");

    auto* config_cmd = app.add_subcommand("config", "print the effective configuration");
    auto* version_cmd = app.add_subcommand("version", "print the version");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? kExitOk : kExitUsage;
    }

    if (version_cmd->parsed()) {
        std::printf("%s\n", VersionString().c_str());
        return kExitOk;
    }
    if (config_cmd->parsed()) {
        auto cfg = LoadConfig(flags);
        if (!cfg) return Fail(kExitUsage, cfg.error().message);
        std::printf("%s", config::Describe(*cfg).c_str());
        return kExitOk;
    }
    if (serve_cmd->parsed()) return Serve(flags, std::move(serve));
    if (migrate_cmd->parsed()) return Migrate(flags);
    if (verify_cmd->parsed()) return Verify(flags);
    if (sim_cmd->parsed()) return Sim(flags, sim);
    if (ingest_cmd->parsed()) return Ingest(flags, std::move(ingest));
    if (sink_cmd->parsed()) return Sink(flags);
    if (engine_cmd->parsed()) return Engine(flags, std::move(engine));
    if (gateway_cmd->parsed()) return Gateway(flags);
    if (alerts_cmd->parsed()) return Alerts(flags);
    return kExitUsage;
}

}  // namespace
}  // namespace ik::app

int main(int argc, char** argv) {
    ik::TuneAllocator();
    try {
        return ik::app::Main(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "investking: internal error: %s\n", e.what());
        return ik::app::kExitRuntime;
    }
}
