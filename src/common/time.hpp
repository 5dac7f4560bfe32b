#pragma once
// Time is a value: Timestamp is nanoseconds since the Unix epoch (UTC). Code that needs "now" takes a
// Clock& so tests and replays control time; only SystemClock reads the OS clock.
#include <atomic>
#include <cstdint>
#include <string>

#include "common/error.hpp"

namespace ik {

using Timestamp = std::int64_t;  // ns since 1970-01-01T00:00:00Z

inline constexpr std::int64_t kNanosPerSecond = 1'000'000'000LL;
inline constexpr std::int64_t kNanosPerMinute = 60 * kNanosPerSecond;
inline constexpr std::int64_t kNanosPerDay = 86'400 * kNanosPerSecond;
// Korea Standard Time is UTC+9 all year (no daylight saving since 1988), so Asia/Seoul is a fixed offset.
inline constexpr std::int64_t kKstOffsetNanos = 9 * 3600 * kNanosPerSecond;

// A civil date, used for trading days and holidays.
struct Date {
    int year = 1970;
    int month = 1;
    int day = 1;
    friend bool operator==(const Date&, const Date&) = default;
    friend auto operator<=>(const Date&, const Date&) = default;
};

std::int64_t DaysFromCivil(Date d);   // days since 1970-01-01
Date CivilFromDays(std::int64_t days);
int Weekday(Date d);                  // 0 = Sunday … 6 = Saturday
Result<Date> ParseDate(std::string_view text);  // YYYY-MM-DD
std::string FormatDate(Date d);

// Local (KST) calendar view of a timestamp.
struct KstTime {
    Date date;
    int minute_of_day = 0;  // 0 … 1439
    int second = 0;
};
KstTime ToKst(Timestamp ts);
Timestamp FromKst(Date date, int hour, int minute, int second = 0);

// RFC 3339 in UTC with microseconds, e.g. 2026-11-25T01:02:03.123456Z
std::string FormatRfc3339(Timestamp ts);
Result<Timestamp> ParseRfc3339(std::string_view text);

// Source of the current time. Implementations are thread-safe.
class Clock {
public:
    virtual ~Clock() = default;
    virtual Timestamp Now() const = 0;
};

// Reads CLOCK_REALTIME.
class SystemClock final : public Clock {
public:
    Timestamp Now() const override;
};

// A clock that only moves when told; for tests and replays.
class ManualClock final : public Clock {
public:
    explicit ManualClock(Timestamp start = 0) : now_(start) {}
    Timestamp Now() const override { return now_.load(std::memory_order_acquire); }
    void Set(Timestamp ts) { now_.store(ts, std::memory_order_release); }
    void Advance(std::int64_t nanos) { now_.fetch_add(nanos, std::memory_order_acq_rel); }

private:
    std::atomic<Timestamp> now_;
};

}  // namespace ik
