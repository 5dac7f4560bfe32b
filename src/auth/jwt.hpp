#pragma once
// Access tokens as JSON Web Tokens signed with HMAC-SHA256 (RFC 7519, JWS compact serialisation, RFC 7515).
// Only HS256 is produced or accepted: a verifier that lets the token choose its algorithm is the classic JWT
// vulnerability ("alg":"none", HS/RS confusion). Stateless free functions; thread-safe.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "common/time.hpp"

namespace ik::auth {

// Tokens longer than this are rejected before any decoding, bounding the work hostile input can cause.
inline constexpr std::size_t kMaxJwtBytes = 4096;
// Tolerated clock skew for "iat" (and "nbf") between the issuing and the verifying host.
inline constexpr std::int64_t kJwtLeewaySeconds = 60;
// RFC 7518 §3.2: an HS256 key must be at least as long as the hash. The config module enforces it for the
// configured key; the functions below accept any key so that published test vectors can be checked.
inline constexpr std::size_t kMinJwtKeyBytes = 32;
// The "typ" claim of the tokens that authorise API calls.
inline constexpr std::string_view kAccessTokenType = "access";

struct JwtClaims {
    std::string sub;       // user id
    std::string role;      // "user", "admin", …
    std::string typ;       // token kind, kAccessTokenType for access tokens; checked by the caller
    std::string jti;       // unique token id, for revocation lists
    std::int64_t iat = 0;  // issued at, seconds since the epoch
    std::int64_t exp = 0;  // expires at (exclusive), seconds since the epoch

    friend bool operator==(const JwtClaims&, const JwtClaims&) = default;
};

// header {"alg":"HS256","typ":"JWT"}, payload {"sub","role","typ","jti","iat","exp"} in that order.
std::string SignJwt(const JwtClaims& claims, std::string_view key);

// Checks, in order: length ≤ kMaxJwtBytes, three segments, strict base64url, header is a JSON object with
// "alg" exactly "HS256", "typ" absent or "JWT" and no "crit"; then the signature (constant-time comparison);
// only then the payload: a JSON object whose six claims are present with the right JSON types (strings;
// integers for iat/exp), now < exp, iat ≤ now + leeway and, if present, nbf ≤ now + leeway.
// `now` is in nanoseconds (ik::Timestamp). Every failure is kPermissionDenied with a short message that never
// contains token material. Never throws on hostile input. Duplicate JSON member names resolve to the last one
// (RFC 7515 §4 allows this), and they can only occur in a token that already carries a valid signature.
Result<JwtClaims> VerifyJwt(std::string_view token, std::string_view key, Timestamp now);

}  // namespace ik::auth
