#pragma once
// Typed configuration of the whole process, built once at start from built-in defaults, then a YAML file,
// then INVESTKING_<SECTION>_<KEY> environment variables, each layer overriding the one before. Every value
// is parsed strictly and checked against its range while loading, so a Config that Load returns is valid.
// Config is a plain value: the application owns it and hands copies or const references to the modules;
// it has no internal synchronisation, and Load/Describe keep no state (thread-safe).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/money.hpp"
#include "common/time.hpp"
#include "market/rules.hpp"
#include "market/session.hpp"

namespace ik::config {

// Where market data comes from: the built-in price simulator, or nothing (prices move only by injection).
enum class MarketSource : std::uint8_t { kSimulator, kNone };
std::string_view MarketSourceName(MarketSource source);  // "simulator", "none"

// SQLite's PRAGMA synchronous for the store: FULL survives power loss, NORMAL only process crashes in WAL.
enum class Synchronous : std::uint8_t { kFull, kNormal };
std::string_view SynchronousName(Synchronous mode);  // "full", "normal"

enum class LogLevel : std::uint8_t { kTrace, kDebug, kInfo, kWarn, kError, kOff };
std::string_view LogLevelName(LogLevel level);  // "trace" … "off", as ik::SetLogLevel takes them

enum class LogFormat : std::uint8_t { kText, kJson };
std::string_view LogFormatName(LogFormat format);  // "text", "json"

// The address the HTTP server binds. host is stored without brackets ("::1"); ToString adds them back for
// IPv6 ("[::1]:8080").
struct ListenAddress {
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;

    std::string ToString() const;
    friend bool operator==(const ListenAddress&, const ListenAddress&) = default;
};

// Parses "host:port" or "[ipv6]:port"; port 1..65535, host non-empty. Does not resolve names.
Result<ListenAddress> ParseListenAddress(std::string_view text);

// The five symbols of market::DefaultUniverse(), in code order.
std::vector<std::string> DefaultSymbols();

struct MarketConfig {
    MarketSource source = MarketSource::kSimulator;
    // `always` by default so that a newcomer trying the demo at night still sees a live market.
    market::SessionMode session = market::SessionMode::kAlways;
    std::vector<Date> holidays;                           // exchange holidays, in the order given
    int tick_interval_ms = 1000;                          // 1 … 60000
    std::uint64_t seed = 20210426;                        // simulator seed: same seed, same prices
    bool allow_injection = false;                         // allow the price-injection API (tests, demos)
    std::vector<std::string> symbols = DefaultSymbols();  // non-empty, valid KRX codes, no duplicates
    std::string data_source;                              // folder with krx-listing.csv and daily/; empty = none
    Ppm price_limit_ppm = market::kDefaultPriceLimitPpm;  // daily band, 1 … 1,000,000

    friend bool operator==(const MarketConfig&, const MarketConfig&) = default;
};

struct FeesConfig {
    Ppm commission_ppm = 150;  // 0 … 100,000, charged on both sides
    Ppm sell_tax_ppm = 2'000;  // 0 … 100,000, charged on sells

    market::FeeSchedule Schedule() const { return market::FeeSchedule{commission_ppm, sell_tax_ppm}; }
    friend bool operator==(const FeesConfig&, const FeesConfig&) = default;
};

struct AccountConfig {
    Won starting_cash = 10'000'000;  // cash of a new account, 0 … 10^12
    Won max_topup = 100'000'000;     // largest single top-up, 1 … 10^12

    friend bool operator==(const AccountConfig&, const AccountConfig&) = default;
};

struct HttpConfig {
    ListenAddress listen;     // 127.0.0.1:8080
    int threads = 2;          // I/O threads, 1 … 64
    bool access_log = true;   // one structured line per request (module=access)
    std::string web_root = "web/dist";  // the built web app served at `/` ("" for none)

    friend bool operator==(const HttpConfig&, const HttpConfig&) = default;
};

struct StorageConfig {
    int group_commit_max_batch = 4096;  // 1 … 1,000,000 commands per transaction
    Synchronous synchronous = Synchronous::kFull;

    friend bool operator==(const StorageConfig&, const StorageConfig&) = default;
};

// The distributed mode's Kafka cluster (roles ingest, sink, engine, gateway; `serve` uses no broker).
struct KafkaConfig {
    std::string bootstrap = "127.0.0.1:9092";  // host:port[,host:port…]
    int connect_timeout_ms = 30'000;           // start-up waits this long for the brokers, 1 … 600,000
    int orders_partitions = 12;                // partitions of `orders` and `order-updates`, 1 … 1,000
    int replication = 1;                       // replication factor of the topics the roles create, 1 … 7

    friend bool operator==(const KafkaConfig&, const KafkaConfig&) = default;
};

// MySQL/MariaDB databases of the distributed mode, as mysql://user:password@host:port/database URLs; empty
// means the SQLite files under --data-dir. The passwords are secrets: `investking config` redacts them.
struct DatabaseConfig {
    std::string service_url;
    std::string recommend_url;

    friend bool operator==(const DatabaseConfig&, const DatabaseConfig&) = default;
};

// Price alerts: limits and the delivery of webhooks (the SNS settings are SnsConfig).
struct AlertsConfig {
    bool allow_internal_webhooks = false;  // allow webhook URLs on loopback and private addresses (local receivers)
    int max_per_user = 100;                // armed alerts per user, 1 … 10,000
    int webhook_timeout_ms = 5'000;        // per attempt, 100 … 60,000
    int max_attempts = 6;                  // a delivery is dead after this many failed attempts, 1 … 50
    int first_backoff_ms = 1'000;          // the wait after the first failure, doubling, 10 … 3,600,000
    int max_backoff_ms = 300'000;          // the longest wait between attempts, 10 … 86,400,000
    int min_external_cooldown_s = 60;      // a repeat alert with a webhook or SNS waits at least this, 0 … 86,400
    friend bool operator==(const AlertsConfig&, const AlertsConfig&) = default;
};
// Amazon SNS for alert SMS and topic messages. Without an access key id, SNS deliveries are not attempted (dead,
// saying SNS is not configured). The secret key and session token are secrets: `investking config` redacts them.
struct SnsConfig {
    std::string region = "ap-northeast-2";
    std::string endpoint;  // "" = https://sns.<region>.amazonaws.com; e.g. a local emulator's URL
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;
    // Topic ARNs (or ARN prefixes, e.g. "arn:aws:sns:ap-northeast-2:123456789012:alerts-") users may publish to;
    // empty = no topics, SMS only. The server's credentials must not publish wherever a user names.
    std::vector<std::string> allowed_topic_arns;
    friend bool operator==(const SnsConfig&, const SnsConfig&) = default;
};
struct LogConfig {
    LogLevel level = LogLevel::kInfo;
    LogFormat format = LogFormat::kText;

    friend bool operator==(const LogConfig&, const LogConfig&) = default;
};

// A default-constructed Config is the built-in defaults: what `investking serve` runs with and no file.
struct Config {
    MarketConfig market;
    FeesConfig fees;
    AccountConfig account;
    HttpConfig http;
    StorageConfig storage;
    KafkaConfig kafka;
    DatabaseConfig database;
    AlertsConfig alerts;
    SnsConfig sns;
    LogConfig log;

    friend bool operator==(const Config&, const Config&) = default;
};

inline constexpr std::string_view kEnvPrefix = "INVESTKING_";

// Builds the effective configuration: defaults < the YAML file at yaml_path (when given) < env.
// env maps variable names to values; only INVESTKING_<SECTION>_<KEY> names whose section is a Config
// section are read (others, such as INVESTKING_ADMIN_PASSWORD, belong to someone else and are skipped).
// Fails on the first problem with a message naming the key and where the value came from: a missing or
// unreadable file (kNotFound), bad YAML, an unknown key, or an invalid value (kInvalidArgument).
Result<Config> Load(const std::optional<std::string>& yaml_path, const std::map<std::string, std::string>& env);

// Same, with the INVESTKING_* variables of this process. Reads environ, so must not race with setenv.
Result<Config> Load(const std::optional<std::string>& yaml_path);

// The INVESTKING_* variables of this process.
std::map<std::string, std::string> ProcessEnvironment();

// Checks a Config built in code (tests, command-line overrides) against the same rules Load applies.
Status Validate(const Config& config);

// The effective configuration as a YAML document that Load accepts back unchanged; for
// `investking config` and the start-up log.
std::string Describe(const Config& config);

}  // namespace ik::config
