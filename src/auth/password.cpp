#include "auth/password.hpp"

#include <sodium.h>

#include <cstdint>
#include <cstring>

#include "auth/auth.hpp"

namespace ik::auth {

static_assert(PasswordCost::kInteractive.ops == crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE);
static_assert(PasswordCost::kInteractive.mem == crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE);
static_assert(PasswordCost::kFast.ops == crypto_pwhash_argon2id_OPSLIMIT_MIN);
static_assert(PasswordCost::kFast.mem == crypto_pwhash_argon2id_MEMLIMIT_MIN);

namespace {

constexpr std::string_view kArgon2idPrefix = crypto_pwhash_argon2id_STRPREFIX;

// libsodium reads the hash as a C string of at most STRBYTES bytes including the terminator; anything longer,
// or with an embedded NUL that would silently cut it short, is not one of ours.
bool IsPlausibleHash(const std::string& hash) {
    return hash.size() < crypto_pwhash_argon2id_STRBYTES && hash.find('\0') == std::string::npos &&
           hash.starts_with(kArgon2idPrefix);
}

// libsodium accepts a null pointer only together with length 0; hand it a real pointer always.
const char* CharPointer(std::string_view s) { return s.empty() ? "" : s.data(); }

// Decodes one UTF-8 sequence at text[i] following RFC 3629 (no overlong forms, no surrogates, nothing above
// U+10FFFF). Returns the code point and advances i, or returns -1 for an invalid sequence.
std::int32_t DecodeUtf8(std::string_view text, std::size_t& i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char b0 = byte(i);
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    std::size_t length = 0;
    std::int32_t cp = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte (Unicode Table 3-7)
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        length = 2;
        cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        length = 3;
        cp = b0 & 0x0F;
        if (b0 == 0xE0) lo = 0xA0;  // overlong
        if (b0 == 0xED) hi = 0x9F;  // UTF-16 surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        length = 4;
        cp = b0 & 0x07;
        if (b0 == 0xF0) lo = 0x90;  // overlong
        if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
        return -1;  // continuation byte in lead position, C0/C1 overlong leads, F5..FF
    }
    if (text.size() - i < length) return -1;
    for (std::size_t k = 1; k < length; ++k) {
        const unsigned char b = byte(i + k);
        const unsigned char min = k == 1 ? lo : 0x80;
        const unsigned char max = k == 1 ? hi : 0xBF;
        if (b < min || b > max) return -1;
        cp = (cp << 6) | (b & 0x3F);
    }
    i += length;
    return cp;
}

// Unicode White_Space, so that a password of ideographic spaces (U+3000, easy to type on a Korean keyboard)
// counts as blank too.
bool IsWhitespace(std::int32_t cp) {
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
           cp == 0x3000;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password, PasswordCost cost) {
    InitCrypto();
    if (cost.ops < crypto_pwhash_argon2id_OPSLIMIT_MIN || cost.ops > crypto_pwhash_argon2id_OPSLIMIT_MAX ||
        cost.mem < crypto_pwhash_argon2id_MEMLIMIT_MIN || cost.mem > crypto_pwhash_argon2id_MEMLIMIT_MAX) {
        return MakeError(ErrorCode::kInvalidArgument, "password hashing cost is outside libsodium's Argon2id limits");
    }
    if (password.size() > crypto_pwhash_argon2id_PASSWD_MAX) {
        return MakeError(ErrorCode::kInvalidArgument, "password too long to hash");
    }
    char out[crypto_pwhash_argon2id_STRBYTES];
    if (crypto_pwhash_argon2id_str(out, CharPointer(password), password.size(), cost.ops, cost.mem) != 0) {
        return MakeError(ErrorCode::kInternal, "password hashing failed (out of memory?)");
    }
    return std::string(out);
}

bool VerifyPassword(std::string_view password, const std::string& hash) {
    InitCrypto();
    if (!IsPlausibleHash(hash)) return false;
    return crypto_pwhash_argon2id_str_verify(hash.c_str(), CharPointer(password), password.size()) == 0;
}

bool PasswordNeedsRehash(const std::string& hash, PasswordCost cost) {
    InitCrypto();
    if (!IsPlausibleHash(hash)) return true;
    return crypto_pwhash_argon2id_str_needs_rehash(hash.c_str(), cost.ops, cost.mem) != 0;
}

Status CheckPasswordPolicy(std::string_view password) {
    if (password.size() < kMinPasswordBytes) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "password must be at least " + std::to_string(kMinPasswordBytes) + " bytes long");
    }
    if (password.size() > kMaxPasswordBytes) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "password must be at most " + std::to_string(kMaxPasswordBytes) + " bytes long");
    }
    bool all_whitespace = true;
    for (std::size_t i = 0; i < password.size();) {
        const std::int32_t cp = DecodeUtf8(password, i);
        if (cp < 0) return MakeError(ErrorCode::kInvalidArgument, "password must be valid UTF-8");
        // C strings elsewhere (terminals, some HTTP clients) would silently cut the password at a NUL.
        if (cp == 0) return MakeError(ErrorCode::kInvalidArgument, "password must not contain NUL characters");
        if (!IsWhitespace(cp)) all_whitespace = false;
    }
    if (all_whitespace) return MakeError(ErrorCode::kInvalidArgument, "password must not be only whitespace");
    return {};
}

}  // namespace ik::auth
