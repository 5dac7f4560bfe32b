#include "common/time.hpp"

#include <chrono>
#include <cstdio>

namespace ik {

// Howard Hinnant's civil-date algorithms (public domain description), written out for int64 days.
std::int64_t DaysFromCivil(Date d) {
    const int y = d.year - (d.month <= 2 ? 1 : 0);
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned mp = static_cast<unsigned>(d.month + (d.month > 2 ? -3 : 9));
    const unsigned doy = (153 * mp + 2) / 5 + static_cast<unsigned>(d.day) - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

Date CivilFromDays(std::int64_t z) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return Date{static_cast<int>(y + (m <= 2 ? 1 : 0)), static_cast<int>(m), static_cast<int>(d)};
}

int Weekday(Date d) {
    const std::int64_t z = DaysFromCivil(d);
    return static_cast<int>(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

static bool ParseInt(std::string_view s, int& out) {
    if (s.empty()) return false;
    int v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

static int DaysInMonth(int y, int m) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return kDays[m - 1];
}

Result<Date> ParseDate(std::string_view text) {
    Date d;
    if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !ParseInt(text.substr(0, 4), d.year) ||
        !ParseInt(text.substr(5, 2), d.month) || !ParseInt(text.substr(8, 2), d.day) || d.month < 1 ||
        d.month > 12 || d.day < 1 || d.day > DaysInMonth(d.year, d.month)) {
        return MakeError(ErrorCode::kInvalidArgument, "expected a date as YYYY-MM-DD, got '" + std::string(text) + "'");
    }
    // Timestamps are int64 nanoseconds (1678 … 2262); dates outside this range would overflow them.
    if (d.year < 1900 || d.year > 2200) {
        return MakeError(ErrorCode::kInvalidArgument, "year must be between 1900 and 2200, got '" + std::string(text) + "'");
    }
    return d;
}

std::string FormatDate(Date d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
    return buf;
}

static std::int64_t FloorDiv(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

KstTime ToKst(Timestamp ts) {
    const std::int64_t local = ts + kKstOffsetNanos;
    const std::int64_t days = FloorDiv(local, kNanosPerDay);
    const std::int64_t secs_of_day = (local - days * kNanosPerDay) / kNanosPerSecond;
    KstTime t;
    t.date = CivilFromDays(days);
    t.minute_of_day = static_cast<int>(secs_of_day / 60);
    t.second = static_cast<int>(secs_of_day % 60);
    return t;
}

Timestamp FromKst(Date date, int hour, int minute, int second) {
    return DaysFromCivil(date) * kNanosPerDay + (hour * 3600LL + minute * 60LL + second) * kNanosPerSecond -
           kKstOffsetNanos;
}

std::string FormatRfc3339(Timestamp ts) {
    const std::int64_t days = FloorDiv(ts, kNanosPerDay);
    const std::int64_t rem = ts - days * kNanosPerDay;
    const Date d = CivilFromDays(days);
    const std::int64_t secs = rem / kNanosPerSecond;
    const std::int64_t micros = (rem % kNanosPerSecond) / 1000;
    if (d.year < 0 || d.year > 9999) {
        char buf[48];
        std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", d.year, d.month, d.day,
                      static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60),
                      static_cast<long long>(micros));
        return buf;
    }
    // The common case by hand: this runs several times per order answered.
    std::string out = "0000-00-00T00:00:00.000000Z";
    auto put = [&](std::size_t end, std::int64_t v, int digits) {
        for (int i = 0; i < digits; ++i, v /= 10) out[end - static_cast<std::size_t>(i)] = static_cast<char>('0' + v % 10);
    };
    put(3, d.year, 4);
    put(6, d.month, 2);
    put(9, d.day, 2);
    put(12, secs / 3600, 2);
    put(15, secs / 60 % 60, 2);
    put(18, secs % 60, 2);
    put(25, micros, 6);
    return out;
}

Result<Timestamp> ParseRfc3339(std::string_view text) {
    auto bad = [&] {
        return MakeError(ErrorCode::kInvalidArgument,
                         "expected an RFC 3339 time such as 2026-01-02T09:00:00Z, got '" + std::string(text) + "'");
    };
    if (text.size() < 20 || text[10] != 'T') return bad();
    auto date = ParseDate(text.substr(0, 10));
    if (!date) return bad();
    int hh, mm, ss;
    if (text[13] != ':' || text[16] != ':' || !ParseInt(text.substr(11, 2), hh) || !ParseInt(text.substr(14, 2), mm) ||
        !ParseInt(text.substr(17, 2), ss) || hh > 23 || mm > 59 || ss > 60) {
        return bad();
    }
    size_t pos = 19;
    std::int64_t frac = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        int digits = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (digits < 9) {
                frac = frac * 10 + (text[pos] - '0');
                ++digits;
            }
            ++pos;
        }
        if (digits == 0) return bad();
        for (; digits < 9; ++digits) frac *= 10;
    }
    std::int64_t offset_secs = 0;
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
    } else if (pos + 6 == text.size() && (text[pos] == '+' || text[pos] == '-') && text[pos + 3] == ':') {
        int oh, om;
        if (!ParseInt(text.substr(pos + 1, 2), oh) || !ParseInt(text.substr(pos + 4, 2), om)) return bad();
        offset_secs = (oh * 3600LL + om * 60LL) * (text[pos] == '+' ? 1 : -1);
        pos += 6;
    } else {
        return bad();
    }
    if (pos != text.size()) return bad();
    return DaysFromCivil(*date) * kNanosPerDay + ((hh * 3600LL + mm * 60LL + ss) - offset_secs) * kNanosPerSecond +
           frac;
}

Timestamp SystemClock::Now() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace ik
