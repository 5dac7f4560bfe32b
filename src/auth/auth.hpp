#pragma once
// The auth module's front door: security primitives for the HTTP gateway (password hashing, HS256 JWTs,
// random tokens and API credentials, secret hashing, base64url and HMAC). Everything here is a free function
// without shared mutable state and is safe to call from any thread.
#include "auth/crypto.hpp"
#include "auth/jwt.hpp"
#include "auth/password.hpp"
#include "auth/tokens.hpp"

namespace ik::auth {

// Initialises libsodium once per process. Every function in this module calls it itself; the application
// calls it at start-up too so that a broken crypto library stops the process before it serves anyone.
// Throws std::runtime_error when libsodium cannot initialise (a start-up failure, not an expected error).
void InitCrypto();

}  // namespace ik::auth
