#include "alerts/message.hpp"

#include <cstdio>

namespace ik::alerts {

namespace {

std::string HourMinute(Timestamp ts) {
    const KstTime k = ToKst(ts);
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02d:%02d", k.minute_of_day / 60, k.minute_of_day % 60);
    return buf;
}

// The change from the previous close in percent with two decimals, rounded half away from zero: "+5.12", "-3.00".
std::string ChangePercent(Won price, Won previous_close) {
    __extension__ using Int128 = __int128;
    const Int128 diff = static_cast<Int128>(price - previous_close) * 10'000;  // basis points × close
    Int128 bp = diff / previous_close;
    const Int128 rest = diff % previous_close;
    if (rest * 2 >= previous_close) ++bp;
    if (rest * 2 <= -previous_close) --bp;
    const bool negative = bp < 0;
    const auto abs = static_cast<std::int64_t>(negative ? -bp : bp);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%c%lld.%02lld", negative ? '-' : '+', static_cast<long long>(abs / 100),
                  static_cast<long long>(abs % 100));
    return buf;
}

}  // namespace

std::string_view LanguageCode(Language l) { return l == Language::kEnglish ? "en" : "ko"; }

Result<Language> ParseLanguage(std::string_view code) {
    if (code == "ko") return Language::kKorean;
    if (code == "en") return Language::kEnglish;
    return MakeError(ErrorCode::kInvalidArgument, "language must be \"ko\" or \"en\"");
}

std::string AlertMessage(const Firing& f, std::string_view name, Won previous_close, Language language) {
    const std::string time = HourMinute(f.ts);
    const std::string price = FormatWon(f.price);
    const bool change =
        (f.kind == Kind::kChangePctAtOrAbove || f.kind == Kind::kChangePctAtOrBelow) && previous_close > 0;
    const std::string pct = change ? ChangePercent(f.price, previous_close) : std::string();
    std::string out;
    if (language == Language::kKorean) {
        out = "[내일은 투자왕:" + time + "]" + std::string(name);
        if (f.kind == Kind::kVolumeAbove) {
            out += " 거래량 " + FormatWon(f.day_volume) + "주, " + price + "원입니다.";
        } else {
            out += " " + price + "원입니다.";
            if (change) out += " (전일 대비 " + pct + "%)";
        }
    } else {
        out = "[InvestKing " + time + " KST] " + std::string(name);
        if (f.kind == Kind::kVolumeAbove) {
            out += " has traded " + FormatWon(f.day_volume) + " shares today, at " + price + " KRW.";
        } else {
            out += " is at " + price + " KRW.";
            if (change) out += " (" + pct + "% from the previous close)";
        }
    }
    return out;
}

}  // namespace ik::alerts
