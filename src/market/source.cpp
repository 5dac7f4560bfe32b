#include "market/source.hpp"

#include <string>

namespace ik::market {

std::string_view SourceKindName(SourceKind kind) {
    switch (kind) {
        case SourceKind::kSimulator:
            return "simulator";
        case SourceKind::kNone:
            return "none";
    }
    return "unknown";
}

Result<SourceKind> ParseSourceKind(std::string_view text) {
    if (text == "simulator") return SourceKind::kSimulator;
    if (text == "none") return SourceKind::kNone;
    return MakeError(ErrorCode::kInvalidArgument,
                     "unknown market.source '" + std::string(text) + "' (expected 'simulator' or 'none')");
}

}  // namespace ik::market
