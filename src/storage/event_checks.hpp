#pragma once
// Checks on an engine event before a store writes it, shared by the SQLite and MariaDB service stores.
// Stateless; internal to the storage module.
#include <cstddef>
#include <string>

#include "common/error.hpp"
#include "common/money.hpp"
#include "trading/engine.hpp"
#include "trading/types.hpp"

namespace ik::storage::events {

// "event <seq> (<type>)", for errors about one event.
inline std::string EventLabel(const trading::Event& e) {
    return "event " + std::to_string(e.seq) + " (" + std::string(trading::EventTypeName(e.type)) + ")";
}

// kInvalidArgument naming the event.
inline Status Invalid(const trading::Event& e, const std::string& what) {
    return MakeError(ErrorCode::kInvalidArgument, EventLabel(e) + ": " + what);
}

// The ledger transaction of an event must be well formed before it is written: the database would store an
// unbalanced one faithfully, and Verify would find it only later.
inline Status CheckLedger(const trading::Event& e) {
    const trading::LedgerTxn& l = e.ledger;
    if (l.count > trading::kMaxLedgerEntries) return Invalid(e, "ledger has " + std::to_string(l.count) + " entries");
    if (l.count > 0 && l.id == 0) return Invalid(e, "ledger entries without a transaction id");
    Won sum = 0;
    for (std::size_t i = 0; i < l.count; ++i) {
        if (__builtin_add_overflow(sum, l.entries[i].amount, &sum)) {
            return Invalid(e, "ledger transaction " + std::to_string(l.id) + " overflows int64");
        }
    }
    if (sum != 0) {
        return Invalid(
            e, "ledger transaction " + std::to_string(l.id) + " does not balance (sums to " + FormatWon(sum) + ")");
    }
    return {};
}

}  // namespace ik::storage::events
