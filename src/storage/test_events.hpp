#pragma once
// Test and benchmark support for the storage module: a temporary directory, and an EventBuilder that produces
// engine events by hand the way the engine would (balances, reservations, positions, balanced ledger
// transactions, increasing ids), so store tests do not depend on the engine. Not part of ik_storage.
// Not thread-safe: one builder per thread.
#include <map>
#include <string>
#include <utility>

#include "market/rules.hpp"
#include "trading/types.hpp"

namespace ik::storage::testing {

// A fresh directory under the system temp directory, removed with its contents on destruction.
class TempDir final {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string File(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

// Runs SQL on a separate raw connection (as an operator or a bug would), throwing on failure; for tests that
// corrupt rows behind a store's back.
void ExecSql(const std::string& db_path, const std::string& sql);
// The first column of the first row as an integer (0 when there is no row).
std::int64_t QuerySql(const std::string& db_path, const std::string& sql);

// Every row of a table as text, ordered by all columns; for before/after comparisons.
std::string DumpTable(const std::string& db_path, const std::string& table);

class EventBuilder final {
public:
    // Ids start at the given values (several builders can share a database when their ranges differ).
    explicit EventBuilder(std::uint64_t first_id = 1, Timestamp start_ts = 1'780'000'000'000'000'000);

    trading::Event OpenAccount(trading::AccountId account, Won deposit);
    trading::Event Deposit(trading::AccountId account, Won amount);
    // Limit orders; a buy reserves price × qty + commission.
    trading::Event AcceptBuy(trading::AccountId account, market::SymbolId symbol, Qty qty, Won limit_price,
                             std::string client_order_id = "");
    trading::Event AcceptSell(trading::AccountId account, market::SymbolId symbol, Qty qty, Won limit_price,
                              std::string client_order_id = "");
    // Fills qty of an open order at price: cash, reservation, position and a balanced ledger transaction.
    trading::Event Fill(trading::OrderId order, Qty qty, Won price);
    trading::Event Cancel(trading::OrderId order);

    const trading::AccountBalance& balance(trading::AccountId id) const { return accounts_.at(id); }
    const trading::Order& order(trading::OrderId id) const { return orders_.at(id); }
    const trading::Position& position(trading::AccountId a, market::SymbolId s) const { return positions_.at({a, s}); }
    const market::FeeSchedule& fees() const { return fees_; }
    std::uint64_t last_seq() const { return seq_; }
    Timestamp now() const { return ts_; }

private:
    trading::Event Next(trading::EventType type);
    trading::LedgerTxn NewTxn();

    market::FeeSchedule fees_;
    std::uint64_t seq_;
    std::uint64_t next_order_;
    std::uint64_t next_fill_;
    std::uint64_t next_txn_;
    Timestamp ts_;
    std::map<trading::AccountId, trading::AccountBalance> accounts_;
    std::map<trading::OrderId, trading::Order> orders_;
    std::map<std::pair<trading::AccountId, market::SymbolId>, trading::Position> positions_;
};

}  // namespace ik::storage::testing
