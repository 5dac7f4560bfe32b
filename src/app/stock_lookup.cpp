#include "app/stock_lookup.hpp"

#include <cstdint>
#include <filesystem>

namespace ik::app {

StockLookup::StockLookup(std::string data_source)
    : dir_(std::move(data_source)), defaults_(market::DefaultUniverse()) {}

Result<std::optional<market::StockInfo>> StockLookup::Find(const std::string& code) {
    std::lock_guard lock(mutex_);
    std::optional<market::StockInfo> info;
    for (const auto& d : defaults_) {
        if (d.code == code) info = d;
    }
    if (!info && !dir_.empty()) {
        if (!listing_) {
            auto loaded = market::LoadListing((std::filesystem::path(dir_) / "krx-listing.csv").string());
            if (!loaded) return std::unexpected(loaded.error());
            listing_ = std::move(*loaded);
        }
        for (const auto& s : *listing_) {
            if (s.code == code) info = s;
        }
    }
    if (!info) return info;
    auto bars = DailyHistoryLocked(code);
    if (!bars) return std::unexpected(bars.error());
    if (*bars && !(*bars)->empty()) info->previous_close = (*bars)->back().close;
    return info;
}

Result<const std::vector<market::DailyBar>*> StockLookup::DailyHistory(const std::string& code) {
    std::lock_guard lock(mutex_);
    return DailyHistoryLocked(code);
}

Result<const std::vector<market::DailyBar>*> StockLookup::DailyHistoryLocked(const std::string& code) {
    if (dir_.empty()) return nullptr;
    if (auto it = daily_.find(code); it != daily_.end()) return &it->second;
    const auto path = std::filesystem::path(dir_) / "daily" / (code + ".csv");
    if (!std::filesystem::exists(path)) return nullptr;
    auto bars = market::LoadDailyCsv(path.string());
    if (!bars) return std::unexpected(bars.error());
    return &daily_.emplace(code, std::move(*bars)).first->second;
}

Status AppendDailyBars(storage::ServiceStore& store, market::SymbolId symbol,
                       const std::vector<market::DailyBar>& history, storage::WriteBatch& batch) {
    if (history.empty()) return {};
    auto stored = store.LoadBars(symbol, 86'400, FromKst(history.back().date, 0, 0), INT64_MAX);
    if (!stored) return std::unexpected(stored.error());
    if (!stored->empty()) return {};
    for (const auto& d : history) {
        batch.bars.push_back(
            market::Bar{symbol, FromKst(d.date, 0, 0), 86'400, d.open, d.high, d.low, d.close, d.volume, 0});
    }
    return {};
}

Status BuildConfiguredUniverse(StockLookup& lookup, const std::vector<std::string>& symbols, std::string_view role,
                               market::Universe& universe) {
    for (const std::string& code : symbols) {
        auto info = lookup.Find(code);
        if (!info) return std::unexpected(info.error());
        if (!*info) {
            return MakeError(ErrorCode::kInvalidArgument,
                             std::string(role) + ": market.symbols has " + code + ", which no listing knows");
        }
        auto id = universe.Upsert(std::move(**info));
        if (!id) return std::unexpected(id.error());
        if (auto s = universe.SetStatus(*id, market::ListingStatus::kActive); !s) return s;
    }
    return {};
}

}  // namespace ik::app
