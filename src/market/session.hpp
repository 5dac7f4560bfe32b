#pragma once
// Trading sessions in Asia/Seoul time: continuous 09:00–15:20, closing auction 15:20–15:30, closed on
// weekends and configured holidays; or `always` (continuous round the clock) for demos. The calendar
// is a value computed from an injected timestamp; it never reads the clock. Thread-safe after build.
#include <set>
#include <string_view>

#include "common/error.hpp"
#include "common/time.hpp"

namespace ik::market {

enum class SessionState : std::uint8_t { kClosed, kContinuous, kClosingAuction };
std::string_view SessionStateName(SessionState s);  // "closed", "continuous", "closing_auction"

enum class SessionMode : std::uint8_t { kKrx, kAlways };
Result<SessionMode> ParseSessionMode(std::string_view text);  // "krx" | "always"

class MarketCalendar final {
public:
    explicit MarketCalendar(SessionMode mode = SessionMode::kKrx, std::set<Date> holidays = {});

    SessionMode mode() const { return mode_; }
    bool IsTradingDay(Date d) const;
    SessionState StateAt(Timestamp ts) const;
    // The first instant after ts at which StateAt changes (for scheduling); for `always`, INT64_MAX.
    Timestamp NextTransition(Timestamp ts) const;
    // Next trading day strictly after d.
    Date NextTradingDay(Date d) const;

    static constexpr int kOpenMinute = 9 * 60;               // 09:00
    static constexpr int kAuctionMinute = 15 * 60 + 20;      // 15:20
    static constexpr int kCloseMinute = 15 * 60 + 30;        // 15:30

private:
    SessionMode mode_;
    std::set<Date> holidays_;
};

}  // namespace ik::market
