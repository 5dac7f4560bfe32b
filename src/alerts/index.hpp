#pragma once
// The rules of every user, indexed so that a tick touches only the rules it fires (the original scanned the
// alarm table for every tick).
//
// Crossing semantics. Per stock the index remembers the last price P0 and the day's traded volume V0. A tick
// at P1 with volume v:
//   - fires the at-or-above price levels L with P0 < L ≤ P1 (the price rose to or through them: equality fires,
//     a gap through a level fires), and the at-or-below levels with P1 ≤ L < P0;
//   - fires the volume levels L with V0 ≤ L < V0 + v (the day's volume went above them).
// So a rule whose condition already holds when it is created (an at-or-above level at or under the market)
// does not fire until the market leaves and comes back: it fires on a crossing, never on a state. The first
// tick of a stock only sets P0. Change-% rules stand for the price level their percentage gives over the
// previous close (ChangeLevelPrice), recomputed when the close changes (a new day).
//
// A fired `once` rule leaves the index; a `repeat` rule stays and fires again at its next crossing, unless that
// comes within its cooldown of the last firing (then it is skipped, not postponed). A rule at or past its
// expiry does not fire and leaves the index. Per stock, each direction is one vector sorted by level: a tick
// costs two binary searches plus the rules it fires. Owned by one thread.
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "alerts/rules.hpp"
#include "common/error.hpp"
#include "market/tick.hpp"

namespace ik::alerts {

struct Firing {
    AlertId id = 0;
    UserId user = 0;
    market::SymbolId symbol = market::kNoSymbol;
    Kind kind = Kind::kPriceAtOrAbove;
    Mode mode = Mode::kOnce;
    std::uint8_t channels = kInApp;
    Won price = 0;       // the tick's price
    Qty day_volume = 0;  // the day's volume after the tick
    Timestamp ts = 0;    // the tick's time
    Timestamp version = 0;  // the rule's (Rule::version)
};

class AlertIndex {
public:
    // Stocks the index takes ids of (the Universe's capacity): a larger SymbolId is refused or ignored.
    static constexpr std::size_t kMaxStocks = 16'384;

    // Adds a rule. kAlreadyExists for a known id; kInvalidArgument for a symbol without a previous close when
    // the rule is a change rule (SetPreviousClose first).
    Status Add(const Rule& rule);
    // Removes a rule; false when it is not there.
    bool Remove(AlertId id);
    bool Contains(AlertId id) const { return slot_of_.contains(id); }
    std::size_t size() const { return slot_of_.size(); }

    // The reference of the change rules of `symbol`; their levels move with it.
    void SetPreviousClose(market::SymbolId symbol, Won previous_close);
    // The last known price of `symbol` (P0), e.g. from the stored last tick after a restart.
    void SetLastPrice(market::SymbolId symbol, Won price);
    // A new trading day: every day volume starts again from 0.
    void StartDay();
    // A new trading day for one stock: its day volume starts from 0 and, when given (> 0), its previous close
    // moves (the last trade of the day before).
    void StartDay(market::SymbolId symbol, Won previous_close);

    // What the index knows of a stock besides its rules: kept with the evaluator's marks across restarts.
    struct StockState {
        Won last = 0;  // P0; 0 = no tick yet
        Won previous_close = 0;
        Qty day_volume = 0;
    };
    StockState State(market::SymbolId symbol) const;
    void Restore(market::SymbolId symbol, const StockState& state);

    // Evaluates one tick; appends what it fired, in level order (closest to P0 first).
    void OnTick(const market::Tick& tick, std::vector<Firing>& fired);

private:
    // A rule's place in a stock's sorted side; `slot` indexes slab_ (no hashing on the tick path).
    struct Entry {
        Won level;                  // won for price and change rules, shares for volume rules
        Timestamp quiet_until = 0;  // a repeat rule's cooldown end: crossings before it skip the rule unread
        std::uint32_t slot = 0;
        friend bool operator<(const Entry& a, const Entry& b) {
            return a.level < b.level || (a.level == b.level && a.slot < b.slot);
        }
    };
    struct Slot {
        Rule rule;
        bool gone = false;  // fired (once) or expired during the current tick; freed after it
    };
    enum Side : std::uint8_t { kUp, kDown, kVolume };
    struct Stock {
        Won last = 0;  // P0; 0 = none yet
        Won previous_close = 0;
        Qty day_volume = 0;  // V0
        std::vector<Entry> side[3];
    };

    static Side SideOf(Kind k);
    Won EntryLevel(const Rule& r, const Stock& s) const;
    Stock& StockOf(market::SymbolId symbol);
    void Insert(Stock& s, Side side, Entry e);
    void Erase(Stock& s, Side side, Entry e);
    void Free(std::uint32_t slot);
    // Fires the entries of s.side[side] in [begin, end) (indices), removing the once and expired ones.
    void FireRange(Stock& s, Side side, std::size_t begin, std::size_t end, const market::Tick& t, Qty day_volume,
                   std::vector<Firing>& fired);

    std::vector<Stock> stocks_;        // by SymbolId
    std::vector<Slot> slab_;           // the rules, by slot
    std::vector<std::uint32_t> free_;  // slots to reuse
    std::unordered_map<AlertId, std::uint32_t> slot_of_;
};

}  // namespace ik::alerts
