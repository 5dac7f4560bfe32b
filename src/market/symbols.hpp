#pragma once
// The stock master: what a symbol is (code, names, market, sector, previous close) and the Universe of
// tradable symbols with dense SymbolIds. The Universe is not thread-safe; its owner serialises access
// (the engine thread), and readers elsewhere take copies.
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.hpp"
#include "common/money.hpp"
#include "market/tick.hpp"

namespace ik::market {

enum class Exchange : std::uint8_t { kKospi, kKosdaq, kKonex };
std::string_view ExchangeName(Exchange e);  // "KOSPI", "KOSDAQ", "KONEX"
Result<Exchange> ParseExchange(std::string_view text);

struct StockInfo {
    std::string code;     // "005930"; KRX codes are 6 characters, some alphanumeric ("0126Z0")
    std::string name_ko;  // "삼성전자"
    std::string name_en;  // "Samsung Electronics"
    Exchange market = Exchange::kKospi;
    std::string sector;
    Won previous_close = 0;  // reference price for the day's price band
};

// Validates a KRX code: exactly 6 characters of [0-9A-Z].
bool IsValidCode(std::string_view code);

// The original's five stocks with a recent close, compiled in so the product runs with no data files.
std::vector<StockInfo> DefaultUniverse();

class Universe final {
public:
    // Adds or updates a listing; returns its id. Updating keeps the id.
    SymbolId Upsert(StockInfo info);
    std::optional<SymbolId> Find(std::string_view code) const;
    const StockInfo& Get(SymbolId id) const { return stocks_.at(id); }
    StockInfo& GetMutable(SymbolId id) { return stocks_.at(id); }
    std::size_t size() const { return stocks_.size(); }
    const std::vector<StockInfo>& all() const { return stocks_; }

private:
    std::vector<StockInfo> stocks_;
    std::unordered_map<std::string, SymbolId> by_code_;
};

}  // namespace ik::market
