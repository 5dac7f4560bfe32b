#pragma once
// Expected failures are values: every fallible call returns ik::Result<T>, an std::expected carrying an
// ik::Error. Exceptions are kept for start-up failures and broken invariants.
#include <expected>
#include <string>
#include <string_view>

namespace ik {

// Stable, machine-readable error codes. The HTTP layer maps them to status codes in one place.
enum class ErrorCode : int {
    kInvalidArgument = 1,   // malformed or out-of-range input
    kNotFound,              // unknown account, order, symbol
    kAlreadyExists,         // duplicate client_order_id, username
    kFailedPrecondition,    // order not cancelable in its state, market closed for IOC/FOK
    kInsufficientFunds,     // buying power too low
    kInsufficientQuantity,  // selling more than available holdings
    kPermissionDenied,
    kUnavailable,           // storage or bus temporarily unavailable
    kDataLoss,              // corrupt data file, broken invariant on disk
    kInternal,
    kDeadlineExceeded,      // no answer in time (the distributed gateway waiting for an engine); outcome unknown
};

std::string_view ErrorCodeName(ErrorCode code);

struct Error {
    ErrorCode code = ErrorCode::kInternal;
    std::string message;

    Error() = default;
    Error(ErrorCode c, std::string m) : code(c), message(std::move(m)) {}
};

template <class T>
using Result = std::expected<T, Error>;

using Status = std::expected<void, Error>;

inline std::unexpected<Error> MakeError(ErrorCode code, std::string message) {
    return std::unexpected<Error>(Error{code, std::move(message)});
}

}  // namespace ik
