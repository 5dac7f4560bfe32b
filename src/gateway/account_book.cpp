#include "gateway/account_book.hpp"

#include <mutex>

namespace ik::gateway {

void AccountBook::Load(const trading::EngineSnapshot& snapshot) {
    std::unique_lock lock(mutex_);
    for (const auto& a : snapshot.accounts) accounts_[a.id].balance = a;
    for (const auto& p : snapshot.positions) accounts_[p.account].positions[p.symbol] = p;
}

void AccountBook::OnEvents(std::span<const trading::Event> events) {
    if (events.empty()) return;
    std::unique_lock lock(mutex_);
    for (const trading::Event& e : events) {
        Entry& entry = accounts_[e.balance.id];
        entry.balance = e.balance;
        if (e.type == trading::EventType::kAccountOpened) entry.opened_at = e.ts;
        if (e.has_position) entry.positions[e.position.symbol] = e.position;
    }
}

std::optional<AccountView> AccountBook::Get(trading::AccountId id) const {
    std::shared_lock lock(mutex_);
    auto it = accounts_.find(id);
    if (it == accounts_.end()) return std::nullopt;
    AccountView v{it->second.balance, it->second.opened_at, {}};
    for (const auto& [symbol, p] : it->second.positions) {
        if (p.qty != 0 || p.reserved_qty != 0) v.positions.push_back(p);
    }
    return v;
}

void AccountBook::SetOpenedAt(trading::AccountId id, Timestamp ts) {
    std::unique_lock lock(mutex_);
    auto it = accounts_.find(id);
    if (it != accounts_.end()) it->second.opened_at = ts;
}

}  // namespace ik::gateway
