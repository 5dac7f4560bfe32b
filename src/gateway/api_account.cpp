// Alpaca's account activities (fills and deposits) and portfolio history (equity over time, rebuilt from the
// ledger's fills and deposits and the stored bars, so it needs no periodic snapshots).
#include <algorithm>
#include <cstdio>
#include <map>

#include "gateway/api.hpp"
#include "gateway/api_support.hpp"

namespace ik::gateway {

namespace json = boost::json;

namespace {

struct Activity {
    Timestamp ts = 0;
    int kind = 0;  // 0 = fill, 1 = deposit: the order of items in one millisecond
    std::uint64_t id = 0;
    json::object body;
};

std::string ActivityId(Timestamp ts, int kind, std::uint64_t id) {
    const KstTime k = ToKst(ts - kKstOffsetNanos);  // UTC calendar of ts
    char prefix[32];
    const int ms = static_cast<int>((ts / 1'000'000) % 1000);
    std::snprintf(prefix, sizeof prefix, "%04d%02d%02d%02d%02d%02d%03d", k.date.year, k.date.month, k.date.day,
                  k.minute_of_day / 60, k.minute_of_day % 60, k.second, ms);
    return std::string(prefix) + "::" + IdToUuid(kind == 0 ? IdKind::kFill : IdKind::kDeposit, id);
}

// (ms, kind, id) of an activity id, for paging.
std::optional<std::tuple<std::int64_t, int, std::uint64_t>> ParseActivityId(const std::string& s) {
    if (s.size() != 17 + 2 + 36 || s.compare(17, 2, "::") != 0) return std::nullopt;
    auto date = ParseDate(s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2));
    auto hms = WholeNumberText(s.substr(8, 9), "id", 0, 235'959'999);
    if (!date || !hms) return std::nullopt;
    const std::int64_t h = *hms / 10'000'000, m = *hms / 100'000 % 100, sec = *hms / 1000 % 100, ms = *hms % 1000;
    const std::int64_t total_ms = (DaysFromCivil(*date) * 86'400 + h * 3600 + m * 60 + sec) * 1000 + ms;
    const std::string uuid = s.substr(19);
    if (auto f = UuidToId(IdKind::kFill, uuid)) return std::tuple{total_ms, 0, *f};
    if (auto d = UuidToId(IdKind::kDeposit, uuid)) return std::tuple{total_ms, 1, *d};
    return std::nullopt;
}

}  // namespace

HttpResponse Api::Activities(const HttpRequest& req, const Principal& who) {
    const auto account = static_cast<trading::AccountId>(who.user_id);
    std::string types = req.Param("activity_type");
    if (types.empty()) types = req.Query("activity_types").value_or("FILL,CSD");
    bool fills = false, deposits = false;
    for (const std::string& t : SplitList(types)) {
        if (t == "FILL") {
            fills = true;
        } else if (t == "CSD") {
            deposits = true;
        } else if (t.empty() || t.size() > 8 || !std::all_of(t.begin(), t.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
            return JsonError(422, kCodeUnprocessable, "invalid activity type " + t);
        }
        // Other Alpaca types (DIV, FEE, …) never occur here: they select nothing.
    }
    storage::HistoryQuery q;
    q.account = account;
    const std::string direction = req.Query("direction").value_or("desc");
    if (direction != "asc" && direction != "desc") return JsonError(422, kCodeUnprocessable, "direction must be asc or desc");
    q.ascending = direction == "asc";
    auto page_size = WholeNumberText(req.Query("page_size").value_or("100"), "page_size", 1, 100);
    if (!page_size) return ErrorResponse(page_size.error());
    for (auto [name, target] : {std::pair{"after", &q.after}, std::pair{"until", &q.until}}) {
        if (auto v = req.Query(name)) {
            auto t = ParseTimeOrDate(*v, name);
            if (!t) return JsonError(422, kCodeUnprocessable, t.error().message);
            *target = *t;
        }
    }
    if (auto date = req.Query("date")) {
        auto d = ParseDate(*date);
        if (!d) return JsonError(422, kCodeUnprocessable, "date must be YYYY-MM-DD");
        q.after = FromKst(*d, 0, 0) - 1;
        q.until = FromKst(CivilFromDays(DaysFromCivil(*d) + 1), 0, 0);
    }
    std::optional<std::tuple<std::int64_t, int, std::uint64_t>> token;
    if (auto t = req.Query("page_token")) {
        token = ParseActivityId(*t);
        if (!token) return JsonError(422, kCodeUnprocessable, "invalid page_token");
        // Narrow the query to the token's millisecond onwards; the exact position is found below.
        const Timestamp ms = std::get<0>(*token) * 1'000'000;
        if (q.ascending) {
            q.after = std::max(q.after, ms - 1);
        } else {
            q.until = q.until == 0 ? ms + 1'000'000 : std::min(q.until, ms + 1'000'000);
        }
    }
    q.limit = static_cast<std::size_t>(*page_size) * 2 + 2;
    std::vector<Activity> items;
    const std::string account_uuid = IdToUuid(IdKind::kAccount, account);
    if (fills) {
        auto list = reads_.ListFills(q);
        if (!list) return ErrorResponse(list.error());
        // Each order of the page is read once, with its fills (for the quantity filled up to each fill).
        struct OrderFills {
            std::optional<trading::Order> order;
            std::vector<trading::Fill> fills;
        };
        std::map<trading::OrderId, OrderFills> orders;
        for (const auto& f : *list) {
            auto [it, fresh] = orders.try_emplace(f.order);
            if (fresh) {
                auto o = history_.GetOrder(f.order);
                if (!o) return ErrorResponse(o.error());
                auto of = history_.FillsOfOrder(f.order);
                if (!of) return ErrorResponse(of.error());
                it->second = {*o, std::move(*of)};
            }
            const auto& order = it->second.order;
            Qty cum = 0;
            for (const auto& of : it->second.fills) {
                if (of.id <= f.id) cum += of.qty;
            }
            const Qty total = order ? order->qty : cum;
            json::object a;
            a["id"] = ActivityId(f.ts, 0, f.id);
            a["account_id"] = account_uuid;
            a["activity_type"] = "FILL";
            a["transaction_time"] = FormatRfc3339(f.ts);
            a["type"] = cum >= total ? "fill" : "partial_fill";
            a["price"] = Str(f.price);
            a["qty"] = Str(f.qty);
            a["side"] = std::string(trading::SideName(f.side));
            a["symbol"] = f.symbol < universe_.size() ? universe_.Get(f.symbol).code : "";
            a["leaves_qty"] = Str(total - cum);
            a["order_id"] = IdToUuid(IdKind::kOrder, f.order);
            a["cum_qty"] = Str(cum);
            a["order_status"] = order ? std::string(trading::OrderStatusName(order->status)) : "filled";
            a["commission"] = Str(f.commission);
            a["tax"] = Str(f.tax);
            a["settle_date"] = FormatDate(f.settle_date);
            items.push_back({f.ts, 0, f.id, std::move(a)});
        }
    }
    if (deposits) {
        auto list = reads_.ListDeposits(q);
        if (!list) return ErrorResponse(list.error());
        for (const auto& d : *list) {
            json::object a;
            a["id"] = ActivityId(d.ts, 1, d.txn);
            a["account_id"] = account_uuid;
            a["activity_type"] = "CSD";
            a["date"] = FormatDate(ToKst(d.ts).date);
            a["net_amount"] = Str(d.amount);
            a["description"] = d.equity_before == 0 ? "opening deposit" : "top-up";
            a["status"] = "executed";
            items.push_back({d.ts, 1, d.txn, std::move(a)});
        }
    }
    auto key = [](const Activity& a) { return std::tuple{a.ts / 1'000'000, a.kind, a.id}; };
    std::sort(items.begin(), items.end(), [&](const Activity& x, const Activity& y) {
        return q.ascending ? key(x) < key(y) : key(y) < key(x);
    });
    json::array out;
    for (const auto& a : items) {
        if (token && (q.ascending ? key(a) <= *token : key(a) >= *token)) continue;
        if (out.size() >= static_cast<std::size_t>(*page_size)) break;
        out.push_back(a.body);
    }
    return Json(out);
}

namespace {

Result<std::int64_t> ParsePeriodSeconds(const std::string& p) {
    if (p.size() < 2) return MakeError(ErrorCode::kInvalidArgument, "invalid period " + p);
    auto n = WholeNumberText(p.substr(0, p.size() - 1), "period", 1, 7300);
    if (!n) return MakeError(ErrorCode::kInvalidArgument, "invalid period " + p);
    std::int64_t days = 0;
    switch (p.back()) {
        case 'D': days = *n; break;
        case 'W': days = *n * 7; break;
        case 'M': days = *n * 30; break;
        case 'A': days = *n * 365; break;
        default: return MakeError(ErrorCode::kInvalidArgument, "invalid period " + p + ": use nD, nW, nM or nA");
    }
    if (days > 20 * 365) return MakeError(ErrorCode::kInvalidArgument, "period is longer than 20 years");
    return days * 86'400;
}

}  // namespace

HttpResponse Api::PortfolioHistory(const HttpRequest& req, const Principal& who) {
    const auto account = static_cast<trading::AccountId>(who.user_id);
    auto acct = reads_.GetAccount(account);
    if (!acct) return ErrorResponse(acct.error());
    if (!*acct) return JsonError(404, kCodeNotFound, "account not found");
    const Timestamp now = clock_.Now();
    auto period = ParsePeriodSeconds(req.Query("period").value_or("1M"));
    if (!period) return ErrorResponse(period.error());
    const std::string timeframe = req.Query("timeframe").value_or(*period > 7 * 86'400 ? "1D" : "15Min");
    std::int64_t step_s = 0;
    if (timeframe == "1Min") step_s = 60;
    if (timeframe == "5Min") step_s = 300;
    if (timeframe == "15Min") step_s = 900;
    if (timeframe == "1H") step_s = 3600;
    if (timeframe == "1D") step_s = 86'400;
    if (step_s == 0) return JsonError(422, kCodeUnprocessable, "timeframe must be 1Min, 5Min, 15Min, 1H or 1D");
    Timestamp end = now;
    if (auto v = req.Query("end")) {
        auto t = ParseRfc3339(*v);
        if (!t) return JsonError(422, kCodeUnprocessable, "end must be an RFC 3339 time");
        end = std::min(*t, now);
    } else if (auto d = req.Query("date_end")) {
        auto date = ParseDate(*d);
        if (!date) return JsonError(422, kCodeUnprocessable, "date_end must be YYYY-MM-DD");
        end = std::min(FromKst(CivilFromDays(DaysFromCivil(*date) + 1), 0, 0) - 1, now);
    }
    Timestamp start = end - *period * kNanosPerSecond;
    if (auto v = req.Query("start")) {
        auto t = ParseRfc3339(*v);
        if (!t) return JsonError(422, kCodeUnprocessable, "start must be an RFC 3339 time");
        start = *t;
    }
    start = std::max(start, (*acct)->opened_at);
    if (end <= start) start = end;
    const std::int64_t step = step_s * kNanosPerSecond;
    if ((end - start) / step > 5000) return JsonError(422, kCodeUnprocessable, "more than 5000 points: use a coarser timeframe");

    // Every fill and deposit of the account, oldest first, replayed over the grid.
    storage::HistoryQuery all;
    all.account = account;
    all.ascending = true;
    all.limit = 0;
    auto fills = reads_.ListFills(all);
    if (!fills) return ErrorResponse(fills.error());
    auto deposits = reads_.ListDeposits(all);
    if (!deposits) return ErrorResponse(deposits.error());
    std::vector<market::SymbolId> symbols;
    for (const auto& f : *fills) {
        if (std::find(symbols.begin(), symbols.end(), f.symbol) == symbols.end()) symbols.push_back(f.symbol);
    }
    // Price at a time: the close of the last bar that ended by then (minutes, else days), else the listing's close.
    std::map<market::SymbolId, std::vector<std::pair<Timestamp, Won>>> closes;
    for (auto id : symbols) {
        auto& list = closes[id];
        auto days = history_.LoadBars(id, 86'400, start - 10 * kNanosPerDay, end + 1);
        if (days) {
            for (const auto& b : *days) list.emplace_back(b.start + kNanosPerDay - 1, b.close);
        }
        // Daily points need minutes only for the days the day bars do not cover yet.
        const Timestamp minutes_from = step_s >= 86'400 ? std::max(start, end - 2 * kNanosPerDay) - kNanosPerDay
                                                         : start - kNanosPerDay;
        auto minutes = history_.LoadBars(id, 60, minutes_from, end + 1);
        if (minutes) {
            for (const auto& b : *minutes) list.emplace_back(b.start, b.close);
        }
        std::sort(list.begin(), list.end());
    }
    auto price_at = [&](market::SymbolId id, Timestamp t) -> Won {
        const auto& list = closes[id];
        auto it = std::upper_bound(list.begin(), list.end(), std::pair{t, INT64_MAX});
        if (it != list.begin()) return std::prev(it)->second;
        return id < universe_.size() ? universe_.Get(id).previous_close : 0;
    };

    json::array ts, equity, pl, pl_pct, csd;
    Won cash = 0;
    std::map<market::SymbolId, Qty> qty;
    std::size_t fi = 0, di = 0;
    std::optional<Won> base;
    Won flows_since_base = 0;
    // Grid points from the start, then one at the end itself, so the last point is the equity now.
    for (Timestamp t = start;; t = std::min(t + step, end)) {
        Won flow = 0;
        while (di < deposits->size() && (*deposits)[di].ts <= t) {
            cash += (*deposits)[di].amount;
            if (base) flow += (*deposits)[di].amount;
            ++di;
        }
        while (fi < fills->size() && (*fills)[fi].ts <= t) {
            const auto& f = (*fills)[fi++];
            const Won notional = f.price * f.qty;
            if (f.side == trading::Side::kBuy) {
                cash -= notional + f.commission;
                qty[f.symbol] += f.qty;
            } else {
                cash += notional - f.commission - f.tax;
                qty[f.symbol] -= f.qty;
            }
        }
        Won value = cash;
        for (const auto& [id, q] : qty) {
            if (q != 0) value += q * price_at(id, t);
        }
        if (!base) base = value;
        flows_since_base += flow;
        const Won gain = value - *base - flows_since_base;
        ts.push_back(t / kNanosPerSecond);
        equity.push_back(value);
        pl.push_back(gain);
        const Won invested = *base + flows_since_base;
        pl_pct.push_back(invested > 0 ? json::value(static_cast<double>(gain) / static_cast<double>(invested)) : json::value(0.0));
        csd.push_back(flow);
        if (t >= end) break;
    }
    json::object out;
    out["timestamp"] = std::move(ts);
    out["equity"] = std::move(equity);
    out["profit_loss"] = std::move(pl);
    out["profit_loss_pct"] = std::move(pl_pct);
    out["base_value"] = base.value_or(0);
    out["base_value_asof"] = FormatDate(ToKst(start).date);
    out["timeframe"] = timeframe;
    json::object cashflow;
    cashflow["CSD"] = std::move(csd);
    out["cashflow"] = std::move(cashflow);
    return Json(out);
}

}  // namespace ik::gateway
