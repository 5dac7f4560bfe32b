#include "trading/types.hpp"

#include <array>

namespace ik::trading {

namespace {

template <class E, std::size_t N>
Result<E> ParseName(std::string_view text, const std::array<std::string_view, N>& names, const char* what) {
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == text) return static_cast<E>(i);
    }
    std::string allowed;
    for (std::size_t i = 0; i < N; ++i) {
        if (i) allowed += ", ";
        allowed += names[i];
    }
    return MakeError(ErrorCode::kInvalidArgument,
                     std::string(what) + " must be one of " + allowed + "; got '" + std::string(text) + "'");
}

constexpr std::array<std::string_view, 2> kSides = {"buy", "sell"};
constexpr std::array<std::string_view, 4> kTypes = {"market", "limit", "stop", "stop_limit"};
constexpr std::array<std::string_view, 4> kTifs = {"day", "gtc", "ioc", "fok"};
constexpr std::array<std::string_view, 6> kStatuses = {"new",     "partially_filled", "filled",
                                                       "canceled", "expired",          "replaced"};
constexpr std::array<std::string_view, 6> kBooks = {"cash",     "securities",         "realized_pnl",
                                                    "deposits", "commission", "tax"};
constexpr std::array<std::string_view, 9> kEvents = {"account_opened", "deposited", "accepted",
                                                     "triggered",      "fill",      "canceled",
                                                     "expired",        "replaced",  "rereserved"};

}  // namespace

std::string_view SideName(Side s) { return kSides[static_cast<std::size_t>(s)]; }
std::string_view OrderTypeName(OrderType t) { return kTypes[static_cast<std::size_t>(t)]; }
std::string_view TimeInForceName(TimeInForce t) { return kTifs[static_cast<std::size_t>(t)]; }
std::string_view OrderStatusName(OrderStatus s) { return kStatuses[static_cast<std::size_t>(s)]; }
std::string_view LedgerBookName(LedgerBook b) { return kBooks[static_cast<std::size_t>(b)]; }
std::string_view EventTypeName(EventType t) { return kEvents[static_cast<std::size_t>(t)]; }

Result<Side> ParseSide(std::string_view s) { return ParseName<Side>(s, kSides, "side"); }
Result<OrderType> ParseOrderType(std::string_view s) { return ParseName<OrderType>(s, kTypes, "type"); }
Result<TimeInForce> ParseTimeInForce(std::string_view s) { return ParseName<TimeInForce>(s, kTifs, "time_in_force"); }
Result<OrderStatus> ParseOrderStatus(std::string_view s) { return ParseName<OrderStatus>(s, kStatuses, "status"); }
Result<LedgerBook> ParseLedgerBook(std::string_view s) { return ParseName<LedgerBook>(s, kBooks, "ledger book"); }

}  // namespace ik::trading
