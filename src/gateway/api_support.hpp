#pragma once
// Shared pieces of the HTTP APIs: the one place that maps ik::ErrorCode to HTTP status and Alpaca error codes,
// strict JSON body parsing, number-as-string encoding of money and quantities, and the UUIDs the API shows
// for the engine's integer ids. Stateless and thread-safe.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "common/error.hpp"
#include "common/money.hpp"
#include "common/time.hpp"
#include "gateway/http_server.hpp"

namespace ik::gateway {

// Alpaca-style error codes: the HTTP status followed by a detail.
inline constexpr int kCodeMalformed = 40010000;      // 400: the request cannot be parsed
inline constexpr int kCodeUnauthorized = 40110000;
inline constexpr int kCodeForbidden = 40310000;
inline constexpr int kCodeNotFound = 40410000;
inline constexpr int kCodeConflict = 40910000;          // 409: it exists already (username, listing)
inline constexpr int kCodeInvalidParameter = 40010001;  // 422: a field is missing, of the wrong type or range
inline constexpr int kCodeUnprocessable = 42210000;     // 422: valid, but refused (not cancelable, off-grid …)
inline constexpr int kCodeRateLimited = 42910000;
inline constexpr int kCodeInternal = 50010000;
inline constexpr int kCodeUnavailable = 50310000;
inline constexpr int kCodeTimeout = 50410000;

// The status and code for a validation or store error; messages pass through unchanged.
HttpResponse ErrorResponse(const Error& e);
// The same for the engine's refusals: there an invalid argument (off the tick grid, outside the band) is a
// business refusal (422, 42210000), not a malformed field.
HttpResponse EngineErrorResponse(const Error& e);
HttpResponse Json(int status, const boost::json::value& body);
inline HttpResponse Json(const boost::json::value& body) { return Json(200, body); }
HttpResponse NoContent();

// Parses a request body that must be a JSON object; 400 with a clear message for empty, malformed, truncated,
// invalid UTF-8 or non-object bodies and for a content type other than JSON (callers answer 400).
Result<boost::json::object> ParseJsonObject(const HttpRequest& req);

// Checks that every key of `o` is one of `allowed`; kInvalidArgument naming the first unknown field.
Status OnlyFields(const boost::json::object& o, std::initializer_list<std::string_view> allowed);

// A whole number from a JSON number or numeric string ("10", 10, 10.0, "75000.00"); kInvalidArgument naming
// `field` for fractions, non-numbers, values outside [min, max].
Result<std::int64_t> WholeNumber(const boost::json::value& v, std::string_view field, std::int64_t min,
                                 std::int64_t max);
// The same for a query parameter's text.
Result<std::int64_t> WholeNumberText(std::string_view text, std::string_view field, std::int64_t min,
                                     std::int64_t max);
// A string field; kInvalidArgument when present with another type. nullopt when absent or null.
Result<std::optional<std::string>> OptionalString(const boost::json::object& o, std::string_view field,
                                                  std::size_t max_bytes = 256);
// A boolean field; nullopt when absent or null.
Result<std::optional<bool>> OptionalBool(const boost::json::object& o, std::string_view field);

// A time given as RFC 3339 or as a YYYY-MM-DD date (00:00 KST); kInvalidArgument naming `field`.
Result<Timestamp> ParseTimeOrDate(std::string_view text, std::string_view field);
// The items of a comma-separated list, spaces around them trimmed, empty items dropped.
std::vector<std::string> SplitList(std::string_view text);

// Decimal text of num / den rounded half away from zero to `decimals` places ("0.0123"); "0" when den is 0.
std::string FormatRatio(std::int64_t num, std::int64_t den, int decimals = 4);
inline std::string Str(std::int64_t v) { return std::to_string(v); }

// Stable UUIDs for integer ids: 8 hex digits naming the kind, then the id in the last 15 hex digits, with the
// version (4) and variant (8) nibbles set so UUID parsers accept them.
enum class IdKind : std::uint32_t { kOrder = 1, kAccount = 2, kFill = 3, kAsset = 4, kDeposit = 5 };
std::string IdToUuid(IdKind kind, std::uint64_t id);
// The id of a UUID of that kind (case-insensitive); nullopt for anything else.
std::optional<std::uint64_t> UuidToId(IdKind kind, std::string_view uuid);

// RFC 3339 with microseconds, or JSON null for 0.
boost::json::value TimeOrNull(Timestamp ts);

}  // namespace ik::gateway
