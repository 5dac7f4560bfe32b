#pragma once
// The text of a fired alert, as the SMS, the inbox and the webhook body carry it. The default Korean template is
// the original's SMS, `[내일은 투자왕:TIME]NAME PRICE원입니다.` (TIME the tick's KST time as HH:MM, PRICE with
// thousands separators), with the day's change or volume added for the kinds the original did not have; the
// English template says the same. Pure functions.
#include <string>
#include <string_view>

#include "alerts/index.hpp"

namespace ik::alerts {

enum class Language : std::uint8_t { kKorean, kEnglish };
std::string_view LanguageCode(Language l);  // "ko", "en"
Result<Language> ParseLanguage(std::string_view code);

// `name` is the stock's name in that language; `previous_close` is the reference of the change kinds (0 = unknown:
// the change is left out).
std::string AlertMessage(const Firing& firing, std::string_view name, Won previous_close, Language language);

}  // namespace ik::alerts
