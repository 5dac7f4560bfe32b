#pragma once
// The gateway's in-memory copy of every account's durable balance and positions, kept current from the
// events of each committed batch (in commit order) and seeded from the engine's state at start. Account and
// position reads are then map lookups instead of database queries. Thread-safe (readers share a lock).
#include <map>
#include <optional>
#include <span>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "trading/engine.hpp"
#include "trading/types.hpp"

namespace ik::gateway {

struct AccountView {
    trading::AccountBalance balance;
    Timestamp opened_at = 0;  // 0 = not known here (accounts loaded at start); ask the store
    std::vector<trading::Position> positions;  // qty ≠ 0 or reserved, by symbol
};

class AccountBook final {
public:
    void Load(const trading::EngineSnapshot& snapshot);
    // A committed batch's events, in order, under one lock.
    void OnEvents(std::span<const trading::Event> events);
    std::optional<AccountView> Get(trading::AccountId id) const;
    void SetOpenedAt(trading::AccountId id, Timestamp ts);

private:
    struct Entry {
        trading::AccountBalance balance;
        Timestamp opened_at = 0;
        std::map<market::SymbolId, trading::Position> positions;
    };
    mutable std::shared_mutex mutex_;
    std::unordered_map<trading::AccountId, Entry> accounts_;
};

}  // namespace ik::gateway
