#include "alerts/index.hpp"

#include <algorithm>

namespace ik::alerts {

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
    if (it != v.end() && it->id == e.id) v.erase(it);
}

Status AlertIndex::Add(const Rule& rule) {
    if (rules_.contains(rule.id))
        return MakeError(ErrorCode::kAlreadyExists, "alert " + std::to_string(rule.id) + " is indexed");
    if (rule.symbol >= kMaxStocks) return MakeError(ErrorCode::kInvalidArgument, "alert without a known stock");
    Stock& s = StockOf(rule.symbol);
    const Side side = SideOf(rule.kind);
    if ((rule.kind == Kind::kChangePctAtOrAbove || rule.kind == Kind::kChangePctAtOrBelow) && s.previous_close <= 0) {
        return MakeError(ErrorCode::kInvalidArgument, "no previous close for the stock of a change alert");
    }
    Insert(s, side, Entry{EntryLevel(rule, s), rule.id});
    rules_.emplace(rule.id, rule);
    return {};
}

bool AlertIndex::Remove(AlertId id) {
    const auto it = rules_.find(id);
    if (it == rules_.end()) return false;
    Stock& s = stocks_[it->second.symbol];
    Erase(s, SideOf(it->second.kind), Entry{EntryLevel(it->second, s), id});
    rules_.erase(it);
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
            const Rule& r = rules_.at(e.id);
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

void AlertIndex::FireRange(Stock& s, Side side, std::size_t begin, std::size_t end, const market::Tick& t,
                           Qty day_volume, std::vector<Firing>& fired) {
    auto& v = s.side[side];
    // Down moves fire from the level nearest the old price: walk the range backwards for them.
    const bool backwards = side == kDown;
    std::size_t kept = 0;  // entries of the range that stay, compacted to its front
    std::vector<Entry> stays;
    for (std::size_t n = 0; n < end - begin; ++n) {
        const std::size_t i = backwards ? end - 1 - n : begin + n;
        const Entry e = v[i];
        Rule& r = rules_.at(e.id);
        const bool expired = r.expires_at != 0 && t.ts >= r.expires_at;
        const bool cooling =
            r.mode == Mode::kRepeat && r.last_fired != 0 && t.ts < r.last_fired + r.cooldown_s * kNanosPerSecond;
        if (!expired && !cooling) {
            fired.push_back(Firing{r.id, r.user, r.symbol, r.kind, r.mode, r.channels, t.price, day_volume, t.ts});
            r.last_fired = t.ts;
        }
        if (!expired && r.mode == Mode::kRepeat) {
            stays.push_back(e);
            ++kept;
        } else {
            rules_.erase(e.id);
        }
    }
    if (kept == end - begin) return;
    if (backwards) std::reverse(stays.begin(), stays.end());
    std::copy(stays.begin(), stays.end(), v.begin() + static_cast<std::ptrdiff_t>(begin));
    v.erase(v.begin() + static_cast<std::ptrdiff_t>(begin + kept), v.begin() + static_cast<std::ptrdiff_t>(end));
}

void AlertIndex::OnTick(const market::Tick& t, std::vector<Firing>& fired) {
    if (t.symbol >= stocks_.size() || t.price <= 0) {
        if (t.price > 0 && t.symbol < kMaxStocks) StockOf(t.symbol).last = t.price;  // no rules yet: P0 only
        return;
    }
    Stock& s = stocks_[t.symbol];
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
