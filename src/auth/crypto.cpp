#include "auth/crypto.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <climits>
#include <cstdint>
#include <stdexcept>

namespace ik::auth {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kHexDigits = "0123456789abcdef";

// Maps a byte to its 6-bit value, or -1 for anything outside the base64url alphabet ('=', '+', '/', spaces,
// non-ASCII bytes).
constexpr std::array<std::int8_t, 256> MakeDecodeTable() {
    std::array<std::int8_t, 256> table{};
    for (auto& entry : table) entry = -1;
    for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
        table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
    }
    return table;
}
constexpr std::array<std::int8_t, 256> kDecodeTable = MakeDecodeTable();

// OpenSSL wants non-null pointers even for empty inputs (HMAC() fails on a null key).
const unsigned char* BytePointer(std::string_view s) {
    static const unsigned char kEmpty = 0;
    return s.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                                static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                                static_cast<unsigned char>(bytes[i + 2]);
        out.push_back(kAlphabet[(n >> 18) & 63]);
        out.push_back(kAlphabet[(n >> 12) & 63]);
        out.push_back(kAlphabet[(n >> 6) & 63]);
        out.push_back(kAlphabet[n & 63]);
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
        out.push_back(kAlphabet[(n >> 18) & 63]);
        out.push_back(kAlphabet[(n >> 12) & 63]);
    } else if (rest == 2) {
        const std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                                static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
        out.push_back(kAlphabet[(n >> 18) & 63]);
        out.push_back(kAlphabet[(n >> 12) & 63]);
        out.push_back(kAlphabet[(n >> 6) & 63]);
    }
    return out;
}

Result<std::string> Base64UrlDecode(std::string_view text) {
    // One leftover character carries only 6 bits, less than a byte: no encoder produces it.
    if (text.size() % 4 == 1) return MakeError(ErrorCode::kInvalidArgument, "base64url text has an invalid length");
    std::string out;
    out.reserve(text.size() / 4 * 3 + 2);
    std::uint32_t acc = 0;
    int bits = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const std::int8_t v = kDecodeTable[static_cast<unsigned char>(c)];
        if (v < 0) {
            return MakeError(ErrorCode::kInvalidArgument,
                             c == '=' ? "base64url text must not be padded"
                                      : "base64url text contains an invalid character at offset " + std::to_string(i));
        }
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
            acc &= (1U << bits) - 1;
        }
    }
    // The 2 or 4 bits left over pad the last character; a canonical encoder writes them as zero.
    if (acc != 0) return MakeError(ErrorCode::kInvalidArgument, "base64url text has non-zero trailing bits");
    return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
    if (key.size() > static_cast<std::size_t>(INT_MAX)) throw std::length_error("HMAC key too long");
    std::string mac(kHmacSha256Bytes, '\0');
    unsigned int length = 0;
    // One-shot HMAC() is not deprecated in OpenSSL 3 and needs no context to free on every path.
    const unsigned char* result = HMAC(EVP_sha256(), BytePointer(key), static_cast<int>(key.size()), BytePointer(data),
                                       data.size(), reinterpret_cast<unsigned char*>(mac.data()), &length);
    // Failure means OpenSSL could not allocate or lost SHA-256: a broken process, not bad input.
    if (result == nullptr || length != kHmacSha256Bytes) throw std::runtime_error("HMAC-SHA256 failed");
    return mac;
}

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
    const std::string mac = HmacSha256(key, data);
    std::string hex;
    hex.reserve(mac.size() * 2);
    for (const char c : mac) {
        hex.push_back(kHexDigits[static_cast<unsigned char>(c) >> 4]);
        hex.push_back(kHexDigits[static_cast<unsigned char>(c) & 0x0F]);
    }
    return hex;
}

}  // namespace ik::auth
