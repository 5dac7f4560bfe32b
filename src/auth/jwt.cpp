#include "auth/jwt.hpp"

#include <openssl/crypto.h>

#include <boost/json.hpp>
#include <optional>

#include "auth/crypto.hpp"

namespace ik::auth {
namespace {

namespace json = boost::json;

// The only header SignJwt writes; its encoding never changes, so it is computed once.
constexpr std::string_view kHeaderJson = R"({"alg":"HS256","typ":"JWT"})";

std::unexpected<Error> Denied(std::string message) {
    return MakeError(ErrorCode::kPermissionDenied, std::move(message));
}

// Decodes one segment and parses it as a JSON object; nullopt for anything else. Uses the error_code overload
// with Boost.JSON's strict defaults (no comments, no trailing commas, valid UTF-8, depth ≤ 32), so hostile
// input cannot throw; the token length cap bounds the allocation.
std::optional<json::object> DecodeJsonObject(std::string_view segment) {
    auto bytes = Base64UrlDecode(segment);
    if (!bytes) return std::nullopt;
    boost::system::error_code ec;
    json::value value = json::parse(*bytes, ec);
    if (ec || !value.is_object()) return std::nullopt;
    return std::move(value.as_object());
}

Result<std::string> StringClaim(const json::object& payload, std::string_view name) {
    const json::value* v = payload.if_contains(name);
    if (v == nullptr) return Denied("token claim '" + std::string(name) + "' missing");
    if (!v->is_string()) return Denied("token claim '" + std::string(name) + "' must be a string");
    return std::string(v->as_string());
}

// Integers only: our tokens never carry fractional times, and accepting doubles would invite rounding games.
// Values above INT64_MAX parse as uint64 and are rejected with the rest.
Result<std::int64_t> IntegerClaim(const json::object& payload, std::string_view name) {
    const json::value* v = payload.if_contains(name);
    if (v == nullptr) return Denied("token claim '" + std::string(name) + "' missing");
    if (!v->is_int64()) return Denied("token claim '" + std::string(name) + "' must be an integer");
    return v->as_int64();
}

// Floor division, so that a timestamp a fraction of a second before the epoch is not rounded up into it.
std::int64_t FloorSeconds(Timestamp ns) {
    std::int64_t s = ns / kNanosPerSecond;
    if (ns % kNanosPerSecond < 0) --s;
    return s;
}

}  // namespace

std::string SignJwt(const JwtClaims& claims, std::string_view key) {
    json::object payload;
    payload["sub"] = claims.sub;
    payload["role"] = claims.role;
    payload["typ"] = claims.typ;
    payload["jti"] = claims.jti;
    payload["iat"] = claims.iat;
    payload["exp"] = claims.exp;
    std::string token = Base64UrlEncode(kHeaderJson);
    token.push_back('.');
    token += Base64UrlEncode(json::serialize(payload));
    const std::string signature = HmacSha256(key, token);
    token.push_back('.');
    token += Base64UrlEncode(signature);
    return token;
}

Result<JwtClaims> VerifyJwt(std::string_view token, std::string_view key, Timestamp now) {
    if (token.size() > kMaxJwtBytes) return Denied("token too long");

    const std::size_t first_dot = token.find('.');
    if (first_dot == std::string_view::npos) return Denied("malformed token");
    const std::size_t second_dot = token.find('.', first_dot + 1);
    if (second_dot == std::string_view::npos) return Denied("malformed token");
    if (token.find('.', second_dot + 1) != std::string_view::npos) return Denied("malformed token");
    const std::string_view header_b64 = token.substr(0, first_dot);
    const std::string_view payload_b64 = token.substr(first_dot + 1, second_dot - first_dot - 1);
    const std::string_view signature_b64 = token.substr(second_dot + 1);
    const std::string_view signing_input = token.substr(0, second_dot);

    // The header is checked before the signature because it names the algorithm; we never let it choose one.
    const std::optional<json::object> header = DecodeJsonObject(header_b64);
    if (!header) return Denied("malformed token");
    const json::value* alg = header->if_contains("alg");
    if (alg == nullptr || !alg->is_string() || alg->as_string() != "HS256") {
        return Denied("token algorithm must be HS256");
    }
    if (const json::value* typ = header->if_contains("typ"); typ != nullptr) {
        if (!typ->is_string() || typ->as_string() != "JWT") return Denied("token type must be JWT");
    }
    // RFC 7515 §4.1.11: extensions listed in "crit" must be understood; we understand none.
    if (header->contains("crit")) return Denied("token has unsupported critical header parameters");

    const auto signature = Base64UrlDecode(signature_b64);
    if (!signature) return Denied("malformed token");
    const std::string expected = HmacSha256(key, signing_input);
    // The length is public (always 32 for HS256); the contents are compared without early exit so that timing
    // does not reveal how many leading bytes of a forgery were right.
    if (signature->size() != expected.size() ||
        CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
        return Denied("token signature invalid");
    }

    // From here on the payload was written by a holder of the key; its checks guard against our own mistakes
    // and against tokens that are authentic but no longer (or not yet) valid.
    const std::optional<json::object> payload = DecodeJsonObject(payload_b64);
    if (!payload) return Denied("malformed token");
    auto sub = StringClaim(*payload, "sub");
    if (!sub) return std::unexpected(sub.error());
    auto role = StringClaim(*payload, "role");
    if (!role) return std::unexpected(role.error());
    auto typ = StringClaim(*payload, "typ");
    if (!typ) return std::unexpected(typ.error());
    auto jti = StringClaim(*payload, "jti");
    if (!jti) return std::unexpected(jti.error());
    auto iat = IntegerClaim(*payload, "iat");
    if (!iat) return std::unexpected(iat.error());
    auto exp = IntegerClaim(*payload, "exp");
    if (!exp) return std::unexpected(exp.error());

    const std::int64_t now_seconds = FloorSeconds(now);
    if (now_seconds >= *exp) return Denied("token expired");
    if (*iat > now_seconds + kJwtLeewaySeconds) return Denied("token issued in the future");
    if (payload->contains("nbf")) {
        auto nbf = IntegerClaim(*payload, "nbf");
        if (!nbf) return std::unexpected(nbf.error());
        if (*nbf > now_seconds + kJwtLeewaySeconds) return Denied("token not yet valid");
    }

    JwtClaims claims;
    claims.sub = std::move(*sub);
    claims.role = std::move(*role);
    claims.typ = std::move(*typ);
    claims.jti = std::move(*jti);
    claims.iat = *iat;
    claims.exp = *exp;
    return claims;
}

}  // namespace ik::auth
