#include "market/session.hpp"

#include <array>
#include <limits>

namespace ik::market {

std::string_view SessionStateName(SessionState s) {
    switch (s) {
        case SessionState::kClosed:
            return "closed";
        case SessionState::kContinuous:
            return "continuous";
        case SessionState::kClosingAuction:
            return "closing_auction";
    }
    return "unknown";
}

Result<SessionMode> ParseSessionMode(std::string_view text) {
    if (text == "krx") return SessionMode::kKrx;
    if (text == "always") return SessionMode::kAlways;
    return MakeError(ErrorCode::kInvalidArgument,
                     "unknown market.session '" + std::string(text) + "' (expected 'krx' or 'always')");
}

MarketCalendar::MarketCalendar(SessionMode mode, std::set<Date> holidays)
    : mode_(mode), holidays_(std::move(holidays)) {}

// The exchange calendar (weekends and holidays) holds in both modes: `always` only changes the hours, so
// settlement dates stay real trading days.
bool MarketCalendar::IsTradingDay(Date d) const {
    const int wd = Weekday(d);
    if (wd == 0 || wd == 6) return false;
    return !holidays_.contains(d);
}

SessionState MarketCalendar::StateAt(Timestamp ts) const {
    if (mode_ == SessionMode::kAlways) return SessionState::kContinuous;
    const KstTime k = ToKst(ts);
    if (!IsTradingDay(k.date)) return SessionState::kClosed;
    if (k.minute_of_day < kOpenMinute) return SessionState::kClosed;
    if (k.minute_of_day < kAuctionMinute) return SessionState::kContinuous;
    if (k.minute_of_day < kCloseMinute) return SessionState::kClosingAuction;
    return SessionState::kClosed;
}

Timestamp MarketCalendar::NextTransition(Timestamp ts) const {
    if (mode_ == SessionMode::kAlways) return std::numeric_limits<Timestamp>::max();
    // On a trading day every boundary changes the state (closed→continuous→auction→closed), and non-trading
    // days have none, so the answer is the first boundary of a trading day after ts.
    static constexpr std::array<int, 3> kBoundaries = {kOpenMinute, kAuctionMinute, kCloseMinute};
    Date d = ToKst(ts).date;
    // Holidays are a finite set, so a trading day comes within a few days; the bound only guards against a
    // calendar configured with years of holidays.
    for (int i = 0; i < 3660; ++i) {
        if (IsTradingDay(d)) {
            for (int minute : kBoundaries) {
                const Timestamp t = FromKst(d, minute / 60, minute % 60);
                if (t > ts) return t;
            }
        }
        d = CivilFromDays(DaysFromCivil(d) + 1);
    }
    return std::numeric_limits<Timestamp>::max();
}

Date MarketCalendar::NextTradingDay(Date d) const {
    Date next = CivilFromDays(DaysFromCivil(d) + 1);
    for (int i = 0; i < 3660 && !IsTradingDay(next); ++i) next = CivilFromDays(DaysFromCivil(next) + 1);
    return next;
}

}  // namespace ik::market
