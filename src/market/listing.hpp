#pragma once
// Loading the real market data shipped in shared/data: the KRX stock master (krx-listing.csv), daily OHLCV
// history (daily/<code>.csv), statistics from that history to seed the simulator, and the stock search used
// by the UI. Pure functions over values: no state, thread-safe; the caller owns every returned vector.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/money.hpp"
#include "common/time.hpp"
#include "market/symbols.hpp"

namespace ik::market {

// Reads the stock master: header `code,name_ko,name_en,market,sector`, RFC 4180 quoting, UTF-8. name_en and
// sector may be empty (preferred shares); previous_close is left 0 (the listing carries no prices).
// Errors: kNotFound when the file cannot be opened, kDataLoss naming file and line for corrupt content
// (bad quoting, wrong column count, invalid code or market, duplicate code).
Result<std::vector<StockInfo>> LoadListing(const std::string& path);
// The same over text already in memory; `source` names it in error messages.
Result<std::vector<StockInfo>> ParseListing(std::string_view text, std::string_view source);

// One trading day of history. Prices are data, not orders: since 2025 some highs/lows fall between KRX ticks.
struct DailyBar {
    Date date;
    Won open = 0;
    Won high = 0;
    Won low = 0;
    Won close = 0;
    Qty volume = 0;
    friend bool operator==(const DailyBar&, const DailyBar&) = default;
};

// Reads `date,open,high,low,close,volume` with dates strictly increasing, prices > 0, low ≤ open/close ≤ high
// and volume ≥ 0. Errors as for LoadListing.
Result<std::vector<DailyBar>> LoadDailyCsv(const std::string& path);
Result<std::vector<DailyBar>> ParseDailyCsv(std::string_view text, std::string_view source);

// What the simulator needs from history: where to start and how much the stock moves and trades.
struct HistoryStats {
    Date last_date;
    Won last_close = 0;
    double daily_volatility = 0.0;  // sample standard deviation of daily log returns (close to close)
    Qty mean_daily_volume = 0;
    std::size_t days_used = 0;  // bars in the window (returns = days_used - 1)
};

inline constexpr std::size_t kDefaultStatsWindow = 250;  // about one year of KRX trading days

// Statistics over the last `window` bars (fewer when the history is shorter). Needs at least two bars.
Result<HistoryStats> ComputeHistoryStats(const std::vector<DailyBar>& bars, std::size_t window = kDefaultStatsWindow);

// Stock search for a query typed by a person. Matches a code prefix (case-insensitive), a substring of the
// Korean name, or a case-insensitive (ASCII) substring of the English name. Ranked: exact code, exact name,
// code prefix, name prefix, other name substrings; ties keep the order of `stocks`. Leading and trailing
// spaces are ignored; an empty query matches nothing. Pointers point into `stocks`.
std::vector<const StockInfo*> Search(const std::vector<StockInfo>& stocks, std::string_view q, std::size_t limit);

}  // namespace ik::market
