#include "alerts/index.hpp"

#include <algorithm>

namespace ik::alerts {

namespace {

// When a repeat rule may fire again: its last firing plus the cooldown (0: now).
Timestamp QuietUntil(const Rule& r) {
    if (r.mode != Mode::kRepeat || r.last_fired == 0 || r.cooldown_s <= 0) return 0;
    return r.last_fired + r.cooldown_s * kNanosPerSecond;
}

}  // namespace

AlertIndex::Side AlertIndex::SideOf(Kind k) {
    switch (k) {
        case Kind::kPriceAtOrAbove:
        case Kind::kChangePctAtOrAbove: return kUp;
        case Kind::kPriceAtOrBelow:
        case Kind::kChangePctAtOrBelow: return kDown;
        case Kind::kVolumeAbove: return kVolume;
    }
    return kUp;
}

Won AlertIndex::EntryLevel(const Rule& r, const Stock& s) const {
    if (r.kind == Kind::kChangePctAtOrAbove || r.kind == Kind::kChangePctAtOrBelow) {
        return ChangeLevelPrice(r.kind, r.level, s.previous_close);
    }
    return r.level;
}

AlertIndex::Stock& AlertIndex::StockOf(market::SymbolId symbol) {
    if (symbol >= stocks_.size()) stocks_.resize(symbol + 1);
    return stocks_[symbol];
}

void AlertIndex::Insert(Stock& s, Side side, Entry e) {
    auto& v = s.side[side];
    v.insert(std::upper_bound(v.begin(), v.end(), e), e);
}

void AlertIndex::Erase(Stock& s, Side side, Entry e) {
    auto& v = s.side[side];
    const auto it = std::lower_bound(v.begin(), v.end(), e);
    if (it != v.end() && it->slot == e.slot) v.erase(it);
}

void AlertIndex::Free(std::uint32_t slot) {
    slot_of_.erase(slab_[slot].rule.id);
    slab_[slot] = Slot{};
    free_.push_back(slot);
}

Status AlertIndex::Add(const Rule& rule) {
    if (slot_of_.contains(rule.id)) {
        return MakeError(ErrorCode::kAlreadyExists, "alert " + std::to_string(rule.id) + " is indexed");
    }
    if (rule.symbol >= kMaxStocks) return MakeError(ErrorCode::kInvalidArgument, "alert without a known stock");
    Stock& s = StockOf(rule.symbol);
    if ((rule.kind == Kind::kChangePctAtOrAbove || rule.kind == Kind::kChangePctAtOrBelow) && s.previous_close <= 0) {
        return MakeError(ErrorCode::kInvalidArgument, "no previous close for the stock of a change alert");
    }
    std::uint32_t slot;
    if (!free_.empty()) {
        slot = free_.back();
        free_.pop_back();
    } else {
        slot = static_cast<std::uint32_t>(slab_.size());
        slab_.emplace_back();
    }
    slab_[slot].rule = rule;
    slot_of_.emplace(rule.id, slot);
    Insert(s, SideOf(rule.kind), Entry{EntryLevel(rule, s), QuietUntil(rule), slot});
    return {};
}

bool AlertIndex::Remove(AlertId id) {
    const auto it = slot_of_.find(id);
    if (it == slot_of_.end()) return false;
    const std::uint32_t slot = it->second;
    const Rule& r = slab_[slot].rule;
    Stock& s = stocks_[r.symbol];
    Erase(s, SideOf(r.kind), Entry{EntryLevel(r, s), 0, slot});
    Free(slot);
    return true;
}

void AlertIndex::SetPreviousClose(market::SymbolId symbol, Won previous_close) {
    if (symbol >= kMaxStocks) return;
    Stock& s = StockOf(symbol);
    if (s.previous_close == previous_close) return;
    s.previous_close = previous_close;
    // The change rules' levels move with the close: recompute both price sides' change entries and re-sort.
    for (Side side : {kUp, kDown}) {
        bool moved = false;
        for (Entry& e : s.side[side]) {
            const Rule& r = slab_[e.slot].rule;
            if (r.kind == Kind::kChangePctAtOrAbove || r.kind == Kind::kChangePctAtOrBelow) {
                e.level = EntryLevel(r, s);
                moved = true;
            }
        }
        if (moved) std::sort(s.side[side].begin(), s.side[side].end());
    }
}

void AlertIndex::SetLastPrice(market::SymbolId symbol, Won price) {
    if (symbol < kMaxStocks) StockOf(symbol).last = price;
}

void AlertIndex::StartDay() {
    for (Stock& s : stocks_) s.day_volume = 0;
}

void AlertIndex::StartDay(market::SymbolId symbol, Won previous_close) {
    if (symbol >= kMaxStocks) return;
    StockOf(symbol).day_volume = 0;
    if (previous_close > 0) SetPreviousClose(symbol, previous_close);
}

AlertIndex::StockState AlertIndex::State(market::SymbolId symbol) const {
    if (symbol >= stocks_.size()) return {};
    const Stock& s = stocks_[symbol];
    return StockState{s.last, s.previous_close, s.day_volume};
}

void AlertIndex::Restore(market::SymbolId symbol, const StockState& state) {
    if (symbol >= kMaxStocks) return;
    if (state.previous_close > 0) SetPreviousClose(symbol, state.previous_close);
    Stock& s = StockOf(symbol);
    s.last = state.last;
    s.day_volume = state.day_volume;
}

void AlertIndex::FireRange(Stock& s, Side side, std::size_t begin, std::size_t end, const market::Tick& t,
                           Qty day_volume, std::vector<Firing>& fired) {
    auto& v = s.side[side];
    // Fire in crossing order: up and volume from the lowest level, down from the highest.
    const bool backwards = side == kDown;
    bool any_gone = false;
    for (std::size_t n = 0; n < end - begin; ++n) {
        Entry& e = v[backwards ? end - 1 - n : begin + n];
        if (t.ts < e.quiet_until) continue;  // cooling down: skipped, not postponed
        Slot& slot = slab_[e.slot];
        Rule& r = slot.rule;
        if (r.expires_at != 0 && t.ts >= r.expires_at) {
            slot.gone = any_gone = true;
            continue;
        }
        fired.push_back(
            Firing{r.id, r.user, r.symbol, r.kind, r.mode, r.channels, t.price, day_volume, t.ts, r.version});
        r.last_fired = t.ts;
        e.quiet_until = QuietUntil(r);
        if (r.mode == Mode::kOnce) slot.gone = any_gone = true;
    }
    if (!any_gone) return;
    const auto first = v.begin() + static_cast<std::ptrdiff_t>(begin);
    const auto last = v.begin() + static_cast<std::ptrdiff_t>(end);
    const auto kept = std::remove_if(first, last, [&](const Entry& e) {
        if (!slab_[e.slot].gone) return false;
        Free(e.slot);
        return true;
    });
    v.erase(kept, last);
}

void AlertIndex::OnTick(const market::Tick& t, std::vector<Firing>& fired) {
    if (t.symbol >= kMaxStocks || t.price <= 0) return;
    Stock& s = StockOf(t.symbol);
    const Won p0 = s.last;
    const Won p1 = t.price;
    const Qty v0 = s.day_volume;
    const Qty v1 = v0 + std::max<Qty>(t.volume, 0);
    s.last = p1;
    s.day_volume = v1;
    auto by_level = [](const Entry& e, Won level) { return e.level < level; };
    auto level_below = [](Won level, const Entry& e) { return level < e.level; };
    if (p0 > 0 && p1 > p0 && !s.side[kUp].empty()) {
        auto& v = s.side[kUp];
        // P0 < L ≤ P1
        const auto first = std::upper_bound(v.begin(), v.end(), p0, level_below);
        const auto last = std::upper_bound(first, v.end(), p1, level_below);
        if (first != last) FireRange(s, kUp, first - v.begin(), last - v.begin(), t, v1, fired);
    } else if (p0 > 0 && p1 < p0 && !s.side[kDown].empty()) {
        auto& v = s.side[kDown];
        // P1 ≤ L < P0
        const auto first = std::lower_bound(v.begin(), v.end(), p1, by_level);
        const auto last = std::lower_bound(first, v.end(), p0, by_level);
        if (first != last) FireRange(s, kDown, first - v.begin(), last - v.begin(), t, v1, fired);
    }
    if (v1 > v0 && !s.side[kVolume].empty()) {
        auto& v = s.side[kVolume];
        // V0 ≤ L < V1
        const auto first = std::lower_bound(v.begin(), v.end(), v0, by_level);
        const auto last = std::lower_bound(first, v.end(), v1, by_level);
        if (first != last) FireRange(s, kVolume, first - v.begin(), last - v.begin(), t, v1, fired);
    }
}

}  // namespace ik::alerts
