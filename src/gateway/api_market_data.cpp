// Alpaca's v2 market data API for KRX stocks: bars (aggregated from stored 1-minute bars and daily history),
// trades and quotes (from stored ticks), latest values and snapshots (from the market cache). Prices are in
// won; Alpaca's short keys (t, o, h, l, c, v, n, vw; p, s; bp, bs, ap, as) and its paging with page_token.
#include <algorithm>
#include <map>

#include "auth/crypto.hpp"
#include "gateway/alpaca_json.hpp"
#include "gateway/api.hpp"
#include "gateway/api_support.hpp"

namespace ik::gateway {

namespace json = boost::json;

namespace {

constexpr std::int64_t kMaxDataLimit = 10'000;
constexpr std::int64_t kDay = 86'400;

struct TimeFrame {
    std::int64_t seconds = 60;  // bucket width; kDay and above bucket by KST calendar
    std::string text;
};

Result<TimeFrame> ParseTimeFrame(const std::string& s) {
    std::size_t i = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    auto n = WholeNumberText(i == 0 ? "1" : s.substr(0, i), "timeframe", 1, 59);
    if (!n) return MakeError(ErrorCode::kInvalidArgument, "invalid timeframe " + s);
    const std::string unit = s.substr(i);
    if ((unit == "Min" || unit == "T") && *n <= 59) return TimeFrame{*n * 60, s};
    if ((unit == "Hour" || unit == "H") && *n <= 23) return TimeFrame{*n * 3600, s};
    if ((unit == "Day" || unit == "D") && *n == 1) return TimeFrame{kDay, s};
    if ((unit == "Week" || unit == "W") && *n == 1) return TimeFrame{7 * kDay, s};
    return MakeError(ErrorCode::kInvalidArgument,
                     "invalid timeframe " + s + ": use 1-59Min, 1-23Hour, 1Day or 1Week");
}

// The start of the bucket a time falls in: aligned to the width for intraday frames, to KST midnight (and
// Monday for weeks) for daily and weekly ones.
Timestamp BucketStart(Timestamp ts, std::int64_t seconds) {
    if (seconds < kDay) return ts - ((ts % (seconds * kNanosPerSecond)) + seconds * kNanosPerSecond) % (seconds * kNanosPerSecond);
    Date d = ToKst(ts).date;
    if (seconds == 7 * kDay) {
        const int weekday = Weekday(d);  // 0 = Sunday
        d = CivilFromDays(DaysFromCivil(d) - (weekday + 6) % 7);
    }
    return FromKst(d, 0, 0);
}

// page_token: base64url of "<symbol index>:<next time>".
std::string PageToken(std::size_t symbol, Timestamp next) {
    return auth::Base64UrlEncode(std::to_string(symbol) + ":" + std::to_string(next));
}

}  // namespace

Result<std::vector<market::SymbolId>> Api::DataSymbols(const HttpRequest& req) const {
    std::vector<market::SymbolId> out;
    std::string list = req.Param("symbol");
    if (list.empty()) list = req.Query("symbols").value_or("");
    if (list.empty()) return MakeError(ErrorCode::kInvalidArgument, "symbols is required");
    for (const std::string& code : SplitList(list)) {
        auto id = universe_.Find(code);
        if (!id) return MakeError(ErrorCode::kInvalidArgument, "invalid symbol: " + code);
        if (std::find(out.begin(), out.end(), *id) == out.end()) out.push_back(*id);
        if (out.size() > 100) return MakeError(ErrorCode::kInvalidArgument, "at most 100 symbols per request");
    }
    if (out.empty()) return MakeError(ErrorCode::kInvalidArgument, "symbols is required");
    return out;
}

namespace {

struct Window {
    Timestamp start = 0;
    Timestamp end = 0;
    std::int64_t limit = 1000;
    bool ascending = true;
    std::size_t first_symbol = 0;
    Timestamp resume = 0;  // from the page token: where the first symbol continues
};

Result<Window> ParseWindow(const HttpRequest& req, Timestamp now, std::int64_t default_lookback_ns) {
    Window w;
    w.end = now + 1;
    w.start = now - default_lookback_ns;
    for (auto [name, target] : {std::pair{"start", &w.start}, std::pair{"end", &w.end}}) {
        if (auto v = req.Query(name)) {
            auto t = ParseTimeOrDate(*v, name);
            if (!t) return std::unexpected(t.error());
            *target = *t;
        }
    }
    if (w.end <= w.start) return MakeError(ErrorCode::kInvalidArgument, "end must be after start");
    auto limit = WholeNumberText(req.Query("limit").value_or("1000"), "limit", 1, kMaxDataLimit);
    if (!limit) return MakeError(ErrorCode::kInvalidArgument, "invalid limit, limit must be between 1 and 10000");
    w.limit = *limit;
    const std::string sort = req.Query("sort").value_or("asc");
    if (sort != "asc" && sort != "desc") return MakeError(ErrorCode::kInvalidArgument, "sort must be asc or desc");
    w.ascending = sort == "asc";
    if (auto currency = req.Query("currency"); currency && *currency != "KRW") {
        return MakeError(ErrorCode::kInvalidArgument, "prices are in KRW only; omit currency");
    }
    if (auto token = req.Query("page_token")) {
        auto raw = auth::Base64UrlDecode(*token);
        const auto colon = raw ? raw->find(':') : std::string::npos;
        if (!raw || colon == std::string::npos) return MakeError(ErrorCode::kInvalidArgument, "invalid page_token");
        auto sym = WholeNumberText(raw->substr(0, colon), "page_token", 0, 100);
        auto next = WholeNumberText(raw->substr(colon + 1), "page_token", 0, std::int64_t{1} << 62);
        if (!sym || !next) return MakeError(ErrorCode::kInvalidArgument, "invalid page_token");
        w.first_symbol = static_cast<std::size_t>(*sym);
        w.resume = *next;
    }
    return w;
}

}  // namespace

namespace {

// Merges time-ordered bars into buckets of `seconds`.
std::vector<market::Bar> Aggregate(const std::vector<market::Bar>& in, std::int64_t seconds) {
    std::vector<market::Bar> out;
    for (const auto& b : in) {
        const Timestamp bucket = BucketStart(b.start, seconds);
        if (!out.empty() && out.back().start == bucket) {
            auto& o = out.back();
            o.high = std::max(o.high, b.high);
            o.low = std::min(o.low, b.low);
            o.close = b.close;
            o.volume += b.volume;
            o.trades += b.trades;
        } else {
            market::Bar n = b;
            n.start = bucket;
            n.interval_s = seconds;
            out.push_back(n);
        }
    }
    return out;
}

}  // namespace

Result<std::vector<market::Bar>> Api::BarsOf(market::SymbolId symbol, const TimeFrameSpec& tf, Timestamp start,
                                             Timestamp end) {
    std::vector<market::Bar> out;
    if (tf.seconds < kDay) {
        auto minutes = history_.LoadBars(symbol, 60, BucketStart(start, tf.seconds), end);
        if (!minutes) return std::unexpected(minutes.error());
        out = Aggregate(*minutes, tf.seconds);
    } else {
        // Stored daily history first; the days after it come from the minutes the server recorded itself.
        const Timestamp first_day = BucketStart(start, tf.seconds);
        auto daily = history_.LoadBars(symbol, kDay, first_day, end);
        if (!daily) return std::unexpected(daily.error());
        const Timestamp minutes_from = daily->empty() ? first_day : daily->back().start + kDay * kNanosPerSecond;
        auto minutes = history_.LoadBars(symbol, 60, minutes_from, end);
        if (!minutes) return std::unexpected(minutes.error());
        std::vector<market::Bar> days = *daily;
        for (const auto& d : Aggregate(*minutes, kDay)) days.push_back(d);
        out = Aggregate(days, tf.seconds);
    }
    std::erase_if(out, [&](const market::Bar& b) { return b.start < BucketStart(start, tf.seconds) || b.start >= end; });
    return out;
}

HttpResponse Api::Bars(const HttpRequest& req, const Principal&) {
    auto symbols = DataSymbols(req);
    if (!symbols) return JsonError(400, kCodeMalformed, symbols.error().message);
    auto tf = ParseTimeFrame(req.Query("timeframe").value_or(""));
    if (!tf) return JsonError(400, kCodeMalformed, tf.error().message);
    if (auto adj = req.Query("adjustment"); adj && *adj != "raw" && *adj != "split" && *adj != "dividend" && *adj != "all") {
        return JsonError(400, kCodeMalformed, "invalid adjustment");
    }
    auto w = ParseWindow(req, clock_.Now(), tf->seconds >= kDay ? 365 * kDay * kNanosPerSecond : kDay * kNanosPerSecond);
    if (!w) return JsonError(400, kCodeMalformed, w.error().message);
    json::object bars;
    std::int64_t left = w->limit;
    std::string next;
    // Bars are read in chunks of whole buckets (a day of minutes, a year of days) until the page is full, so
    // a long range costs what the page holds, not what the range holds. A page token is where the next page
    // starts (ascending) or the end of the bucket it starts with (descending), always a bucket boundary.
    const std::int64_t width = (tf->seconds >= kDay ? (tf->seconds == kDay ? kDay : 7 * kDay) : tf->seconds) *
                               kNanosPerSecond;
    const std::int64_t chunk = tf->seconds >= kDay ? 364 * kDay * kNanosPerSecond
                                                   : width * ((kDay * kNanosPerSecond + width - 1) / width);
    for (std::size_t i = w->first_symbol; i < symbols->size() && next.empty(); ++i) {
        Timestamp start = w->start, end = w->end;
        if (i == w->first_symbol && w->resume != 0) (w->ascending ? start : end) = w->resume;
        json::array arr;
        Timestamp cur = w->ascending ? BucketStart(start, tf->seconds) : end;
        while (next.empty() && (w->ascending ? cur < end : cur > start)) {
            Timestamp from = 0, to = 0;
            if (w->ascending) {
                from = cur;
                to = std::min(cur + chunk, end);
                cur = to;
            } else {
                to = cur;
                from = std::max(BucketStart(cur - chunk, tf->seconds), BucketStart(start, tf->seconds));
                cur = from;
            }
            auto list = BarsOf((*symbols)[i], TimeFrameSpec{tf->seconds}, std::max(from, start), to);
            if (!list) return ErrorResponse(list.error());
            if (!w->ascending) std::reverse(list->begin(), list->end());
            for (const auto& b : *list) {
                if (left == 0) {
                    next = PageToken(i, w->ascending ? b.start : b.start + width);
                    break;
                }
                arr.push_back(BarToJson(b));
                --left;
            }
            if (cur == from && from <= BucketStart(start, tf->seconds)) break;  // descending reached the start
        }
        if (!arr.empty()) bars[universe_.Get((*symbols)[i]).code] = std::move(arr);
        if (left == 0 && next.empty() && i + 1 < symbols->size()) next = PageToken(i + 1, 0);
    }
    json::object out;
    if (!req.Param("symbol").empty()) {
        const std::string code = universe_.Get(symbols->front()).code;
        out["bars"] = bars.contains(code) ? bars.at(code) : json::array();
        out["symbol"] = code;
    } else {
        out["bars"] = std::move(bars);
    }
    out["next_page_token"] = next.empty() ? json::value(nullptr) : json::value(next);
    return Json(out);
}

HttpResponse Api::Ticks(const HttpRequest& req, const Principal&, bool quotes) {
    auto symbols = DataSymbols(req);
    if (!symbols) return JsonError(400, kCodeMalformed, symbols.error().message);
    auto w = ParseWindow(req, clock_.Now(), kDay * kNanosPerSecond);
    if (!w) return JsonError(400, kCodeMalformed, w.error().message);
    json::object data;
    std::int64_t left = w->limit;
    std::string next;
    for (std::size_t i = w->first_symbol; i < symbols->size() && next.empty(); ++i) {
        Timestamp from = w->start - 1, to = w->end;
        if (i == w->first_symbol && w->resume != 0) {
            if (w->ascending) {
                from = w->resume - 1;
            } else {
                to = w->resume + 1;
            }
        }
        auto ticks = reads_.LoadTicks((*symbols)[i], from, to, static_cast<std::size_t>(left + 1), w->ascending);
        if (!ticks) return ErrorResponse(ticks.error());
        json::array arr;
        for (const auto& t : *ticks) {
            if (left == 0) {
                next = PageToken(i, t.ts);
                break;
            }
            arr.push_back(quotes ? QuoteToJson(t) : TradeToJson(t));
            --left;
        }
        if (!arr.empty()) data[universe_.Get((*symbols)[i]).code] = std::move(arr);
        if (left == 0 && next.empty() && i + 1 < symbols->size()) next = PageToken(i + 1, 0);
    }
    json::object out;
    const char* key = quotes ? "quotes" : "trades";
    if (!req.Param("symbol").empty()) {
        const std::string code = universe_.Get(symbols->front()).code;
        out[key] = data.contains(code) ? data.at(code) : json::array();
        out["symbol"] = code;
    } else {
        out[key] = std::move(data);
    }
    out["next_page_token"] = next.empty() ? json::value(nullptr) : json::value(next);
    return Json(out);
}

HttpResponse Api::Latest(const HttpRequest& req, const Principal&, LatestKind kind) {
    auto symbols = DataSymbols(req);
    if (!symbols) return JsonError(400, kCodeMalformed, symbols.error().message);
    if (auto currency = req.Query("currency"); currency && *currency != "KRW") {
        return JsonError(400, kCodeMalformed, "prices are in KRW only; omit currency");
    }
    json::object data;
    for (auto id : *symbols) {
        const auto m = market_.Get(id);
        if (!m) continue;
        const std::string& code = universe_.Get(id).code;
        switch (kind) {
            case LatestKind::kTrade:
                if (m->last.price > 0) data[code] = TradeToJson(m->last);
                break;
            case LatestKind::kQuote:
                if (m->last.price > 0) data[code] = QuoteToJson(m->last);
                break;
            case LatestKind::kBar:
                if (m->minute.open > 0) data[code] = BarToJson(m->minute);
                break;
        }
    }
    const char* key = kind == LatestKind::kTrade ? "trade" : kind == LatestKind::kQuote ? "quote" : "bar";
    json::object out;
    if (!req.Param("symbol").empty()) {
        const std::string code = universe_.Get(symbols->front()).code;
        if (!data.contains(code)) return JsonError(404, kCodeNotFound, std::string("no ") + key + " for " + code);
        out["symbol"] = code;
        out[key] = data.at(code);
    } else {
        out[std::string(key) + "s"] = std::move(data);
    }
    return Json(out);
}

HttpResponse Api::Snapshots(const HttpRequest& req, const Principal&) {
    auto symbols = DataSymbols(req);
    if (!symbols) return JsonError(400, kCodeMalformed, symbols.error().message);
    json::object out;
    for (auto id : *symbols) {
        const auto m = market_.Get(id);
        const std::string& code = universe_.Get(id).code;
        json::object s;
        const bool traded = m && m->last.price > 0;
        s["latestTrade"] = traded ? json::value(TradeToJson(m->last)) : json::value(nullptr);
        s["latestQuote"] = traded ? json::value(QuoteToJson(m->last)) : json::value(nullptr);
        s["minuteBar"] = m && m->minute.open > 0 ? json::value(BarToJson(m->minute)) : json::value(nullptr);
        if (m && m->open > 0) {
            market::Bar day{id, BucketStart(m->last.ts, kDay), kDay, m->open, m->high, m->low, m->last.price, m->volume,
                            m->trades};
            s["dailyBar"] = BarToJson(day);
        } else {
            s["dailyBar"] = nullptr;
        }
        // The previous session from stored daily history, when there is one.
        const Timestamp today = BucketStart(clock_.Now(), kDay);
        auto prev = history_.LoadBars(id, kDay, today - 10 * kDay * kNanosPerSecond, today);
        if (prev && !prev->empty()) {
            s["prevDailyBar"] = BarToJson(prev->back());
        } else {
            s["prevDailyBar"] = nullptr;
        }
        out[code] = std::move(s);
    }
    if (!req.Param("symbol").empty()) {
        json::object single = out.begin()->value().as_object();
        single["symbol"] = out.begin()->key();
        return Json(single);
    }
    return Json(out);
}

}  // namespace ik::gateway
