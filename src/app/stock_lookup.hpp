#pragma once
// What is known of a KRX code beyond the stored stock master: the built-in defaults (market::DefaultUniverse),
// then krx-listing.csv under market.data_source, with the previous close taken from daily/<code>.csv when
// there is one. The one lookup behind both the configured symbols at start and the stocks an admin lists at
// run time. Files are read once and kept for the object's lifetime. Thread-safe.
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "market/listing.hpp"
#include "market/symbols.hpp"
#include "storage/store.hpp"

namespace ik::app {

class StockLookup final {
public:
    // `data_source`: market.data_source; empty = the built-in defaults only.
    explicit StockLookup(std::string data_source);

    // The stock as far as it is known, its previous close from the daily history when there is one (else the
    // default's, else 0); nullopt when the code is neither built in nor in the listing. Errors: a listing or
    // daily file that cannot be read (kNotFound, kDataLoss).
    Result<std::optional<market::StockInfo>> Find(const std::string& code);
    // daily/<code>.csv, read once and kept; nullptr when there is no data source or no such file. The bars live
    // as long as this object.
    Result<const std::vector<market::DailyBar>*> DailyHistory(const std::string& code);

private:
    Result<const std::vector<market::DailyBar>*> DailyHistoryLocked(const std::string& code);

    std::mutex mutex_;
    const std::string dir_;
    const std::vector<market::StockInfo> defaults_;
    std::optional<std::vector<market::StockInfo>> listing_;       // krx-listing.csv, loaded on first need
    std::map<std::string, std::vector<market::DailyBar>> daily_;  // node-based: pointers stay valid
};

// The universe of the distributed roles: the codes of market.symbols, all active, numbered in that order (so
// every role with the same configuration agrees on the ids). kInvalidArgument naming `role` for a code that no
// listing knows.
Status BuildConfiguredUniverse(StockLookup& lookup, const std::vector<std::string>& symbols, std::string_view role,
                               market::Universe& universe);

// Adds the daily history of `symbol` to `batch` as 1-day bars (charts and the market data API read them like
// any other bars), unless the store already holds the newest of them: a restart costs one query per symbol.
Status AppendDailyBars(storage::ServiceStore& store, market::SymbolId symbol,
                       const std::vector<market::DailyBar>& history, storage::WriteBatch& batch);

}  // namespace ik::app
