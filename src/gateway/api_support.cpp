#include "gateway/api_support.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "common/log.hpp"

namespace ik::gateway {

namespace json = boost::json;

HttpResponse Json(int status, const json::value& body) {
    return HttpResponse{status, "application/json", json::serialize(body), {}};
}

HttpResponse NoContent() { return HttpResponse{204, "", "", {}}; }

HttpResponse EngineErrorResponse(const Error& e) {
    if (e.code == ErrorCode::kInvalidArgument) return JsonError(422, kCodeUnprocessable, e.message);
    return ErrorResponse(e);
}

HttpResponse ErrorResponse(const Error& e) {
    switch (e.code) {
        case ErrorCode::kInvalidArgument: return JsonError(422, kCodeInvalidParameter, e.message);
        case ErrorCode::kNotFound: return JsonError(404, kCodeNotFound, e.message);
        case ErrorCode::kAlreadyExists: return JsonError(422, kCodeUnprocessable, e.message);
        case ErrorCode::kFailedPrecondition: return JsonError(422, kCodeUnprocessable, e.message);
        case ErrorCode::kInsufficientFunds:
        case ErrorCode::kInsufficientQuantity:
        case ErrorCode::kPermissionDenied: return JsonError(403, kCodeForbidden, e.message);
        case ErrorCode::kUnavailable:
            // The detail (file names, SQLite's words) goes to the log, not to the client.
            GetLogger("gateway")->warn("event=unavailable error=\"{}\"", e.message);
            return JsonError(503, kCodeUnavailable, "service temporarily unavailable; retry");
        case ErrorCode::kDeadlineExceeded:
            GetLogger("gateway")->warn("event=timeout error=\"{}\"", e.message);
            return JsonError(504, kCodeTimeout, "no answer from the trading engine in time; the request may still "
                                                "take effect — check the order list before retrying");
        case ErrorCode::kDataLoss:
        case ErrorCode::kInternal: break;
    }
    GetLogger("gateway")->error("event=internal_error error=\"{}\"", e.message);
    return JsonError(500, kCodeInternal, "internal error");
}

Result<json::object> ParseJsonObject(const HttpRequest& req) {
    const std::string& type = req.Header("content-type");
    if (!type.empty() && type.find("json") == std::string::npos) {
        return MakeError(ErrorCode::kInvalidArgument, "content-type must be application/json");
    }
    if (req.body.empty()) return MakeError(ErrorCode::kInvalidArgument, "request body must be a JSON object");
    json::parse_options opts;
    opts.max_depth = 16;
    boost::system::error_code ec;
    json::value v = json::parse(req.body, ec, {}, opts);
    if (ec) return MakeError(ErrorCode::kInvalidArgument, "request body is not valid JSON: " + ec.message());
    if (!v.is_object()) return MakeError(ErrorCode::kInvalidArgument, "request body must be a JSON object");
    return std::move(v.as_object());
}

Status OnlyFields(const json::object& o, std::initializer_list<std::string_view> allowed) {
    for (const auto& kv : o) {
        bool known = false;
        for (auto a : allowed) known = known || kv.key() == a;
        if (!known) return MakeError(ErrorCode::kInvalidArgument, "unknown field '" + std::string(kv.key()) + "'");
    }
    return {};
}

namespace {

Error BadNumber(std::string_view field, std::string_view why) {
    return Error{ErrorCode::kInvalidArgument, std::string(field) + " " + std::string(why)};
}

}  // namespace

Result<std::int64_t> WholeNumberText(std::string_view text, std::string_view field, std::int64_t min,
                                     std::int64_t max) {
    if (text.empty() || text.size() > 40) return std::unexpected(BadNumber(field, "must be a whole number"));
    // Accept "123", "-5", "123.000" (SDKs send floats); refuse exponents, fractions, spaces, "+", hex.
    std::string_view whole = text;
    if (auto dot = text.find('.'); dot != std::string_view::npos) {
        whole = text.substr(0, dot);
        const std::string_view frac = text.substr(dot + 1);
        for (char c : frac) {
            if (c < '0' || c > '9') return std::unexpected(BadNumber(field, "must be a whole number"));
            if (c != '0') return std::unexpected(BadNumber(field, "must be a whole number (no fractions)"));
        }
    }
    std::int64_t v = 0;
    const char* end = whole.data() + whole.size();
    auto [ptr, ec] = std::from_chars(whole.data(), end, v);
    if (ec == std::errc::result_out_of_range) return std::unexpected(BadNumber(field, "is out of range"));
    if (ec != std::errc() || ptr != end || whole.empty()) {
        return std::unexpected(BadNumber(field, "must be a whole number"));
    }
    if (v < min || v > max) {
        return std::unexpected(BadNumber(field, "must be between " + std::to_string(min) + " and " + std::to_string(max)));
    }
    return v;
}

Result<std::int64_t> WholeNumber(const json::value& v, std::string_view field, std::int64_t min, std::int64_t max) {
    if (v.is_string()) return WholeNumberText(v.as_string(), field, min, max);
    std::int64_t n = 0;
    if (v.is_int64()) {
        n = v.as_int64();
    } else if (v.is_uint64()) {
        return std::unexpected(BadNumber(field, "is out of range"));
    } else if (v.is_double()) {
        const double d = v.as_double();
        if (!std::isfinite(d) || d != std::floor(d)) {
            return std::unexpected(BadNumber(field, "must be a whole number (no fractions)"));
        }
        if (d < -9.0e15 || d > 9.0e15) return std::unexpected(BadNumber(field, "is out of range"));
        n = static_cast<std::int64_t>(d);
    } else {
        return std::unexpected(BadNumber(field, "must be a number"));
    }
    if (n < min || n > max) {
        return std::unexpected(BadNumber(field, "must be between " + std::to_string(min) + " and " + std::to_string(max)));
    }
    return n;
}

Result<std::optional<std::string>> OptionalString(const json::object& o, std::string_view field, std::size_t max_bytes) {
    auto it = o.find(field);
    if (it == o.end() || it->value().is_null()) return std::optional<std::string>{};
    if (!it->value().is_string()) {
        return MakeError(ErrorCode::kInvalidArgument, std::string(field) + " must be a string");
    }
    const auto& s = it->value().as_string();
    if (s.size() > max_bytes) {
        return MakeError(ErrorCode::kInvalidArgument,
                         std::string(field) + " must be at most " + std::to_string(max_bytes) + " bytes");
    }
    return std::optional<std::string>(std::string(s));
}

Result<std::optional<bool>> OptionalBool(const json::object& o, std::string_view field) {
    auto it = o.find(field);
    if (it == o.end() || it->value().is_null()) return std::optional<bool>{};
    if (!it->value().is_bool()) return MakeError(ErrorCode::kInvalidArgument, std::string(field) + " must be true or false");
    return std::optional<bool>(it->value().as_bool());
}

Result<Timestamp> ParseTimeOrDate(std::string_view text, std::string_view field) {
    if (auto t = ParseRfc3339(text)) return *t;
    if (auto d = ParseDate(text)) return FromKst(*d, 0, 0);
    return MakeError(ErrorCode::kInvalidArgument, std::string(field) + " must be an RFC 3339 time or a YYYY-MM-DD date");
}

std::vector<std::string> SplitList(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        const auto comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) out.emplace_back(item);
    }
    return out;
}

std::string FormatRatio(std::int64_t num, std::int64_t den, int decimals) {
    if (den == 0) return "0";
    __extension__ using Int128 = __int128;
    Int128 scale = 1;
    for (int i = 0; i < decimals; ++i) scale *= 10;
    Int128 n = static_cast<Int128>(num) * scale;
    Int128 d = den;
    if (d < 0) {
        n = -n;
        d = -d;
    }
    const bool negative = n < 0;
    if (negative) n = -n;
    Int128 q = (n + d / 2) / d;  // half away from zero
    const Int128 whole = q / scale;
    Int128 frac = q % scale;
    std::string out = negative && q != 0 ? "-" : "";
    out += std::to_string(static_cast<std::int64_t>(whole));
    if (decimals > 0) {
        std::string f(static_cast<std::size_t>(decimals), '0');
        for (int i = decimals - 1; i >= 0; --i) {
            f[static_cast<std::size_t>(i)] = static_cast<char>('0' + static_cast<int>(frac % 10));
            frac /= 10;
        }
        out += "." + f;
    }
    return out;
}

std::string IdToUuid(IdKind kind, std::uint64_t id) {
    // xxxxxxxx-0000-4000-8hhh-hhhhhhhhhhhh: kind in the first group, id in the last 15 hex digits.
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "00000000-0000-4000-8000-000000000000";
    auto put = [&](std::size_t end, std::uint64_t v, int digits) {
        for (int i = 0; i < digits; ++i, v >>= 4) out[end - static_cast<std::size_t>(i)] = kHex[v & 0xf];
    };
    put(7, static_cast<unsigned>(kind), 8);
    put(22, (id >> 48) & 0xfff, 3);
    put(35, id & 0xffffffffffffULL, 12);
    return out;
}

std::optional<std::uint64_t> UuidToId(IdKind kind, std::string_view uuid) {
    if (uuid.size() != 36) return std::nullopt;
    std::string lower(uuid);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    char prefix[24];
    std::snprintf(prefix, sizeof prefix, "%08x-0000-4000-8", static_cast<unsigned>(kind));
    if (lower.compare(0, 20, prefix) != 0 || lower[23] != '-') return std::nullopt;
    std::uint64_t hi = 0, lo = 0;
    auto r1 = std::from_chars(lower.data() + 20, lower.data() + 23, hi, 16);
    auto r2 = std::from_chars(lower.data() + 24, lower.data() + 36, lo, 16);
    if (r1.ec != std::errc() || r1.ptr != lower.data() + 23 || r2.ec != std::errc() || r2.ptr != lower.data() + 36) {
        return std::nullopt;
    }
    return (hi << 48) | lo;
}

json::value TimeOrNull(Timestamp ts) {
    if (ts == 0) return nullptr;
    return json::value(FormatRfc3339(ts));
}

}  // namespace ik::gateway
