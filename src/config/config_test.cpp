#include "config/config.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace ik::config {
namespace {

using Env = std::map<std::string, std::string>;

// Writes YAML files into the test's temporary directory and removes them afterwards.
class ConfigTest : public ::testing::Test {
protected:
    void TearDown() override {
        for (const auto& path : paths_) std::filesystem::remove_all(path);
    }

    std::string Write(std::string_view yaml) {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        std::string name = std::string(info->test_suite_name()) + "_" + info->name();
        std::replace(name.begin(), name.end(), '/', '_');  // parameterised tests have slashes in their names
        name += "_" + std::to_string(::getpid());          // two build trees may run the same test at once
        std::string path = ::testing::TempDir() + "ik_config_" + name + "_" + std::to_string(paths_.size()) + ".yaml";
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << yaml;
        out.close();
        EXPECT_TRUE(out.good()) << "cannot write " << path;
        paths_.push_back(path);
        return path;
    }

    // Loads and expects failure; returns the message.
    std::string LoadError(const std::optional<std::string>& path, const Env& env = {}) {
        auto config = Load(path, env);
        EXPECT_FALSE(config.has_value()) << "expected an error, got:\n" << (config ? Describe(*config) : "");
        return config ? std::string() : config.error().message;
    }

    std::vector<std::string> paths_;
};

TEST_F(ConfigTest, DefaultsNeedNoFileAndNoEnvironment) {
    auto loaded = Load(std::nullopt, Env{});
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    const Config& c = *loaded;
    EXPECT_EQ(c.market.source, MarketSource::kSimulator);
    EXPECT_EQ(c.market.session, market::SessionMode::kAlways);
    EXPECT_TRUE(c.market.holidays.empty());
    EXPECT_EQ(c.market.tick_interval_ms, 1000);
    EXPECT_EQ(c.market.seed, 20210426u);
    EXPECT_FALSE(c.market.allow_injection);
    EXPECT_EQ(c.market.symbols, (std::vector<std::string>{"000660", "005380", "005490", "005930", "035720"}));
    EXPECT_EQ(c.market.data_source, "");
    EXPECT_EQ(c.market.price_limit_ppm, 300'000);
    EXPECT_EQ(c.fees.commission_ppm, 150);
    EXPECT_EQ(c.fees.sell_tax_ppm, 2'000);
    EXPECT_EQ(c.account.starting_cash, 10'000'000);
    EXPECT_EQ(c.account.max_topup, 100'000'000);
    EXPECT_EQ(c.http.listen, (ListenAddress{"127.0.0.1", 8080}));
    EXPECT_EQ(c.storage.group_commit_max_batch, 4096);
    EXPECT_EQ(c.storage.synchronous, Synchronous::kFull);
    EXPECT_EQ(c.log.level, LogLevel::kInfo);
    EXPECT_EQ(c.log.format, LogFormat::kText);
    EXPECT_EQ(c, Config{});
    EXPECT_TRUE(Validate(c).has_value());
}

TEST_F(ConfigTest, DefaultSymbolsAreTheDefaultUniverse) {
    EXPECT_EQ(DefaultSymbols(), (std::vector<std::string>{"000660", "005380", "005490", "005930", "035720"}));
}

TEST_F(ConfigTest, YamlFileOverridesEveryKey) {
    const std::string path = Write(R"(# a full file
market:
  source: none
  session: krx
  holidays: [2026-01-01, "2026-02-17"]
  tick_interval_ms: 250
  seed: 18446744073709551615
  allow_injection: yes
  symbols:
    - 005930
    - "0126Z0"
  data_source: /srv/krx
  price_limit_ppm: 1000000
fees:
  commission_ppm: 0
  sell_tax_ppm: 100000
account:
  starting_cash: 0
  max_topup: 1000000000000
http:
  listen: 0.0.0.0:80
storage:
  group_commit_max_batch: 1
  synchronous: normal
log:
  level: debug
  format: json
)");
    auto loaded = Load(path, Env{});
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    const Config& c = *loaded;
    EXPECT_EQ(c.market.source, MarketSource::kNone);
    EXPECT_EQ(c.market.session, market::SessionMode::kKrx);
    EXPECT_EQ(c.market.holidays, (std::vector<Date>{{2026, 1, 1}, {2026, 2, 17}}));
    EXPECT_EQ(c.market.tick_interval_ms, 250);
    EXPECT_EQ(c.market.seed, 18446744073709551615u);
    EXPECT_TRUE(c.market.allow_injection);
    // Unquoted 005930 stays the string "005930": YAML's octal reading never applies.
    EXPECT_EQ(c.market.symbols, (std::vector<std::string>{"005930", "0126Z0"}));
    EXPECT_EQ(c.market.data_source, "/srv/krx");
    EXPECT_EQ(c.market.price_limit_ppm, 1'000'000);
    EXPECT_EQ(c.fees.commission_ppm, 0);
    EXPECT_EQ(c.fees.sell_tax_ppm, 100'000);
    EXPECT_EQ(c.account.starting_cash, 0);
    EXPECT_EQ(c.account.max_topup, 1'000'000'000'000);
    EXPECT_EQ(c.http.listen, (ListenAddress{"0.0.0.0", 80}));
    EXPECT_EQ(c.storage.group_commit_max_batch, 1);
    EXPECT_EQ(c.storage.synchronous, Synchronous::kNormal);
    EXPECT_EQ(c.log.level, LogLevel::kDebug);
    EXPECT_EQ(c.log.format, LogFormat::kJson);
}

TEST_F(ConfigTest, PartialYamlKeepsDefaultsForTheRest) {
    const std::string path = Write("fees:\n  commission_ppm: 99\n");
    auto loaded = Load(path, Env{});
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    Config expected;
    expected.fees.commission_ppm = 99;
    EXPECT_EQ(*loaded, expected);
}

TEST_F(ConfigTest, EmptyFileAndEmptySectionsChangeNothing) {
    for (const char* text : {"", "# only a comment\n", "market:\nfees:\n  # nothing yet\n"}) {
        auto loaded = Load(Write(text), Env{});
        ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
        EXPECT_EQ(*loaded, Config{}) << text;
    }
}

TEST_F(ConfigTest, EnvironmentBeatsYaml) {
    const std::string path = Write("market:\n  session: krx\n  tick_interval_ms: 250\nhttp:\n  listen: 0.0.0.0:80\n");
    auto loaded = Load(path, Env{{"INVESTKING_MARKET_SESSION", "always"},
                                 {"INVESTKING_MARKET_ALLOW_INJECTION", "true"},
                                 {"INVESTKING_HTTP_LISTEN", "127.0.0.1:9000"},
                                 {"INVESTKING_FEES_COMMISSION_PPM", "100"}});
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    EXPECT_EQ(loaded->market.session, market::SessionMode::kAlways);  // env over file
    EXPECT_EQ(loaded->market.tick_interval_ms, 250);                  // file over default
    EXPECT_TRUE(loaded->market.allow_injection);                      // env over default
    EXPECT_EQ(loaded->http.listen, (ListenAddress{"127.0.0.1", 9000}));
    EXPECT_EQ(loaded->fees.commission_ppm, 100);
}

TEST_F(ConfigTest, EnvironmentListsAreCommaSeparated) {
    auto loaded = Load(std::nullopt, Env{{"INVESTKING_MARKET_SYMBOLS", "005930, 000660 ,0126Z0"},
                                         {"INVESTKING_MARKET_HOLIDAYS", "2026-01-01,2026-12-25"}});
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    EXPECT_EQ(loaded->market.symbols, (std::vector<std::string>{"005930", "000660", "0126Z0"}));
    EXPECT_EQ(loaded->market.holidays, (std::vector<Date>{{2026, 1, 1}, {2026, 12, 25}}));
}

TEST_F(ConfigTest, EmptyEnvironmentListClearsHolidaysButNotSymbols) {
    const std::string path = Write("market:\n  holidays: [2026-01-01]\n");
    auto loaded = Load(path, Env{{"INVESTKING_MARKET_HOLIDAYS", ""}});
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    EXPECT_TRUE(loaded->market.holidays.empty());
    EXPECT_NE(LoadError(std::nullopt, Env{{"INVESTKING_MARKET_SYMBOLS", ""}}).find("market.symbols"),
              std::string::npos);
}

TEST_F(ConfigTest, IgnoresVariablesOfOtherSectionsAndPrograms) {
    auto loaded = Load(std::nullopt, Env{{"INVESTKING_ADMIN_PASSWORD", "hunter2"},
                                         {"INVESTKING_CONFIG", "/etc/investking.yaml"},
                                         {"INVESTKING_DATA_DIR", "/var/lib/investking"},
                                         {"INVESTKINGMARKET_SESSION", "bogus"},
                                         {"investking_market_session", "bogus"},
                                         {"PATH", "/usr/bin"}});
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    EXPECT_EQ(*loaded, Config{});
}

TEST_F(ConfigTest, RejectsUnknownKeyInAKnownEnvironmentSection) {
    const std::string message = LoadError(std::nullopt, Env{{"INVESTKING_MARKET_FOO", "1"}});
    EXPECT_EQ(message, "config: unknown key 'market.foo' (from env INVESTKING_MARKET_FOO)");
    EXPECT_NE(LoadError(std::nullopt, Env{{"INVESTKING_LOG", "debug"}}).find("unknown key 'log.'"), std::string::npos);
}

TEST_F(ConfigTest, RejectsUnknownYamlKeyNamingItAndTheFile) {
    const std::string path = Write("market:\n  sesion: krx\n");
    auto loaded = Load(path, Env{});
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(loaded.error().message, "config: unknown key 'market.sesion' in " + path + ":2");
}

TEST_F(ConfigTest, RejectsUnknownYamlSection) {
    const std::string path = Write("fees:\n  commission_ppm: 1\nadmin:\n  password: x\n");
    EXPECT_EQ(LoadError(path), "config: unknown key 'admin' in " + path + ":3");
}

TEST_F(ConfigTest, RejectsDuplicateYamlKeys) {
    const std::string path = Write("market:\n  seed: 1\n  seed: 2\n");
    EXPECT_EQ(LoadError(path), "config: duplicate key 'market.seed' in " + path + ":3");
    const std::string sections = Write("log:\n  level: warn\nlog:\n  level: error\n");
    EXPECT_EQ(LoadError(sections), "config: duplicate key 'log' in " + sections + ":3");
}

TEST_F(ConfigTest, RejectsWrongYamlShapes) {
    const std::string top = Write("- market\n- fees\n");
    EXPECT_NE(LoadError(top).find(top + ":1: expected sections"), std::string::npos);
    const std::string section = Write("market: krx\n");
    EXPECT_NE(LoadError(section).find("'market' in " + section + ":1 must be a mapping"), std::string::npos);
    const std::string scalar_for_list = Write("market:\n  symbols: 005930\n");
    EXPECT_EQ(LoadError(scalar_for_list), "config: market.symbols = \"005930\" (from " + scalar_for_list +
                                              ":2): expected a non-empty list of 6-character KRX codes (0-9, A-Z)");
    const std::string list_for_scalar = Write("market:\n  tick_interval_ms: [1]\n");
    EXPECT_EQ(LoadError(list_for_scalar), "config: market.tick_interval_ms = a list (from " + list_for_scalar +
                                              ":2): expected an integer from 1 to 60000");
    const std::string null_scalar = Write("market:\n  tick_interval_ms:\n  seed: 1\n");
    EXPECT_NE(LoadError(null_scalar).find("market.tick_interval_ms = null"), std::string::npos);
    const std::string nested = Write("market:\n  symbols: [[005930]]\n");
    EXPECT_NE(LoadError(nested).find("found a list in it"), std::string::npos);
}

TEST_F(ConfigTest, NullYamlListIsEmpty) {
    auto loaded = Load(Write("market:\n  holidays:\n"), Env{});
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    EXPECT_TRUE(loaded->market.holidays.empty());
}

TEST_F(ConfigTest, QuotedYamlNumbersAreAccepted) {
    auto loaded = Load(Write("market:\n  tick_interval_ms: \"250\"\n"), Env{});
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    EXPECT_EQ(loaded->market.tick_interval_ms, 250);
}

TEST_F(ConfigTest, MissingFileIsNotFoundAndNamesTheFile) {
    const std::string path = ::testing::TempDir() + "ik_config_does_not_exist.yaml";
    auto loaded = Load(path, Env{});
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(loaded.error().message, "config: cannot read " + path + ": no such file");
}

TEST_F(ConfigTest, DirectoryIsNotAConfigFile) {
    EXPECT_NE(LoadError(::testing::TempDir()).find("it is a directory"), std::string::npos);
}

TEST_F(ConfigTest, ReadErrorsAreReportedNotTakenForAnEmptyFile) {
    // Reading /proc/self/mem at offset 0 fails with EIO (page 0 is never mapped), even for root.
    ASSERT_TRUE(std::filesystem::exists("/proc/self/mem")) << "this test needs Linux /proc";
    auto loaded = Load("/proc/self/mem", Env{});
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().message.rfind("config: cannot read /proc/self/mem: ", 0), 0u) << loaded.error().message;
}

TEST_F(ConfigTest, PathThroughAFileIsMissing) {
    const std::string file = Write("");
    auto loaded = Load(file + "/config.yaml", Env{});
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().code, ErrorCode::kNotFound);
}

TEST_F(ConfigTest, YamlSyntaxErrorNamesFileAndLine) {
    const std::string path = Write("market:\n  session: krx\n  symbols: [005930, 000660\nfees:\n  commission_ppm: 1\n");
    const std::string message = LoadError(path);
    EXPECT_EQ(message.rfind("config: " + path + ":", 0), 0u) << message;
    EXPECT_NE(message.find("invalid YAML"), std::string::npos) << message;
    const std::string bad_indent = Write("market:\n  session: krx\n bad: [\n");
    const std::string second = LoadError(bad_indent);
    EXPECT_EQ(second.rfind("config: " + bad_indent + ":3:", 0), 0u) << second;
}

TEST_F(ConfigTest, ReportsTheSpecExampleMessageExactly) {
    EXPECT_EQ(LoadError(std::nullopt, Env{{"INVESTKING_MARKET_TICK_INTERVAL_MS", "abc"}}),
              "config: market.tick_interval_ms = \"abc\" (from env INVESTKING_MARKET_TICK_INTERVAL_MS): expected an "
              "integer from 1 to 60000");
}

TEST_F(ConfigTest, YamlValueErrorsNameTheFileAndLine) {
    const std::string path = Write("fees:\n  commission_ppm: 1\n  sell_tax_ppm: -1\n");
    EXPECT_EQ(LoadError(path),
              "config: fees.sell_tax_ppm = \"-1\" (from " + path + ":3): expected an integer from 0 to 100000");
}

TEST_F(ConfigTest, FirstInvalidValueStopsLoadingEvenIfEnvWouldOverrideIt) {
    const std::string path = Write("market:\n  tick_interval_ms: 0\n");
    EXPECT_NE(LoadError(path, Env{{"INVESTKING_MARKET_TICK_INTERVAL_MS", "5"}}).find("(from " + path + ":2)"),
              std::string::npos);
}

// Every key rejects bad values with a message naming the key, the value and its source.
struct BadValue {
    std::string section;
    std::string key;
    std::string value;
};

void PrintTo(const BadValue& bad, std::ostream* os) {
    *os << bad.section << "." << bad.key << " = \"" << bad.value << "\"";
}

class BadValueTest : public ConfigTest, public ::testing::WithParamInterface<BadValue> {};

std::string EnvName(const BadValue& bad) {
    std::string name = "INVESTKING_" + bad.section + "_" + bad.key;
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name;
}

TEST_P(BadValueTest, EnvironmentValueErrorNamesKeyValueAndVariable) {
    const BadValue& bad = GetParam();
    const std::string name = EnvName(bad);
    const std::string message = LoadError(std::nullopt, Env{{name, bad.value}});
    // Values that may hold a password are not echoed.
    const std::string prefix =
        "config: " + bad.section + "." + bad.key + (bad.section == "database" ? " = <redacted>" : " = \"");
    EXPECT_EQ(message.rfind(prefix, 0), 0u) << message;
    EXPECT_NE(message.find("(from env " + name + "): "), std::string::npos) << message;
}

TEST_P(BadValueTest, YamlValueErrorNamesKeyAndFileLine) {
    const BadValue& bad = GetParam();
    std::string value = "\"" + bad.value + "\"";
    if (bad.key == "symbols" || bad.key == "holidays") {
        // Lists are YAML sequences: the env text "a,,b" becomes ["a", "", "b"].
        value = "[";
        std::size_t start = 0;
        while (!bad.value.empty()) {
            const std::size_t comma = bad.value.find(',', start);
            value += (start > 0 ? ", \"" : "\"") + bad.value.substr(start, comma - start) + "\"";
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
        value += "]";
    }
    const std::string path = Write("# header\n" + bad.section + ":\n  " + bad.key + ": " + value + "\n");
    const std::string message = LoadError(path);
    EXPECT_EQ(message.rfind("config: " + bad.section + "." + bad.key + " = ", 0), 0u) << message;
    EXPECT_NE(message.find("(from " + path + ":3): "), std::string::npos) << message;
}

std::string BadValueName(const ::testing::TestParamInfo<BadValue>& info) {
    std::string name = info.param.section + "_" + info.param.key + "_" + std::to_string(info.index);
    return name;
}

INSTANTIATE_TEST_SUITE_P(
    EveryKey, BadValueTest,
    ::testing::Values(
        BadValue{"market", "source", "sim"}, BadValue{"market", "source", "Simulator"},
        BadValue{"market", "session", "KRX"}, BadValue{"market", "session", "24h"},
        BadValue{"market", "holidays", "2026-02-30"}, BadValue{"market", "holidays", "2026-01-01,tomorrow"},
        BadValue{"market", "holidays", "2026-01-01,,2026-01-02"}, BadValue{"market", "tick_interval_ms", "0"},
        BadValue{"market", "tick_interval_ms", "60001"}, BadValue{"market", "tick_interval_ms", "abc"},
        BadValue{"market", "tick_interval_ms", "1.5"}, BadValue{"market", "tick_interval_ms", "10 "},
        BadValue{"market", "tick_interval_ms", ""}, BadValue{"market", "tick_interval_ms", "+5"},
        BadValue{"market", "tick_interval_ms", "1e3"}, BadValue{"market", "tick_interval_ms", "0x10"},
        BadValue{"market", "tick_interval_ms", "99999999999999999999"}, BadValue{"market", "seed", "-1"},
        BadValue{"market", "seed", "18446744073709551616"}, BadValue{"market", "seed", "seed"},
        BadValue{"market", "allow_injection", "maybe"}, BadValue{"market", "allow_injection", "on"},
        BadValue{"market", "allow_injection", "2"}, BadValue{"market", "symbols", ""},
        BadValue{"market", "symbols", "5930"}, BadValue{"market", "symbols", "00593a"},
        BadValue{"market", "symbols", "005930,005930"}, BadValue{"market", "symbols", "005930,,000660"},
        BadValue{"market", "price_limit_ppm", "0"}, BadValue{"market", "price_limit_ppm", "1000001"},
        BadValue{"fees", "commission_ppm", "-1"}, BadValue{"fees", "commission_ppm", "100001"},
        BadValue{"fees", "sell_tax_ppm", "100001"}, BadValue{"fees", "sell_tax_ppm", "0.2"},
        BadValue{"account", "starting_cash", "-1"}, BadValue{"account", "starting_cash", "1000000000001"},
        BadValue{"account", "max_topup", "0"}, BadValue{"account", "max_topup", "1000000000001"},
        BadValue{"http", "listen", "8080"}, BadValue{"http", "listen", ":8080"},
        BadValue{"http", "listen", "localhost:-1"}, BadValue{"http", "listen", "localhost:65536"},
        BadValue{"http", "listen", "localhost:http"}, BadValue{"http", "listen", "::1:8080"},
        BadValue{"http", "listen", "[::1]"}, BadValue{"http", "listen", "[::1]8080"},
        BadValue{"http", "listen", "[]:8080"}, BadValue{"http", "listen", "[localhost]:8080"},
        BadValue{"http", "listen", "[::1:8080"}, BadValue{"http", "listen", "my host:8080"},
        BadValue{"storage", "group_commit_max_batch", "0"}, BadValue{"storage", "group_commit_max_batch", "1000001"},
        BadValue{"storage", "synchronous", "off"}, BadValue{"storage", "synchronous", "FULL"},
        BadValue{"kafka", "bootstrap", ""}, BadValue{"kafka", "bootstrap", "broker"},
        BadValue{"kafka", "bootstrap", "broker:0"}, BadValue{"kafka", "bootstrap", "a:9092,,b:9092"},
        BadValue{"kafka", "bootstrap", ":9092"}, BadValue{"kafka", "connect_timeout_ms", "0"},
        BadValue{"kafka", "orders_partitions", "1001"}, BadValue{"kafka", "replication", "8"},
        BadValue{"database", "service_url", "postgres://u:p@h/db"}, BadValue{"database", "service_url", "mysql://h/db"},
        BadValue{"database", "recommend_url", "mysql://u:p@h/"}, BadValue{"database", "recommend_url", "mysql://u:p@/db"},
        BadValue{"log", "level", "verbose"}, BadValue{"log", "level", "warning"}, BadValue{"log", "format", "xml"}),
    BadValueName);

TEST_F(ConfigTest, ListErrorsSayWhichItemIsWrong) {
    EXPECT_EQ(LoadError(std::nullopt, Env{{"INVESTKING_MARKET_SYMBOLS", "005930,5930"}}),
              "config: market.symbols = \"005930,5930\" (from env INVESTKING_MARKET_SYMBOLS): expected 6-character "
              "KRX codes (0-9, A-Z); \"5930\" is not one");
    EXPECT_NE(LoadError(std::nullopt, Env{{"INVESTKING_MARKET_SYMBOLS", "005930,000660,005930"}})
                  .find("\"005930\" is listed twice"),
              std::string::npos);
    const std::string path = Write("market:\n  holidays:\n    - 2026-01-01\n    - 2026-13-01\n");
    EXPECT_EQ(LoadError(path), "config: market.holidays = [\"2026-01-01\", \"2026-13-01\"] (from " + path +
                                   ":3): expected dates as YYYY-MM-DD; \"2026-13-01\" is not one");
}

TEST_F(ConfigTest, BooleansAcceptCommonSpellings) {
    for (const char* yes : {"true", "TRUE", "True", "1", "yes", "YES"}) {
        auto loaded = Load(std::nullopt, Env{{"INVESTKING_MARKET_ALLOW_INJECTION", yes}});
        ASSERT_TRUE(loaded.has_value()) << yes << ": " << loaded.error().message;
        EXPECT_TRUE(loaded->market.allow_injection) << yes;
    }
    const std::string path = Write("market:\n  allow_injection: true\n");
    for (const char* no : {"false", "False", "0", "no", "NO"}) {
        auto loaded = Load(path, Env{{"INVESTKING_MARKET_ALLOW_INJECTION", no}});
        ASSERT_TRUE(loaded.has_value()) << no << ": " << loaded.error().message;
        EXPECT_FALSE(loaded->market.allow_injection) << no;
    }
}

TEST_F(ConfigTest, IntegersAcceptTheirBounds) {
    auto loaded = Load(std::nullopt, Env{{"INVESTKING_MARKET_TICK_INTERVAL_MS", "60000"},
                                         {"INVESTKING_MARKET_SEED", "0"},
                                         {"INVESTKING_ACCOUNT_STARTING_CASH", "1000000000000"},
                                         {"INVESTKING_STORAGE_GROUP_COMMIT_MAX_BATCH", "1000000"}});
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    EXPECT_EQ(loaded->market.tick_interval_ms, 60'000);
    EXPECT_EQ(loaded->market.seed, 0u);
    EXPECT_EQ(loaded->account.starting_cash, 1'000'000'000'000);
    EXPECT_EQ(loaded->storage.group_commit_max_batch, 1'000'000);
}

TEST_F(ConfigTest, ListenAcceptsHostsAndBracketedIpv6) {
    struct Case {
        const char* text;
        ListenAddress expected;
    };
    for (const Case& c : {Case{"127.0.0.1:9000", {"127.0.0.1", 9000}}, Case{"0.0.0.0:1", {"0.0.0.0", 1}},
                          Case{"localhost:65535", {"localhost", 65535}}, Case{"127.0.0.1:0", {"127.0.0.1", 0}}, Case{"[::1]:8080", {"::1", 8080}},
                          Case{"[::]:80", {"::", 80}}, Case{"[2001:db8::1]:443", {"2001:db8::1", 443}},
                          Case{"[::ffff:127.0.0.1]:8080", {"::ffff:127.0.0.1", 8080}}}) {
        auto parsed = ParseListenAddress(c.text);
        ASSERT_TRUE(parsed.has_value()) << c.text << ": " << parsed.error().message;
        EXPECT_EQ(*parsed, c.expected) << c.text;
        EXPECT_EQ(parsed->ToString(), c.text);
        auto loaded = Load(std::nullopt, Env{{"INVESTKING_HTTP_LISTEN", c.text}});
        ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
        EXPECT_EQ(loaded->http.listen, c.expected);
    }
    const std::string path = Write("http:\n  listen: \"[::1]:9443\"\n");
    auto loaded = Load(path, Env{});
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    EXPECT_EQ(loaded->http.listen, (ListenAddress{"::1", 9443}));
}

TEST_F(ConfigTest, ListenErrorsExplainTheShape) {
    auto parsed = ParseListenAddress("::1:8080");
    ASSERT_FALSE(parsed.has_value());
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message.find("\"::1:8080\""), std::string::npos);
    EXPECT_NE(parsed.error().message.find("IPv6 address goes in brackets"), std::string::npos);
    EXPECT_NE(ParseListenAddress("localhost:65536").error().message.find("port must be from 0 to 65535"),
              std::string::npos);
}

TEST_F(ConfigTest, DescribeIsYamlThatLoadsBackToTheSameConfig) {
    Config c;
    c.market.source = MarketSource::kNone;
    c.market.session = market::SessionMode::kKrx;
    c.market.holidays = {{2026, 1, 1}, {2026, 9, 24}};
    c.market.tick_interval_ms = 5;
    c.market.seed = 18446744073709551615u;
    c.market.allow_injection = true;
    c.market.symbols = {"035720", "0126Z0"};
    c.market.data_source = "C:\\data \"krx\"\tdir: #1";
    c.market.price_limit_ppm = 150'000;
    c.fees = {1, 2};
    c.account = {3, 4};
    c.http.listen = {"::1", 9000};
    c.storage = {7, Synchronous::kNormal};
    c.log = {LogLevel::kOff, LogFormat::kJson};
    ASSERT_TRUE(Validate(c).has_value());

    const std::string text = Describe(c);
    EXPECT_NE(text.find("redacted"), std::string::npos) << "the dump must say where secrets would be hidden";
    EXPECT_NE(text.find("  listen: \"[::1]:9000\"\n"), std::string::npos) << text;
    EXPECT_NE(text.find("  symbols: [\"035720\", \"0126Z0\"]\n"), std::string::npos) << text;
    auto loaded = Load(Write(text), Env{});
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message << "\n" << text;
    EXPECT_EQ(*loaded, c);

    auto defaults = Load(Write(Describe(Config{})), Env{});
    ASSERT_TRUE(defaults.has_value()) << defaults.error().message;
    EXPECT_EQ(*defaults, Config{});
}

TEST_F(ConfigTest, DescribeListsEverySectionInOrder) {
    const std::string text = Describe(Config{});
    std::size_t last = 0;
    for (const char* section : {"\nmarket:\n", "\nfees:\n", "\naccount:\n", "\nhttp:\n", "\nkafka:\n", "\ndatabase:\n",
                                "\nstorage:\n", "\nlog:\n"}) {
        const std::size_t at = text.find(section);
        ASSERT_NE(at, std::string::npos) << section;
        EXPECT_GT(at, last) << section;
        last = at;
    }
    EXPECT_NE(text.find("  session: always\n"), std::string::npos);
    EXPECT_NE(text.find("  holidays: []\n"), std::string::npos);
    EXPECT_NE(text.find("  seed: 20210426\n"), std::string::npos);
}

TEST_F(ConfigTest, DatabasePasswordsAreNeverShown) {
    auto c = Load(std::nullopt, Env{{"INVESTKING_DATABASE_SERVICE_URL", "mysql://investking:s3cr%40t@db:3306/investking_service"},
                                    {"INVESTKING_KAFKA_BOOTSTRAP", "k1:9092,k2:9093"}});
    ASSERT_TRUE(c.has_value()) << c.error().message;
    EXPECT_EQ(c->database.service_url, "mysql://investking:s3cr%40t@db:3306/investking_service");
    EXPECT_EQ(c->kafka.bootstrap, "k1:9092,k2:9093");
    const std::string text = Describe(*c);
    EXPECT_EQ(text.find("s3cr"), std::string::npos) << text;
    EXPECT_NE(text.find("  service_url: \"mysql://investking:<redacted>@db:3306/investking_service\"\n"), std::string::npos) << text;
    EXPECT_NE(text.find("  recommend_url: \"\"\n"), std::string::npos) << text;
    // A bad URL's error does not echo the password either.
    const std::string error = LoadError(std::nullopt, Env{{"INVESTKING_DATABASE_SERVICE_URL", "mysql://u:hunter2@db"}});
    EXPECT_NE(error.find("database.service_url = <redacted>"), std::string::npos) << error;
    EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
}

TEST_F(ConfigTest, AlertSettingsLoadAndSnsSecretsAreNeverShown) {
    auto c =
        Load(std::nullopt, Env{{"INVESTKING_ALERTS_ALLOW_INTERNAL_WEBHOOKS", "true"},
                               {"INVESTKING_ALERTS_MAX_ATTEMPTS", "4"},
                               {"INVESTKING_ALERTS_FIRST_BACKOFF_MS", "200"},
                               {"INVESTKING_SNS_REGION", "us-east-1"},
                               {"INVESTKING_SNS_ENDPOINT", "http://127.0.0.1:4566"},
                               {"INVESTKING_SNS_ACCESS_KEY_ID", "AKIAEXAMPLE"},
                               {"INVESTKING_SNS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG"},
                               {"INVESTKING_SNS_SESSION_TOKEN", "FwoGZXIvYXdzEXAMPLETOKEN"},
                               {"INVESTKING_SNS_ALLOWED_TOPIC_ARNS",
                                "arn:aws:sns:us-east-1:123456789012:alerts-,arn:aws:sns:us-east-1:123456789012:ops"},
                               {"INVESTKING_ALERTS_MIN_EXTERNAL_COOLDOWN_S", "0"}});
    ASSERT_TRUE(c.has_value()) << c.error().message;
    EXPECT_TRUE(c->alerts.allow_internal_webhooks);
    EXPECT_EQ(c->alerts.max_attempts, 4);
    EXPECT_EQ(c->alerts.first_backoff_ms, 200);
    EXPECT_EQ(c->alerts.max_per_user, 100);
    EXPECT_EQ(c->sns.region, "us-east-1");
    EXPECT_EQ(c->sns.endpoint, "http://127.0.0.1:4566");
    EXPECT_EQ(c->sns.secret_access_key, "wJalrXUtnFEMI/K7MDENG");
    EXPECT_EQ(c->sns.allowed_topic_arns, (std::vector<std::string>{"arn:aws:sns:us-east-1:123456789012:alerts-",
                                                                   "arn:aws:sns:us-east-1:123456789012:ops"}));
    EXPECT_EQ(c->alerts.min_external_cooldown_s, 0);
    EXPECT_EQ(Config{}.alerts.min_external_cooldown_s, 60);
    EXPECT_TRUE(Config{}.sns.allowed_topic_arns.empty()) << "no topics unless the operator names them";
    const std::string text = Describe(*c);
    EXPECT_EQ(text.find("wJalr"), std::string::npos) << text;
    EXPECT_EQ(text.find("FwoGZ"), std::string::npos) << text;
    EXPECT_NE(text.find("  secret_access_key: \"<redacted>\"\n"), std::string::npos) << text;
    EXPECT_NE(text.find("  access_key_id: \"AKIAEXAMPLE\"\n"), std::string::npos) << text;
    for (const auto& [name, value] :
         {std::pair{"INVESTKING_SNS_REGION", "Seoul 1"}, std::pair{"INVESTKING_SNS_ENDPOINT", "ftp://sns"},
          std::pair{"INVESTKING_ALERTS_MAX_ATTEMPTS", "0"}, std::pair{"INVESTKING_ALERTS_FIRST_BACKOFF_MS", "5"}}) {
        EXPECT_FALSE(Load(std::nullopt, Env{{name, value}}).has_value()) << name << "=" << value;
    }
}

TEST_F(ConfigTest, ValidateCatchesConfigsBuiltInCode) {
    Config empty_symbols;
    empty_symbols.market.symbols.clear();
    auto status = Validate(empty_symbols);
    ASSERT_FALSE(status.has_value());
    EXPECT_NE(status.error().message.find("market.symbols"), std::string::npos);

    Config empty_host;
    empty_host.http.listen.host = "";
    auto host_status = Validate(empty_host);
    ASSERT_FALSE(host_status.has_value());
    EXPECT_NE(host_status.error().message.find("http.listen"), std::string::npos);

    Config bad_date;
    bad_date.market.holidays = {{2026, 2, 30}};
    EXPECT_NE(Validate(bad_date).error().message.find("market.holidays"), std::string::npos);

    Config negative_fee;
    negative_fee.fees.sell_tax_ppm = -5;
    EXPECT_NE(Validate(negative_fee).error().message.find("fees.sell_tax_ppm = \"-5\""), std::string::npos);
}

TEST_F(ConfigTest, EnumNamesMatchTheYamlSpelling) {
    EXPECT_EQ(MarketSourceName(MarketSource::kSimulator), "simulator");
    EXPECT_EQ(MarketSourceName(MarketSource::kNone), "none");
    EXPECT_EQ(SynchronousName(Synchronous::kFull), "full");
    EXPECT_EQ(SynchronousName(Synchronous::kNormal), "normal");
    EXPECT_EQ(LogLevelName(LogLevel::kTrace), "trace");
    EXPECT_EQ(LogLevelName(LogLevel::kWarn), "warn");
    EXPECT_EQ(LogLevelName(LogLevel::kOff), "off");
    EXPECT_EQ(LogFormatName(LogFormat::kJson), "json");
}

TEST_F(ConfigTest, FeesBecomeTheMarketFeeSchedule) {
    FeesConfig fees{100, 2'500};
    const market::FeeSchedule schedule = fees.Schedule();
    EXPECT_EQ(schedule.commission_ppm, 100);
    EXPECT_EQ(schedule.sell_tax_ppm, 2'500);
}

TEST_F(ConfigTest, ReadsTheProcessEnvironment) {
    ::setenv("INVESTKING_LOG_LEVEL", "error", 1);
    ::setenv("INVESTKING_MARKET_SEED", "42", 1);
    const Env env = ProcessEnvironment();
    EXPECT_EQ(env.at("INVESTKING_LOG_LEVEL"), "error");
    EXPECT_FALSE(env.contains("PATH"));  // only INVESTKING_* variables are collected
    auto loaded = Load(std::nullopt);
    ::unsetenv("INVESTKING_LOG_LEVEL");
    ::unsetenv("INVESTKING_MARKET_SEED");
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    EXPECT_EQ(loaded->log.level, LogLevel::kError);
    EXPECT_EQ(loaded->market.seed, 42u);
}

}  // namespace
}  // namespace ik::config
