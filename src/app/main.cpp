// investking: one binary, many roles. See `investking --help` and docs/operations.md.
#include <cstdlib>
#include <signal.h>

#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/embedded.hpp"
#include "app/exit_codes.hpp"
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

int Verify(const CommonFlags& flags) {
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

// The `ingest` role: one worker for a group of symbols, producing to Kafka until SIGINT/SIGTERM.
int Ingest(const CommonFlags& flags, IngestOptions options) {
    auto cfg = LoadConfig(flags);
    if (!cfg) return Fail(kExitUsage, cfg.error().message);
    options.config = *cfg;
    auto log = GetLogger("app");
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    SystemClock clock;
    bus::KafkaOptions ko;
    ko.bootstrap = cfg->kafka.bootstrap;
    ko.client_id = "investking-ingest";
    ko.replication = static_cast<std::int16_t>(cfg->kafka.replication);
    ko.connect_timeout = std::chrono::milliseconds(cfg->kafka.connect_timeout_ms);
    ko.delivery_timeout = std::chrono::milliseconds(0);  // a tick waits out a broker restart instead of being dropped
    auto bus = bus::KafkaBus::Connect(ko, clock);
    if (!bus) return Fail(ExitCodeFor(bus.error()), bus.error().message);
    IngestWorker worker(std::move(options), **bus, clock);
    if (auto s = worker.Start(); !s) return Fail(ExitCodeFor(s.error()), s.error().message);
    log->info("event=ready role=ingest version={} kafka={}", VersionString(), cfg->kafka.bootstrap);
    const auto interval = std::chrono::milliseconds(cfg->market.tick_interval_ms);
    auto next_report = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int exit_code = kExitOk;
    for (;;) {
        if (auto h = worker.Health(); !h) {
            log->critical("event=stopping reason=\"{}\"", h.error().message);
            exit_code = kExitRuntime;
            break;
        }
        worker.Step(clock.Now());
        // The market clock's period, not a readiness wait: a signal ends it early.
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(interval).count();
        timespec timeout{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
        const int sig = sigtimedwait(&signals, nullptr, &timeout);
        if (sig == SIGINT || sig == SIGTERM) {
            log->info("event=shutdown signal={}", sig == SIGINT ? "SIGINT" : "SIGTERM");
            break;
        }
        if (std::chrono::steady_clock::now() >= next_report) {
            log->info("{}", worker.ActivityLine());
            next_report += std::chrono::seconds(10);
        }
    }
    if (auto s = worker.Flush(std::chrono::seconds(30)); !s) {
        log->error("event=flush_failed error=\"{}\"", s.error().message);  // ticks still queued are lost
        exit_code = kExitRuntime;
    }
    log->info("{}", worker.ActivityLine());
    log->info("event=stopped");
    return exit_code;
}

// The `sink` role: Stocks and StockInfos into both MySQL/MariaDB databases until SIGINT/SIGTERM.
int Sink(const CommonFlags& flags) {
    auto cfg = LoadConfig(flags);
    if (!cfg) return Fail(kExitUsage, cfg.error().message);
    if (cfg->database.service_url.empty() || cfg->database.recommend_url.empty()) {
        return Fail(kExitUsage, "sink: set database.service_url and database.recommend_url (mysql://user:password@host:port/db)");
    }
    auto log = GetLogger("app");
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    auto service_dsn = storage::mysql::Dsn::Parse(cfg->database.service_url);
    auto recommend_dsn = storage::mysql::Dsn::Parse(cfg->database.recommend_url);
    if (!service_dsn) return Fail(kExitUsage, "database.service_url: " + service_dsn.error().message);
    if (!recommend_dsn) return Fail(kExitUsage, "database.recommend_url: " + recommend_dsn.error().message);
    storage::MysqlOptions mo;
    mo.connect_timeout = std::chrono::milliseconds(cfg->kafka.connect_timeout_ms);
    auto service = storage::MysqlServiceStore::Open(*service_dsn, mo);
    if (!service) return Fail(ExitCodeFor(service.error()), service.error().message);
    auto recommend = storage::MysqlRecommendStore::Open(*recommend_dsn, mo);
    if (!recommend) return Fail(ExitCodeFor(recommend.error()), recommend.error().message);
    if (auto s = (*service)->Migrate(); !s) return Fail(ExitCodeFor(s.error()), s.error().message);
    if (auto s = (*recommend)->Migrate(); !s) return Fail(ExitCodeFor(s.error()), s.error().message);

    SystemClock clock;
    bus::KafkaOptions ko;
    ko.bootstrap = cfg->kafka.bootstrap;
    ko.client_id = "investking-sink";
    ko.replication = static_cast<std::int16_t>(cfg->kafka.replication);
    ko.connect_timeout = std::chrono::milliseconds(cfg->kafka.connect_timeout_ms);
    auto bus = bus::KafkaBus::Connect(ko, clock);
    if (!bus) return Fail(ExitCodeFor(bus.error()), bus.error().message);
    SinkOptions options;
    options.config = *cfg;
    SinkWorker worker(std::move(options), **bus, **service, **service, **recommend);
    if (auto s = worker.Start(); !s) return Fail(ExitCodeFor(s.error()), s.error().message);
    log->info("event=ready role=sink version={} kafka={} service_db={} recommend_db={}", VersionString(), cfg->kafka.bootstrap,
              service_dsn->Redacted(), recommend_dsn->Redacted());
    auto next_report = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int exit_code = kExitOk;
    for (;;) {
        timespec none{0, 0};
        const int sig = sigtimedwait(&signals, nullptr, &none);
        if (sig == SIGINT || sig == SIGTERM) {
            log->info("event=shutdown signal={}", sig == SIGINT ? "SIGINT" : "SIGTERM");
            break;
        }
        if (auto n = worker.Step(std::chrono::milliseconds(200)); !n) {
            // Nothing of this batch was committed to Kafka: a restart reads it again.
            log->critical("event=stopping reason=\"{}\"", n.error().message);
            exit_code = ExitCodeFor(n.error());
            break;
        }
        if (std::chrono::steady_clock::now() >= next_report) {
            log->info("{}", worker.ActivityLine());
            next_report += std::chrono::seconds(10);
        }
    }
    worker.Stop();
    log->info("{}", worker.ActivityLine());
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
