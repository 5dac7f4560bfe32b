#include "auth/tokens.hpp"

#include <sodium.h>

#include <array>
#include <cstdint>

#include "auth/auth.hpp"

namespace ik::auth {
namespace {

constexpr std::string_view kUpperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr std::string_view kAlphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view kApiKeyIdPrefix = "PK";

// randombytes_uniform rejects biased draws, so every character is equally likely (a plain `% size` is not).
void AppendRandomChars(std::string& out, std::size_t count, std::string_view alphabet) {
    for (std::size_t i = 0; i < count; ++i) {
        out.push_back(alphabet[randombytes_uniform(static_cast<std::uint32_t>(alphabet.size()))]);
    }
}

}  // namespace

std::string RandomToken(std::size_t bytes) {
    InitCrypto();
    std::string raw(bytes, '\0');
    randombytes_buf(raw.data(), raw.size());
    std::string token = Base64UrlEncode(raw);
    // The raw bytes are the token in another spelling; don't leave them in freed heap memory.
    sodium_memzero(raw.data(), raw.size());
    return token;
}

std::string NewUuidV4() {
    InitCrypto();
    std::array<unsigned char, 16> b;
    randombytes_buf(b.data(), b.size());
    b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // variant 10xx (RFC 9562)
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < b.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        out.push_back(kHex[b[i] >> 4]);
        out.push_back(kHex[b[i] & 0x0F]);
    }
    return out;
}

std::string NewApiKeyId() {
    InitCrypto();
    std::string id(kApiKeyIdPrefix);
    id.reserve(kApiKeyIdLength);
    AppendRandomChars(id, kApiKeyIdLength - kApiKeyIdPrefix.size(), kUpperDigits);
    return id;
}

std::string NewApiSecret() {
    InitCrypto();
    std::string secret;
    secret.reserve(kApiSecretLength);
    AppendRandomChars(secret, kApiSecretLength, kAlphanumerics);
    return secret;
}

std::string HashSecret(std::string_view secret) {
    InitCrypto();
    unsigned char digest[crypto_hash_sha256_BYTES];
    // A default string_view may hold a null pointer; libsodium gets a real one.
    const char* data = secret.empty() ? "" : secret.data();
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data), secret.size());
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);  // lowercase
    return std::string(hex, crypto_hash_sha256_BYTES * 2);
}

bool SecretMatches(std::string_view secret, std::string_view hex_hash) {
    // The length of a stored hash is public; only its contents must not leak through timing.
    if (hex_hash.size() != kSecretHashHexLength) return false;
    const std::string actual = HashSecret(secret);
    return sodium_memcmp(actual.data(), hex_hash.data(), kSecretHashHexLength) == 0;
}

}  // namespace ik::auth
