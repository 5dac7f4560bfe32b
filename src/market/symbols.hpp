#pragma once
// The stock master: what a symbol is (code, names, market, sector, previous close) and the Universe of
// listings with dense SymbolIds and a trading status each. The Universe is safe for concurrent readers beside
// a writer that lists or updates stocks at run time (see the class comment).
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
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

// Whether a stock of the master can be traded: kActive (tradable), kHalted (listed, trading suspended) or
// kInactive (known, not tradable).
enum class ListingStatus : std::uint8_t { kInactive, kActive, kHalted };
std::string_view ListingStatusName(ListingStatus s);  // "inactive" | "active" | "halted"
Result<ListingStatus> ParseListingStatus(std::string_view text);
constexpr bool IsListed(ListingStatus s) { return s != ListingStatus::kInactive; }

// The stock master with dense SymbolIds (new stocks append; an id is never reused or moved) and each stock's
// ListingStatus. Thread-safe for any number of readers beside writers (writers are serialised internally):
// records are immutable and never freed while the Universe lives; an update stores a new record and publishes
// its pointer atomically, so a `const StockInfo&` from Get() stays valid (and unchanged) for the Universe's
// lifetime. Get, size and status never block; Find takes a shared lock. Capacity is fixed at kCapacity stocks.
// Moving is for set-up only (no concurrent access while it runs).
class Universe final {
public:
    static constexpr std::size_t kCapacity = 16'384;

    Universe();
    ~Universe();
    Universe(Universe&& other) noexcept;
    Universe(const Universe&) = delete;
    Universe& operator=(const Universe&) = delete;
    Universe& operator=(Universe&&) = delete;

    // Adds a stock (status kInactive) or replaces the record of the stock with that code; returns its id.
    // Updating keeps the id and the status. kFailedPrecondition when adding beyond kCapacity.
    Result<SymbolId> Upsert(StockInfo info);
    // Publishes a copy of the record with a new previous close. kNotFound for an unknown id.
    Status SetPreviousClose(SymbolId id, Won previous_close);
    // kNotFound for an unknown id.
    Status SetStatus(SymbolId id, ListingStatus status);

    std::optional<SymbolId> Find(std::string_view code) const;
    // The current record; std::out_of_range for id >= size().
    const StockInfo& Get(SymbolId id) const;
    // kInactive for an unknown id.
    ListingStatus status(SymbolId id) const;
    std::size_t size() const { return size_.load(std::memory_order_acquire); }
    // A copy of every current record, in id order.
    std::vector<StockInfo> all() const;

private:
    struct CodeHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    // Stores `info` as a new record and publishes it in slot `id`; mutex_ held exclusively.
    void Publish(SymbolId id, StockInfo info);

    mutable std::shared_mutex mutex_;                         // writers exclusively; Find() shared
    std::vector<std::unique_ptr<const StockInfo>> records_;   // every record ever published (mutex_)
    std::unique_ptr<std::atomic<const StockInfo*>[]> slots_;  // kCapacity; [0, size_) published
    std::unique_ptr<std::atomic<ListingStatus>[]> status_;    // kCapacity
    std::atomic<std::size_t> size_{0};
    std::unordered_map<std::string, SymbolId, CodeHash, std::equal_to<>> by_code_;  // mutex_
};

}  // namespace ik::market
