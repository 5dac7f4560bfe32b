#pragma once
// The trading engine: a deterministic state machine over accounts, positions and orders. Commands and
// market ticks go in, events come out; it reads no clock, does no I/O and starts no threads, so a run
// can be replayed exactly from its inputs. Not thread-safe: one thread owns an Engine.
#include <memory>
#include <vector>

#include "market/rules.hpp"
#include "market/session.hpp"
#include "trading/types.hpp"

namespace ik::trading {

struct EngineOptions {
    market::FeeSchedule fees;
    Ppm price_limit_ppm = market::kDefaultPriceLimitPpm;
    market::MarketCalendar calendar{market::SessionMode::kKrx};  // trading days for T+2 settle dates
    // Initial session; later changes arrive as SessionChange commands.
    market::SessionState session = market::SessionState::kContinuous;
    // Ids this engine assigns (orders, fills, ledger transactions) are ≡ id_offset (mod id_stride). Engines that
    // write one database side by side (the distributed `engine` role) take distinct offsets under one stride,
    // so their ids never collide. 1/0 = every id.
    std::uint64_t id_stride = 1;
    std::uint64_t id_offset = 0;
};

// Everything needed to resume: balances, positions, open orders and the id counters. History (filled,
// canceled orders, fills, ledger) is not part of it.
struct EngineSnapshot {
    std::vector<AccountBalance> accounts;
    std::vector<Position> positions;
    std::vector<Order> open_orders;
    std::vector<market::Tick> last_ticks;          // latest quote per symbol
    std::vector<std::pair<SymbolId, Won>> previous_closes;
    OrderId next_order_id = 1;
    FillId next_fill_id = 1;
    LedgerTxnId next_ledger_txn = 1;
    std::uint64_t next_event_seq = 1;
};

class Engine final {
public:
    explicit Engine(EngineOptions options);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // Applies one command, appending the events it causes to `out`. A refused command returns an error
    // and changes nothing.
    CommandResult Apply(const Command& command, std::vector<Event>& out);

    CommandResult Open(const OpenAccount& c, std::vector<Event>& out);
    CommandResult Deposit(const trading::Deposit& c, std::vector<Event>& out);
    CommandResult Place(const PlaceOrder& c, std::vector<Event>& out);
    CommandResult Cancel(const CancelOrder& c, std::vector<Event>& out);
    CommandResult Replace(const ReplaceOrder& c, std::vector<Event>& out);
    void OnTick(const market::Tick& t, std::vector<Event>& out);
    void OnSession(const SessionChange& c, std::vector<Event>& out);
    void List(const ListSymbol& c);
    // kNotFound for a symbol that is not listed.
    CommandResult Halt(const HaltSymbol& c);

    // Resumes from a snapshot (a fresh engine only).
    void Restore(const EngineSnapshot& snapshot);
    EngineSnapshot Snapshot() const;

    // Read access for queries and tests. Pointers stay valid until the next command.
    const AccountBalance* FindAccount(AccountId id) const;
    const Position* FindPosition(AccountId id, SymbolId symbol) const;
    const Order* FindOrder(OrderId id) const;  // open orders only
    std::vector<Order> OpenOrders(AccountId id) const;
    std::vector<Position> Positions(AccountId id) const;
    market::SessionState session() const;
    const market::Tick* LastTick(SymbolId symbol) const;
    bool IsHalted(SymbolId symbol) const;
    std::size_t open_order_count() const;
    const EngineOptions& options() const;

    // Cash a buy order holds while open: reserve price × qty + commission on it. Market and stop orders
    // reserve at the upper price limit, as KRX brokers do.
    static Won BuyReservation(Won reserve_price, Qty qty, const market::FeeSchedule& fees);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace ik::trading
