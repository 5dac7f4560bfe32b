#pragma once
// MarketSimulator: a deterministic random-walk market for the demo and for tests. Each symbol starts at its
// previous close and moves by a per-symbol volatility scaled to the tick interval; every emitted price is
// an integer on the KRX tick grid inside the day's ±30 % band (ComputeKrxPriceBand, never wider than
// ComputePriceBand, so every tick is valid under either), the ask is exactly one tick above the bid,
// and the last trade is at the bid or the ask. The same seed gives the same ticks on any machine: its own
// PRNG (xoshiro256**), one stream per symbol, and only IEEE-exact arithmetic (+ − × ÷ √) on the tick path.
// Timestamps come from the caller; the simulator never reads a clock. Not thread-safe: one owner thread.
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/money.hpp"
#include "common/time.hpp"
#include "market/listing.hpp"
#include "market/rules.hpp"
#include "market/source.hpp"
#include "market/tick.hpp"

namespace ik::market {

// How one symbol moves and trades.
struct SimSymbolParams {
    double daily_volatility = 0.02;     // standard deviation of a day's log return; 0 … 1
    Qty mean_daily_volume = 1'000'000;  // shares per trading day; ≥ 1
    Ppm price_limit_ppm = kDefaultPriceLimitPpm;
};

// Parameters for a code: the five default stocks carry figures measured from shared/data/daily (last 250
// trading days to 2026-07-24), compiled in; any other code gets SimSymbolParams{}.
SimSymbolParams DefaultSimParams(std::string_view code);
// Parameters seeded from a stock's history (volatility and mean volume; the start price is stats.last_close).
SimSymbolParams SimParamsFromHistory(const HistoryStats& stats);

struct SimulatorOptions {
    std::uint64_t seed = 20'260'724;
    std::int64_t tick_interval_ns = kNanosPerSecond;  // simulated time one Step represents
    std::int64_t trading_seconds_per_day = 23'400;    // 6.5 h: scales daily volatility and volume to a tick
};

class MarketSimulator final : public PriceSource {
public:
    // Throws std::invalid_argument for a non-positive interval or trading day, or an interval longer than the
    // trading day (start-up failures).
    explicit MarketSimulator(SimulatorOptions options = {});

    // Adds a symbol starting at previous_close, which also anchors its price band. Errors: kAlreadyExists
    // for a symbol already added; kInvalidArgument for kNoSymbol, out-of-range parameters, or a previous
    // close whose band cannot hold a bid and an ask one tick apart.
    Status AddSymbol(SymbolId symbol, Won previous_close, SimSymbolParams params = {});
    bool RemoveSymbol(SymbolId symbol);
    // A paused symbol (trading halted) is skipped by Step and Poll; its walk and random stream wait where they
    // are, and other symbols' ticks are unchanged. kNotFound for an unknown symbol.
    Status SetPaused(SymbolId symbol, bool paused);
    bool HasSymbol(SymbolId symbol) const { return symbols_.contains(symbol); }
    std::size_t size() const { return symbols_.size(); }

    // Advances one symbol by one tick interval and returns its tick stamped `now`. Other symbols' streams
    // are untouched. kNotFound for an unknown symbol.
    Result<Tick> NextTick(SymbolId symbol, Timestamp now);
    // One tick per symbol not paused, in SymbolId order, each advancing one tick interval.
    std::vector<Tick> Step(Timestamp now);
    // PriceSource: a Step when at least one tick interval has passed since the last Poll that produced one
    // (the first Poll always does), otherwise nothing. A late poll yields one round, not a burst of catch-up.
    std::vector<Tick> Poll(Timestamp now) override;

    // Starts a new trading day: each symbol's previous close becomes its last trade and its band moves with
    // it (a band too narrow to quote in keeps the old one).
    void RollDay();

    // Continues a symbol's walk from a price seen before a restart, clamped into its band, so prices do not
    // jump back to the previous close. kNotFound for an unknown symbol, kInvalidArgument for price ≤ 0.
    Status Resume(SymbolId symbol, Won last_price);
    std::optional<PriceBand> Band(SymbolId symbol) const;
    std::optional<Won> PreviousClose(SymbolId symbol) const;
    const SimulatorOptions& options() const { return options_; }

private:
    // xoshiro256** (Blackman & Vigna), seeded through splitmix64: small, fast and fully specified, unlike
    // std:: distributions whose output differs between standard libraries.
    struct Rng {
        std::uint64_t s[4] = {};
        std::uint64_t Next();
        double Uniform();  // [0, 1) with 53 random bits
    };

    struct SymbolState {
        Won previous_close = 0;
        PriceBand band;
        SimSymbolParams params;
        double sigma_tick = 0.0;       // volatility of one tick interval
        double volume_per_tick = 0.0;  // mean shares per tick
        double mid = 0.0;              // the walk's continuous price, in won, kept inside the band
        Won last_price = 0;
        bool paused = false;
        Rng rng;
    };

    static Rng SeedStream(std::uint64_t seed, SymbolId symbol);
    static bool CanQuote(const PriceBand& band);
    Tick Advance(SymbolId symbol, SymbolState& s, Timestamp now);

    SimulatorOptions options_;
    std::map<SymbolId, SymbolState> symbols_;
    std::optional<Timestamp> next_poll_due_;
};

}  // namespace ik::market
