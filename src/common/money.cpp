#include "common/money.hpp"

namespace ik {

std::string FormatWon(Won amount) {
    const bool negative = amount < 0;
    unsigned long long v = negative ? 0ULL - static_cast<unsigned long long>(amount) : amount;
    std::string digits = std::to_string(v);
    std::string out;
    out.reserve(digits.size() + digits.size() / 3 + 1);
    int lead = static_cast<int>(digits.size() % 3);
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i != 0 && (static_cast<int>(i) - lead) % 3 == 0) out.push_back(',');
        out.push_back(digits[i]);
    }
    return negative ? "-" + out : out;
}

}  // namespace ik
