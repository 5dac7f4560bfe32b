#include "config/config.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <set>
#include <tuple>
#include <type_traits>

#include <yaml-cpp/yaml.h>

#include "market/symbols.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX declares it only with _GNU_SOURCE

namespace ik::config {

namespace {

// ---- Enum spellings: one table per enum serves parsing, naming and the error text. ----

template <class E>
struct Named {
    std::string_view name;
    E value;
};

constexpr std::array kSourceNames{Named<MarketSource>{"simulator", MarketSource::kSimulator},
                                  Named<MarketSource>{"none", MarketSource::kNone}};
// market::ParseSessionMode accepts the same two words; this table also gives the name back for Describe.
constexpr std::array kSessionNames{Named<market::SessionMode>{"krx", market::SessionMode::kKrx},
                                   Named<market::SessionMode>{"always", market::SessionMode::kAlways}};
constexpr std::array kSynchronousNames{Named<Synchronous>{"full", Synchronous::kFull},
                                       Named<Synchronous>{"normal", Synchronous::kNormal}};
constexpr std::array kLogLevelNames{
    Named<LogLevel>{"trace", LogLevel::kTrace}, Named<LogLevel>{"debug", LogLevel::kDebug},
    Named<LogLevel>{"info", LogLevel::kInfo},   Named<LogLevel>{"warn", LogLevel::kWarn},
    Named<LogLevel>{"error", LogLevel::kError}, Named<LogLevel>{"off", LogLevel::kOff}};
constexpr std::array kLogFormatNames{Named<LogFormat>{"text", LogFormat::kText},
                                     Named<LogFormat>{"json", LogFormat::kJson}};

template <class E, std::size_t N>
std::string_view NameOf(const std::array<Named<E>, N>& table, E value) {
    for (const auto& entry : table) {
        if (entry.value == value) return entry.name;
    }
    return "unknown";
}

// "'a' or 'b'", "one of 'a', 'b', 'c'"
template <class E, std::size_t N>
std::string DescribeChoices(const std::array<Named<E>, N>& table) {
    std::string out = N > 2 ? "one of " : "";
    for (std::size_t i = 0; i < N; ++i) {
        if (i > 0) out += (N == 2) ? " or " : ", ";
        out += "'" + std::string(table[i].name) + "'";
    }
    return out;
}

// ---- Text helpers ----

// A YAML/JSON-compatible double-quoted string, so Describe's output and error messages show values exactly.
std::string Quote(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                    static constexpr char kHex[] = "0123456789abcdef";
                    out += "\\x";
                    out += kHex[(static_cast<unsigned char>(c) >> 4) & 0xf];
                    out += kHex[static_cast<unsigned char>(c) & 0xf];
                } else {
                    out += c;
                }
        }
    }
    out += '"';
    return out;
}

std::string QuoteList(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += ", ";
        out += Quote(items[i]);
    }
    return out + "]";
}

std::string_view Trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

std::string ToUpper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

// Whole text as a decimal integer of type T: no sign for unsigned types, no spaces, no trailing junk,
// no overflow, no fractions or exponents.
template <class T>
std::optional<T> ParseInteger(std::string_view text) {
    if (text.empty()) return std::nullopt;
    T value{};
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end) return std::nullopt;
    return value;
}

std::optional<bool> ParseBool(std::string_view text) {
    std::string lower(text);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "true" || lower == "yes" || lower == "1") return true;
    if (lower == "false" || lower == "no" || lower == "0") return false;
    return std::nullopt;
}

// Returns what is wrong with a listen address, or nullopt after filling out.
std::optional<std::string> ListenProblem(std::string_view text, ListenAddress& out) {
    static constexpr std::string_view kShape = "expected host:port such as 127.0.0.1:8080 or [::1]:8080";
    std::string_view host;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) return std::string(kShape) + " (no ']' after the IPv6 address)";
        host = text.substr(1, close - 1);
        const std::string_view rest = text.substr(close + 1);
        if (rest.empty() || rest.front() != ':') return std::string(kShape) + " (no ':port' after ']')";
        port = rest.substr(1);
        if (host.empty() || host.find(':') == std::string_view::npos) {
            return std::string(kShape) + " (brackets are for IPv6 addresses)";
        }
        for (const char c : host) {
            if (!(std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.')) {
                return std::string(kShape) + " ('" + std::string(host) + "' is not an IPv6 address)";
            }
        }
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return std::string(kShape) + " (no ':port')";
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.empty()) return std::string(kShape) + " (the host is empty)";
        if (host.find(':') != std::string_view::npos) {
            return std::string(kShape) + " (an IPv6 address goes in brackets)";
        }
        for (const char c : host) {
            if (std::isspace(static_cast<unsigned char>(c)) || c == '[' || c == ']' || c == '/' || c == '@') {
                return std::string(kShape) + " ('" + std::string(host) + "' is not a host name or address)";
            }
        }
    }
    const auto number = ParseInteger<int>(port);
    if (!number || *number < 0 || *number > 65535) {
        return std::string(kShape) + " (the port must be from 0 to 65535; 0 picks any free port)";
    }
    out.host = std::string(host);
    out.port = static_cast<std::uint16_t>(*number);
    return std::nullopt;
}

// ---- The field table: one entry per key, used by the YAML and env loaders, Validate and Describe. ----

using Items = std::vector<std::string>;

enum class Shape : std::uint8_t { kScalar, kList };
enum class Style : std::uint8_t { kBare, kQuoted };  // how Describe writes a scalar (list items are quoted)

// A Kafka bootstrap list: host:port pairs separated by commas, ports 1 … 65535.
std::optional<std::string> BootstrapProblem(const std::string& text) {
    if (text.empty()) return "it is empty";
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        const std::string_view pair(text.data() + start, comma - start);
        const auto colon = pair.rfind(':');
        if (colon == std::string_view::npos || colon == 0) return "each broker is host:port";
        const auto port = ParseInteger<int>(std::string(pair.substr(colon + 1)));
        if (!port || *port < 1 || *port > 65'535) return "each broker is host:port with a port from 1 to 65535";
        start = comma + 1;
    }
    return std::nullopt;
}

// "" or mysql://user[:password]@host[:port]/database.
std::optional<std::string> DatabaseUrlProblem(const std::string& text) {
    if (text.empty()) return std::nullopt;
    constexpr std::string_view kScheme = "mysql://";
    if (!std::string_view(text).starts_with(kScheme)) return "it must start with mysql://";
    const auto at = text.rfind('@');
    if (at == std::string::npos || at == kScheme.size()) return "it needs a user (mysql://user:password@host/database)";
    const auto slash = text.find('/', at);
    if (slash == std::string::npos || slash + 1 == text.size() || slash == at + 1) return "it needs a host and a database";
    return std::nullopt;
}

// mysql://user:<redacted>@host/database: the user and place stay visible, the password never is.
std::string RedactUrlPassword(const std::string& url) {
    constexpr std::string_view kScheme = "mysql://";
    const auto at = url.rfind('@');
    if (!std::string_view(url).starts_with(kScheme) || at == std::string::npos) return url.empty() ? url : "<redacted>";
    const auto colon = url.find(':', kScheme.size());
    if (colon == std::string::npos || colon > at) return url;  // no password
    return url.substr(0, colon + 1) + "<redacted>" + url.substr(at);
}

// A secret shown as "<redacted>" (empty stays empty).
std::string RedactSecret(const std::string& value) { return value.empty() ? value : "<redacted>"; }

// An AWS region name: lowercase letters, digits and dashes, e.g. ap-northeast-2.
bool RegionOk(const std::string& v) {
    return !v.empty() && v.size() <= 32 && std::all_of(v.begin(), v.end(), [](char ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
    });
}

struct Field {
    std::string_view section;
    std::string_view key;
    Shape shape = Shape::kScalar;
    Style style = Style::kBare;
    std::string expected;  // what a valid value looks like, for the wrong-shape message
    // Sets the field from its text (one item for a scalar). Returns the problem on failure, leaving the
    // Config unchanged.
    std::function<std::optional<std::string>(Config&, const Items&)> parse;
    std::function<Items(const Config&)> format;
    // How `investking config` shows the value when it holds a secret (nullptr: as it is).
    std::function<std::string(const std::string&)> redact = nullptr;
};

template <class Get>
using FieldType = std::remove_cvref_t<std::invoke_result_t<Get, Config&>>;

template <class Get>
Field IntegerField(std::string_view section, std::string_view key, Get get, FieldType<Get> min, FieldType<Get> max) {
    using T = FieldType<Get>;
    std::string expected = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
    return Field{section,
                 key,
                 Shape::kScalar,
                 Style::kBare,
                 expected,
                 [get, min, max, expected](Config& c, const Items& items) -> std::optional<std::string> {
                     const auto value = ParseInteger<T>(items.at(0));
                     if (!value || *value < min || *value > max) return "expected " + expected;
                     get(c) = *value;
                     return std::nullopt;
                 },
                 [get](const Config& c) { return Items{std::to_string(get(c))}; }};
}

template <class Get>
Field BoolField(std::string_view section, std::string_view key, Get get) {
    return Field{section,
                 key,
                 Shape::kScalar,
                 Style::kBare,
                 "true or false (also yes/no, 1/0)",
                 [get](Config& c, const Items& items) -> std::optional<std::string> {
                     const auto value = ParseBool(items.at(0));
                     if (!value) return "expected true or false (also yes/no, 1/0)";
                     get(c) = *value;
                     return std::nullopt;
                 },
                 [get](const Config& c) { return Items{get(c) ? "true" : "false"}; }};
}

template <class Get, class E, std::size_t N>
Field EnumField(std::string_view section, std::string_view key, Get get, const std::array<Named<E>, N>& table) {
    const std::string expected = DescribeChoices(table);
    return Field{section,
                 key,
                 Shape::kScalar,
                 Style::kBare,
                 expected,
                 [get, &table, expected](Config& c, const Items& items) -> std::optional<std::string> {
                     for (const auto& entry : table) {
                         if (entry.name == items.at(0)) {
                             get(c) = entry.value;
                             return std::nullopt;
                         }
                     }
                     return "expected " + expected;
                 },
                 [get, &table](const Config& c) { return Items{std::string(NameOf(table, get(c)))}; }};
}

const std::vector<Field>& Fields() {
    static const std::vector<Field> fields = [] {
        std::vector<Field> f;
        // market
        f.push_back(EnumField(
            "market", "source", [](auto& c) -> auto& { return c.market.source; }, kSourceNames));
        f.push_back(EnumField(
            "market", "session", [](auto& c) -> auto& { return c.market.session; }, kSessionNames));
        f.push_back(Field{"market", "holidays", Shape::kList, Style::kQuoted, "a list of dates as YYYY-MM-DD",
                          [](Config& c, const Items& items) -> std::optional<std::string> {
                              std::vector<Date> dates;
                              for (const auto& item : items) {
                                  const auto date = ParseDate(item);
                                  if (!date) return "expected dates as YYYY-MM-DD; " + Quote(item) + " is not one";
                                  dates.push_back(*date);
                              }
                              c.market.holidays = std::move(dates);
                              return std::nullopt;
                          },
                          [](const Config& c) {
                              Items items;
                              for (const Date& d : c.market.holidays) items.push_back(FormatDate(d));
                              return items;
                          }});
        f.push_back(IntegerField(
            "market", "tick_interval_ms", [](auto& c) -> auto& { return c.market.tick_interval_ms; }, 1, 60'000));
        f.push_back(IntegerField(
            "market", "seed", [](auto& c) -> auto& { return c.market.seed; }, 0,
            std::numeric_limits<std::uint64_t>::max()));
        f.push_back(BoolField(
            "market", "allow_injection", [](auto& c) -> auto& { return c.market.allow_injection; }));
        f.push_back(Field{
            "market", "symbols", Shape::kList, Style::kQuoted, "a non-empty list of 6-character KRX codes (0-9, A-Z)",
            [](Config& c, const Items& items) -> std::optional<std::string> {
                if (items.empty()) return "expected at least one symbol";
                std::set<std::string_view> seen;
                for (const auto& item : items) {
                    if (!market::IsValidCode(item)) {
                        return "expected 6-character KRX codes (0-9, A-Z); " + Quote(item) + " is not one";
                    }
                    if (!seen.insert(item).second) return Quote(item) + " is listed twice";
                }
                c.market.symbols = items;
                return std::nullopt;
            },
            [](const Config& c) { return c.market.symbols; }});
        f.push_back(Field{"market", "data_source", Shape::kScalar, Style::kQuoted, "a folder path (\"\" for none)",
                          [](Config& c, const Items& items) -> std::optional<std::string> {
                              c.market.data_source = items.at(0);
                              return std::nullopt;
                          },
                          [](const Config& c) { return Items{c.market.data_source}; }});
        f.push_back(IntegerField(
            "market", "price_limit_ppm", [](auto& c) -> auto& { return c.market.price_limit_ppm; }, 1, kPpmOne));
        // fees
        f.push_back(IntegerField(
            "fees", "commission_ppm", [](auto& c) -> auto& { return c.fees.commission_ppm; }, 0, 100'000));
        f.push_back(IntegerField(
            "fees", "sell_tax_ppm", [](auto& c) -> auto& { return c.fees.sell_tax_ppm; }, 0, 100'000));
        // account
        f.push_back(IntegerField(
            "account", "starting_cash", [](auto& c) -> auto& { return c.account.starting_cash; }, 0,
            1'000'000'000'000LL));
        f.push_back(IntegerField(
            "account", "max_topup", [](auto& c) -> auto& { return c.account.max_topup; }, 1, 1'000'000'000'000LL));
        // http
        f.push_back(Field{"http", "listen", Shape::kScalar, Style::kQuoted,
                          "host:port such as 127.0.0.1:8080 or [::1]:8080",
                          [](Config& c, const Items& items) -> std::optional<std::string> {
                              ListenAddress address;
                              if (auto problem = ListenProblem(items.at(0), address)) return problem;
                              c.http.listen = std::move(address);
                              return std::nullopt;
                          },
                          [](const Config& c) { return Items{c.http.listen.ToString()}; }});
        f.push_back(IntegerField("http", "threads", [](auto& c) -> auto& { return c.http.threads; }, 1, 64));
        f.push_back(BoolField("http", "access_log", [](auto& c) -> auto& { return c.http.access_log; }));
        f.push_back(Field{"http", "web_root", Shape::kScalar, Style::kQuoted, "a folder path (\"\" for none)",
                          [](Config& c, const Items& items) -> std::optional<std::string> {
                              c.http.web_root = items.at(0);
                              return std::nullopt;
                          },
                          [](const Config& c) { return Items{c.http.web_root}; }});
        // kafka
        f.push_back(Field{"kafka", "bootstrap", Shape::kScalar, Style::kQuoted, "host:port[,host:port...]",
                          [](Config& c, const Items& items) -> std::optional<std::string> {
                              if (auto problem = BootstrapProblem(items.at(0))) return problem;
                              c.kafka.bootstrap = items.at(0);
                              return std::nullopt;
                          },
                          [](const Config& c) { return Items{c.kafka.bootstrap}; }});
        f.push_back(IntegerField(
            "kafka", "connect_timeout_ms", [](auto& c) -> auto& { return c.kafka.connect_timeout_ms; }, 1, 600'000));
        f.push_back(IntegerField(
            "kafka", "orders_partitions", [](auto& c) -> auto& { return c.kafka.orders_partitions; }, 1, 1'000));
        f.push_back(IntegerField("kafka", "replication", [](auto& c) -> auto& { return c.kafka.replication; }, 1, 7));
        // database
        for (const auto& [key, member] : {std::pair{std::string_view("service_url"), &DatabaseConfig::service_url},
                                          std::pair{std::string_view("recommend_url"), &DatabaseConfig::recommend_url}}) {
            f.push_back(Field{"database", key, Shape::kScalar, Style::kQuoted,
                              "mysql://user:password@host:port/database (\"\" for the SQLite files)",
                              [member](Config& c, const Items& items) -> std::optional<std::string> {
                                  if (auto problem = DatabaseUrlProblem(items.at(0))) return problem;
                                  c.database.*member = items.at(0);
                                  return std::nullopt;
                              },
                              [member](const Config& c) { return Items{c.database.*member}; },
                              RedactUrlPassword});
        }
        // alerts
        f.push_back(BoolField(
            "alerts", "allow_internal_webhooks", [](auto& c) -> auto& { return c.alerts.allow_internal_webhooks; }));
        f.push_back(IntegerField(
            "alerts", "max_per_user", [](auto& c) -> auto& { return c.alerts.max_per_user; }, 1, 10'000));
        f.push_back(IntegerField(
            "alerts", "webhook_timeout_ms", [](auto& c) -> auto& { return c.alerts.webhook_timeout_ms; }, 100, 60'000));
        f.push_back(IntegerField(
            "alerts", "max_attempts", [](auto& c) -> auto& { return c.alerts.max_attempts; }, 1, 50));
        f.push_back(IntegerField(
            "alerts", "first_backoff_ms", [](auto& c) -> auto& { return c.alerts.first_backoff_ms; }, 10, 3'600'000));
        f.push_back(IntegerField(
            "alerts", "max_backoff_ms", [](auto& c) -> auto& { return c.alerts.max_backoff_ms; }, 10, 86'400'000));
        f.push_back(IntegerField(
            "alerts", "min_external_cooldown_s", [](auto& c) -> auto& { return c.alerts.min_external_cooldown_s; }, 0,
            86'400));
        // sns
        for (const auto& [key, member, secret] :
             {std::tuple{std::string_view("region"), &SnsConfig::region, false},
              std::tuple{std::string_view("endpoint"), &SnsConfig::endpoint, false},
              std::tuple{std::string_view("access_key_id"), &SnsConfig::access_key_id, false},
              std::tuple{std::string_view("secret_access_key"), &SnsConfig::secret_access_key, true},
              std::tuple{std::string_view("session_token"), &SnsConfig::session_token, true}}) {
            const bool is_region = key == "region";
            const bool is_endpoint = key == "endpoint";
            f.push_back(
                Field{"sns", key, Shape::kScalar, Style::kQuoted,
                      is_region     ? "an AWS region such as ap-northeast-2"
                      : is_endpoint ? "an http(s) URL (\"\" for AWS)"
                                    : "a string",
                      [member, is_region, is_endpoint](Config& c, const Items& items) -> std::optional<std::string> {
                          const std::string& v = items.at(0);
                          if (is_region && !RegionOk(v)) return "expected an AWS region such as ap-northeast-2";
                          if (is_endpoint && !v.empty() && !v.starts_with("http://") && !v.starts_with("https://")) {
                              return "expected an http:// or https:// URL";
                          }
                          c.sns.*member = v;
                          return std::nullopt;
                      },
                      [member](const Config& c) { return Items{c.sns.*member}; },
                      secret ? std::function<std::string(const std::string&)>(RedactSecret) : nullptr});
        }
        f.push_back(Field{"sns", "allowed_topic_arns", Shape::kList, Style::kQuoted,
                          "a list of SNS topic ARNs or ARN prefixes (arn:aws:sns:…)",
                          [](Config& c, const Items& items) -> std::optional<std::string> {
                              for (const auto& item : items) {
                                  if (!item.starts_with("arn:aws:sns:") || item.size() > 300) {
                                      return "expected SNS topic ARNs or prefixes (arn:aws:sns:…); " + Quote(item) +
                                             " is not one";
                                  }
                              }
                              c.sns.allowed_topic_arns = items;
                              return std::nullopt;
                          },
                          [](const Config& c) { return c.sns.allowed_topic_arns; }});
        // storage
        f.push_back(IntegerField(
            "storage", "group_commit_max_batch", [](auto& c) -> auto& { return c.storage.group_commit_max_batch; }, 1,
            1'000'000));
        f.push_back(EnumField(
            "storage", "synchronous", [](auto& c) -> auto& { return c.storage.synchronous; }, kSynchronousNames));
        // log
        f.push_back(EnumField(
            "log", "level", [](auto& c) -> auto& { return c.log.level; }, kLogLevelNames));
        f.push_back(EnumField(
            "log", "format", [](auto& c) -> auto& { return c.log.format; }, kLogFormatNames));
        return f;
    }();
    return fields;
}

// Section names in table order.
std::vector<std::string_view> Sections() {
    std::vector<std::string_view> sections;
    for (const Field& f : Fields()) {
        if (std::find(sections.begin(), sections.end(), f.section) == sections.end()) sections.push_back(f.section);
    }
    return sections;
}

const Field* FindField(std::string_view section, std::string_view key) {
    for (const Field& f : Fields()) {
        if (f.section == section && f.key == key) return &f;
    }
    return nullptr;
}

std::unexpected<Error> InvalidValue(const Field& field, std::string_view shown, std::string_view source,
                                    std::string_view problem) {
    if (field.redact) shown = "<redacted>";  // the value may hold a password
    return MakeError(ErrorCode::kInvalidArgument, "config: " + std::string(field.section) + "." +
                                                      std::string(field.key) + " = " + std::string(shown) + " (from " +
                                                      std::string(source) + "): " + std::string(problem));
}

// "config: unknown key 'market.sesion' in app.yaml:2"; kind is "unknown" or "duplicate".
std::unexpected<Error> KeyError(std::string_view kind, std::string_view dotted_key, std::string_view where) {
    std::string message = "config: ";
    message.append(kind).append(" key '").append(dotted_key).append("' ").append(where);
    return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}

// ---- YAML file ----

std::string Where(const std::string& path, const YAML::Mark& mark) {
    if (mark.line < 0) return path;
    return path + ":" + std::to_string(mark.line + 1);
}

std::string ShowNode(const YAML::Node& node) {
    if (node.IsNull()) return "null";
    if (node.IsScalar()) return Quote(node.Scalar());
    if (node.IsSequence()) return "a list";
    return "a mapping";
}

Status ApplyYamlValue(Config& config, const Field& field, const YAML::Node& value, const std::string& source) {
    Items items;
    std::string shown;
    if (field.shape == Shape::kList) {
        // An empty `holidays:` reads as null; take it as the empty list it looks like.
        if (!value.IsNull()) {
            if (!value.IsSequence()) return InvalidValue(field, ShowNode(value), source, "expected " + field.expected);
            for (const auto& element : value) {
                if (!element.IsScalar()) {
                    return InvalidValue(field, "a list", source,
                                        "expected " + field.expected + "; found " + ShowNode(element) + " in it");
                }
                items.push_back(element.Scalar());
            }
        }
        shown = QuoteList(items);
    } else {
        if (!value.IsScalar()) return InvalidValue(field, ShowNode(value), source, "expected " + field.expected);
        items.push_back(value.Scalar());
        shown = Quote(value.Scalar());
    }
    if (auto problem = field.parse(config, items)) return InvalidValue(field, shown, source, *problem);
    return {};
}

Status ApplyYamlDocument(Config& config, const YAML::Node& root, const std::string& path) {
    if (root.IsNull()) return {};  // an empty file (or one with only comments) changes nothing
    if (!root.IsMap()) {
        return MakeError(ErrorCode::kInvalidArgument, "config: " + Where(path, root.Mark()) +
                                                          ": expected sections such as 'market:' at the top level");
    }
    const std::vector<std::string_view> sections = Sections();
    std::set<std::string> seen_sections;
    for (const auto& section_entry : root) {
        const YAML::Node& section_key = section_entry.first;
        const YAML::Node& section_value = section_entry.second;
        const std::string section = section_key.IsScalar() ? section_key.Scalar() : std::string();
        if (std::find(sections.begin(), sections.end(), section) == sections.end()) {
            return KeyError("unknown", section, "in " + Where(path, section_key.Mark()));
        }
        if (!seen_sections.insert(section).second) {
            return KeyError("duplicate", section, "in " + Where(path, section_key.Mark()));
        }
        if (section_value.IsNull()) continue;  // `market:` with everything commented out
        if (!section_value.IsMap()) {
            return MakeError(ErrorCode::kInvalidArgument, "config: '" + section + "' in " +
                                                              Where(path, section_value.Mark()) +
                                                              " must be a mapping of keys, such as 'key: value' lines");
        }
        std::set<std::string> seen_keys;
        for (const auto& entry : section_value) {
            const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : std::string();
            std::string dotted = section;
            dotted.append(".").append(key);
            const Field* field = FindField(section, key);
            if (field == nullptr) {
                return KeyError("unknown", dotted, "in " + Where(path, entry.first.Mark()));
            }
            if (!seen_keys.insert(key).second) {
                return KeyError("duplicate", dotted, "in " + Where(path, entry.first.Mark()));
            }
            if (auto applied = ApplyYamlValue(config, *field, entry.second, Where(path, entry.second.Mark()));
                !applied) {
                return applied;
            }
        }
    }
    return {};
}

// Reads the whole file; read errors (EIO, EISDIR) are reported rather than taken for an empty file.
Result<std::string> ReadFile(const std::string& path) {
    auto cannot_read = [&](ErrorCode code, std::string_view why) {
        return MakeError(code, "config: cannot read " + path + ": " + std::string(why));
    };
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (status.type() == std::filesystem::file_type::not_found || ec == std::errc::no_such_file_or_directory ||
        ec == std::errc::not_a_directory) {
        return cannot_read(ErrorCode::kNotFound, "no such file");
    }
    if (ec) return cannot_read(ErrorCode::kInvalidArgument, ec.message());
    if (std::filesystem::is_directory(status)) return cannot_read(ErrorCode::kInvalidArgument, "it is a directory");
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) return cannot_read(ErrorCode::kInvalidArgument, std::strerror(errno));
    std::string text;
    char buffer[8192];
    while (true) {
        const std::size_t n = std::fread(buffer, 1, sizeof buffer, file.get());
        text.append(buffer, n);
        if (n < sizeof buffer) break;
    }
    if (std::ferror(file.get())) return cannot_read(ErrorCode::kInvalidArgument, std::strerror(errno));
    return text;
}

Status ApplyYamlFile(Config& config, const std::string& path) {
    const auto text = ReadFile(path);
    if (!text) return std::unexpected(text.error());
    try {
        const YAML::Node root = YAML::Load(*text);
        return ApplyYamlDocument(config, root, path);
    } catch (const YAML::Exception& e) {
        // ParserException and friends carry a 0-based mark; report it the way editors count.
        std::string where = path;
        if (e.mark.line >= 0) where += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
        return MakeError(ErrorCode::kInvalidArgument, "config: " + where + ": invalid YAML: " + e.msg);
    }
}

// ---- Environment ----

Items SplitList(std::string_view text, bool& has_empty_item) {
    Items items;
    has_empty_item = false;
    if (Trim(text).empty()) return items;
    std::size_t start = 0;
    while (true) {
        const auto comma = text.find(',', start);
        const std::string_view item =
            Trim(text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
        if (item.empty()) has_empty_item = true;
        items.emplace_back(item);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return items;
}

Status ApplyEnvironment(Config& config, const std::map<std::string, std::string>& env) {
    const std::vector<std::string_view> sections = Sections();
    for (const auto& [name, value] : env) {
        if (!name.starts_with(kEnvPrefix)) continue;
        const std::string_view rest = std::string_view(name).substr(kEnvPrefix.size());
        const auto underscore = rest.find('_');
        const std::string_view section_part = rest.substr(0, underscore);
        const std::string_view key_part =
            underscore == std::string_view::npos ? std::string_view() : rest.substr(underscore + 1);
        const auto section = std::find_if(sections.begin(), sections.end(),
                                          [&](std::string_view s) { return ToUpper(s) == section_part; });
        if (section == sections.end()) continue;  // not ours: INVESTKING_ADMIN_PASSWORD and the like
        const Field* field = nullptr;
        for (const Field& f : Fields()) {
            if (f.section == *section && ToUpper(f.key) == key_part) field = &f;
        }
        if (field == nullptr) {
            std::string dotted(*section);
            dotted.append(".").append(key_part);
            for (char& c : dotted) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            return KeyError("unknown", dotted, "(from env " + name + ")");
        }
        const std::string source = "env " + name;
        Items items;
        if (field->shape == Shape::kList) {
            bool has_empty_item = false;
            items = SplitList(value, has_empty_item);
            if (has_empty_item) {
                return InvalidValue(*field, Quote(value), source,
                                    "expected " + field->expected + ", separated by commas; found an empty item");
            }
        } else {
            items.push_back(value);
        }
        if (auto problem = field->parse(config, items)) return InvalidValue(*field, Quote(value), source, *problem);
    }
    return {};
}

}  // namespace

std::string_view MarketSourceName(MarketSource source) { return NameOf(kSourceNames, source); }
std::string_view SynchronousName(Synchronous mode) { return NameOf(kSynchronousNames, mode); }
std::string_view LogLevelName(LogLevel level) { return NameOf(kLogLevelNames, level); }
std::string_view LogFormatName(LogFormat format) { return NameOf(kLogFormatNames, format); }

std::string ListenAddress::ToString() const {
    const std::string port_text = std::to_string(port);
    if (host.find(':') != std::string::npos) return "[" + host + "]:" + port_text;
    return host + ":" + port_text;
}

Result<ListenAddress> ParseListenAddress(std::string_view text) {
    ListenAddress address;
    if (auto problem = ListenProblem(text, address)) {
        return MakeError(ErrorCode::kInvalidArgument, "listen address " + Quote(text) + ": " + *problem);
    }
    return address;
}

std::vector<std::string> DefaultSymbols() {
    std::vector<std::string> codes;
    for (const auto& stock : market::DefaultUniverse()) codes.push_back(stock.code);
    std::sort(codes.begin(), codes.end());
    return codes;
}

Result<Config> Load(const std::optional<std::string>& yaml_path, const std::map<std::string, std::string>& env) {
    Config config;
    if (yaml_path) {
        if (auto applied = ApplyYamlFile(config, *yaml_path); !applied) return std::unexpected(applied.error());
    }
    if (auto applied = ApplyEnvironment(config, env); !applied) return std::unexpected(applied.error());
    return config;
}

Result<Config> Load(const std::optional<std::string>& yaml_path) { return Load(yaml_path, ProcessEnvironment()); }

std::map<std::string, std::string> ProcessEnvironment() {
    std::map<std::string, std::string> env;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        if (!text.starts_with(kEnvPrefix)) continue;
        const auto eq = text.find('=');
        if (eq == std::string_view::npos) continue;
        env.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
    }
    return env;
}

Status Validate(const Config& config) {
    for (const Field& field : Fields()) {
        const Items items = field.format(config);
        Config scratch;
        if (auto problem = field.parse(scratch, items)) {
            const std::string shown = field.shape == Shape::kList ? QuoteList(items) : Quote(items.at(0));
            return InvalidValue(field, shown, "the Config given", *problem);
        }
    }
    return {};
}

std::string Describe(const Config& config) {
    std::string out =
        "# InvestKing effective configuration: built-in defaults < YAML file < INVESTKING_* environment.\n"
        "# Secrets are never printed: passwords in database URLs and SNS keys appear as <redacted>.\n";
    std::string_view current_section;
    for (const Field& field : Fields()) {
        if (field.section != current_section) {
            current_section = field.section;
            out += std::string(current_section) + ":\n";
        }
        const Items items = field.format(config);
        std::string value;
        if (field.shape == Shape::kList) {
            value = QuoteList(items);
        } else {
            value = field.style == Style::kQuoted ? Quote(items.at(0)) : items.at(0);
        }
        if (field.redact && field.shape == Shape::kScalar) value = Quote(field.redact(items.at(0)));
        out += "  " + std::string(field.key) + ": " + value + "\n";
    }
    return out;
}

}  // namespace ik::config
