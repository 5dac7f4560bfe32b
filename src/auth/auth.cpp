#include "auth/auth.hpp"

#include <sodium.h>

#include <stdexcept>

namespace ik::auth {

void InitCrypto() {
    // sodium_init() is itself thread-safe, but a function-local static makes the common path a single load and
    // retries initialisation on the next call if it threw.
    static const bool initialised = [] {
        if (sodium_init() < 0) throw std::runtime_error("libsodium initialisation failed");
        return true;
    }();
    (void)initialised;
}

}  // namespace ik::auth
