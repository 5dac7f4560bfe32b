#pragma once
// Random identifiers and credentials (libsodium's CSPRNG), and hashing of high-entropy secrets.
// Stateless free functions; thread-safe.
#include <cstddef>
#include <string>
#include <string_view>

namespace ik::auth {

inline constexpr std::size_t kApiKeyIdLength = 20;   // "PK" + 18 of [A-Z0-9], like Alpaca's key ids
inline constexpr std::size_t kApiSecretLength = 40;  // [A-Za-z0-9]: about 238 bits
inline constexpr std::size_t kSecretHashHexLength = 64;

// `bytes` random bytes, base64url-encoded without padding (32 bytes → 43 characters). For refresh tokens,
// session ids and CSRF tokens.
std::string RandomToken(std::size_t bytes = 32);

// A random RFC 9562 version-4 UUID, lowercase 8-4-4-4-12.
std::string NewUuidV4();

// Public half of an API key pair: "PK" followed by 18 uniformly random characters of [A-Z0-9].
std::string NewApiKeyId();

// Secret half of an API key pair: 40 uniformly random characters of [A-Za-z0-9]. Shown to the user once; only
// HashSecret of it is stored.
std::string NewApiSecret();

// Lowercase hex SHA-256, for secrets that are already random (API secrets, refresh tokens). Such secrets cannot
// be guessed, so a salt and a slow hash buy nothing while Argon2 would cost tens of milliseconds per request.
// Never use it for passwords: they go through HashPassword.
std::string HashSecret(std::string_view secret);

// Whether HashSecret(secret) equals hex_hash (lowercase, as HashSecret writes it), compared in constant time.
bool SecretMatches(std::string_view secret, std::string_view hex_hash);

}  // namespace ik::auth
