#include "market/symbols.hpp"

#include <mutex>
#include <stdexcept>

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

std::string_view ListingStatusName(ListingStatus s) {
    switch (s) {
        case ListingStatus::kInactive: return "inactive";
        case ListingStatus::kActive: return "active";
        case ListingStatus::kHalted: return "halted";
    }
    return "inactive";
}

Result<ListingStatus> ParseListingStatus(std::string_view text) {
    if (text == "inactive") return ListingStatus::kInactive;
    if (text == "active") return ListingStatus::kActive;
    if (text == "halted") return ListingStatus::kHalted;
    return MakeError(ErrorCode::kInvalidArgument,
                     "unknown status '" + std::string(text) + "' (expected active, halted or inactive)");
}

Universe::Universe()
    // Value-initialised: every slot null, every status kInactive (0).
    : slots_(new std::atomic<const StockInfo*>[kCapacity]()), status_(new std::atomic<ListingStatus>[kCapacity]()) {}

Universe::~Universe() = default;

Universe::Universe(Universe&& other) noexcept
    : records_(std::move(other.records_)),
      slots_(std::move(other.slots_)),
      status_(std::move(other.status_)),
      size_(other.size_.exchange(0)),
      by_code_(std::move(other.by_code_)) {}

void Universe::Publish(SymbolId id, StockInfo info) {
    records_.push_back(std::make_unique<const StockInfo>(std::move(info)));
    // Release: a reader that loads the pointer sees the record's contents.
    slots_[id].store(records_.back().get(), std::memory_order_release);
}

Result<SymbolId> Universe::Upsert(StockInfo info) {
    std::unique_lock lock(mutex_);
    if (auto it = by_code_.find(info.code); it != by_code_.end()) {
        const SymbolId id = it->second;
        Publish(id, std::move(info));
        return id;
    }
    const std::size_t n = size_.load(std::memory_order_relaxed);
    if (n >= kCapacity) {
        return MakeError(ErrorCode::kFailedPrecondition, "the universe is full: at most " + std::to_string(kCapacity) +
                                                             " stocks; " + info.code + " was not added");
    }
    const auto id = static_cast<SymbolId>(n);
    std::string code = info.code;
    Publish(id, std::move(info));
    // The slot is published before the size that makes it visible, and both before the code that finds it.
    size_.store(n + 1, std::memory_order_release);
    by_code_.emplace(std::move(code), id);
    return id;
}

Status Universe::SetPreviousClose(SymbolId id, Won previous_close) {
    std::unique_lock lock(mutex_);
    if (id >= size_.load(std::memory_order_relaxed)) {
        return MakeError(ErrorCode::kNotFound, "no stock with id " + std::to_string(id));
    }
    StockInfo info = *slots_[id].load(std::memory_order_relaxed);
    info.previous_close = previous_close;
    Publish(id, std::move(info));
    return {};
}

Status Universe::SetStatus(SymbolId id, ListingStatus status) {
    std::unique_lock lock(mutex_);
    if (id >= size_.load(std::memory_order_relaxed)) {
        return MakeError(ErrorCode::kNotFound, "no stock with id " + std::to_string(id));
    }
    status_[id].store(status, std::memory_order_release);
    return {};
}

std::optional<SymbolId> Universe::Find(std::string_view code) const {
    std::shared_lock lock(mutex_);
    if (auto it = by_code_.find(code); it != by_code_.end()) return it->second;
    return std::nullopt;
}

const StockInfo& Universe::Get(SymbolId id) const {
    if (id >= size()) throw std::out_of_range("Universe::Get: no stock with id " + std::to_string(id));
    return *slots_[id].load(std::memory_order_acquire);
}

ListingStatus Universe::status(SymbolId id) const {
    if (id >= size()) return ListingStatus::kInactive;
    return status_[id].load(std::memory_order_acquire);
}

std::vector<StockInfo> Universe::all() const {
    const std::size_t n = size();
    std::vector<StockInfo> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) out.push_back(*slots_[i].load(std::memory_order_acquire));
    return out;
}

}  // namespace ik::market
