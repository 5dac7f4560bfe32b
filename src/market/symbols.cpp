#include "market/symbols.hpp"

namespace ik::market {

std::string_view ExchangeName(Exchange e) {
    switch (e) {
        case Exchange::kKospi:
            return "KOSPI";
        case Exchange::kKosdaq:
            return "KOSDAQ";
        case Exchange::kKonex:
            return "KONEX";
    }
    return "UNKNOWN";
}

Result<Exchange> ParseExchange(std::string_view text) {
    if (text == "KOSPI") return Exchange::kKospi;
    if (text == "KOSDAQ") return Exchange::kKosdaq;
    if (text == "KONEX") return Exchange::kKonex;
    return MakeError(ErrorCode::kInvalidArgument,
                     "unknown market '" + std::string(text) + "' (expected KOSPI, KOSDAQ or KONEX)");
}

bool IsValidCode(std::string_view code) {
    if (code.size() != 6) return false;
    for (char c : code) {
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return false;
    }
    return true;
}

std::vector<StockInfo> DefaultUniverse() {
    // Closes of 2026-07-24 (shared/data/daily); compiled in so a fresh checkout runs with no data files.
    return {
        {"000660", "SK하이닉스", "SK hynix", Exchange::kKospi, "반도체 제조업", 1'759'000},
        {"005380", "현대차", "Hyundai Motor", Exchange::kKospi, "자동차용 엔진 및 자동차 제조업", 401'000},
        {"005490", "POSCO홀딩스", "POSCO Holdings", Exchange::kKospi, "1차 철강 제조업", 313'000},
        {"005930", "삼성전자", "Samsung Electronics", Exchange::kKospi, "통신 및 방송 장비 제조업", 249'500},
        {"035720", "카카오", "Kakao", Exchange::kKospi, "자료처리, 호스팅, 포털 및 기타 인터넷 정보매개 서비스업",
         36'200},
    };
}

SymbolId Universe::Upsert(StockInfo info) {
    if (auto it = by_code_.find(info.code); it != by_code_.end()) {
        stocks_[it->second] = std::move(info);
        return it->second;
    }
    const auto id = static_cast<SymbolId>(stocks_.size());
    by_code_.emplace(info.code, id);
    stocks_.push_back(std::move(info));
    return id;
}

std::optional<SymbolId> Universe::Find(std::string_view code) const {
    // by_code_ is keyed by std::string without transparent hashing; one small allocation per lookup is fine
    // at the universe's size and keeps the declared member type unchanged.
    if (auto it = by_code_.find(std::string(code)); it != by_code_.end()) return it->second;
    return std::nullopt;
}

}  // namespace ik::market
