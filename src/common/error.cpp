#include "common/error.hpp"

namespace ik {

std::string_view ErrorCodeName(ErrorCode code) {
    switch (code) {
        case ErrorCode::kInvalidArgument: return "invalid_argument";
        case ErrorCode::kNotFound: return "not_found";
        case ErrorCode::kAlreadyExists: return "already_exists";
        case ErrorCode::kFailedPrecondition: return "failed_precondition";
        case ErrorCode::kInsufficientFunds: return "insufficient_funds";
        case ErrorCode::kInsufficientQuantity: return "insufficient_quantity";
        case ErrorCode::kPermissionDenied: return "permission_denied";
        case ErrorCode::kUnavailable: return "unavailable";
        case ErrorCode::kDataLoss: return "data_loss";
        case ErrorCode::kInternal: return "internal";
        case ErrorCode::kDeadlineExceeded: return "deadline_exceeded";
    }
    return "internal";
}

}  // namespace ik
