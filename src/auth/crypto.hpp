#pragma once
// Building blocks shared by the JWT code and other modules (alerts signs webhooks with HmacSha256Hex):
// strict base64url (RFC 4648 §5, no padding) and HMAC-SHA256 (OpenSSL). Pure functions; thread-safe.
#include <cstddef>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace ik::auth {

inline constexpr std::size_t kHmacSha256Bytes = 32;

// Base64url without '=' padding, as JWS compact serialisation uses it.
std::string Base64UrlEncode(std::string_view bytes);

// Accepts exactly the output of Base64UrlEncode: no padding, no characters outside [A-Za-z0-9_-], no length of
// 1 mod 4, and unused trailing bits must be zero. The last rule gives every byte string a single encoding, so a
// signature cannot be altered textually and still verify. Errors are kInvalidArgument and never echo the input.
Result<std::string> Base64UrlDecode(std::string_view text);

// HMAC-SHA256 of data under key (any key length, including empty): 32 raw bytes.
std::string HmacSha256(std::string_view key, std::string_view data);

// The same MAC as 64 lowercase hex digits.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

}  // namespace ik::auth
