#pragma once
// Password storage with Argon2id (libsodium crypto_pwhash) and the password policy applied at sign-up.
// Stateless free functions; thread-safe. Hashing is deliberately slow and memory-hard: with kInteractive a call
// costs 64 MiB and tens of milliseconds, so callers keep it off latency-critical threads.
#include <cstddef>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace ik::auth {

// Argon2id work factors: passes over memory (sodium's opslimit) and memory in bytes (memlimit).
struct PasswordCost {
    unsigned long long ops = 0;
    std::size_t mem = 0;

    // libsodium's recommended interactive limits (crypto_pwhash_argon2id_{OPS,MEM}LIMIT_INTERACTIVE).
    static const PasswordCost kInteractive;
    // The smallest limits libsodium accepts for Argon2id: no protection worth the name, only for tests and load
    // generation, where thousands of accounts are created per second.
    static const PasswordCost kFast;

    friend bool operator==(const PasswordCost&, const PasswordCost&) = default;
};

// The values are checked against sodium's constants in password.cpp, so this header need not include sodium.h.
inline constexpr PasswordCost PasswordCost::kInteractive{2, 64ULL << 20};
inline constexpr PasswordCost PasswordCost::kFast{1, 8192};

// Policy limits, in bytes of UTF-8: the upper bound keeps a sign-up request from feeding megabytes to Argon2.
inline constexpr std::size_t kMinPasswordBytes = 8;
inline constexpr std::size_t kMaxPasswordBytes = 128;

// Returns a self-describing "$argon2id$v=19$m=…,t=…,p=1$salt$hash" string with a fresh random salt.
// kInvalidArgument when the cost is outside libsodium's limits; kInternal when hashing fails (out of memory).
// Does not apply CheckPasswordPolicy: sign-up checks the policy, log-in must verify whatever was stored.
Result<std::string> HashPassword(std::string_view password, PasswordCost cost);

// True only when hash is an Argon2id string produced by HashPassword and password matches it. A malformed
// hash is a mismatch, not an error. The hash comes from our own store: its embedded cost is trusted.
bool VerifyPassword(std::string_view password, const std::string& hash);

// True when hash was made with a cost other than `cost` (or is not a valid Argon2id string), so that log-in can
// re-hash the just-verified password after the configured cost changes.
bool PasswordNeedsRehash(const std::string& hash, PasswordCost cost);

// Sign-up policy: kMinPasswordBytes..kMaxPasswordBytes bytes, valid UTF-8, no NUL, not only whitespace.
// kInvalidArgument with a message fit to show the user (it never contains the password).
Status CheckPasswordPolicy(std::string_view password);

}  // namespace ik::auth
