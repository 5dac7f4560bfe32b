// Alpaca's v2 trading API: account, orders, positions, assets, clock, calendar, watchlists. Field names,
// number-as-string encoding, UUID ids and error shapes as Alpaca's; the mapping of KRX values onto Alpaca's
// enums is documented in docs/api.md.
#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

#include "auth/tokens.hpp"
#include "gateway/alpaca_json.hpp"
#include "gateway/api.hpp"
#include "gateway/api_support.hpp"

namespace ik::gateway {

namespace json = boost::json;
using trading::Order;

namespace {

// Alpaca's SDKs accept only their own exchange names: KOSPI is shown as NYSE, KOSDAQ as NASDAQ, KONEX as OTC.
std::string_view AlpacaExchange(market::Exchange e) {
    switch (e) {
        case market::Exchange::kKospi: return "NYSE";
        case market::Exchange::kKosdaq: return "NASDAQ";
        case market::Exchange::kKonex: return "OTC";
    }
    return "OTC";
}

constexpr Qty kMaxOrderQty = 1'000'000'000;


}  // namespace

std::optional<market::SymbolId> Api::FindSymbol(std::string_view s) const {
    if (auto id = universe_.Find(s)) return id;
    if (auto id = UuidToId(IdKind::kAsset, s); id && *id < universe_.size()) return static_cast<market::SymbolId>(*id);
    return std::nullopt;
}

bool Api::IsTradable(market::SymbolId id) const { return universe_.status(id) == market::ListingStatus::kActive; }

bool Api::IsListed(market::SymbolId id) const { return market::IsListed(universe_.status(id)); }

json::object Api::AssetJson(market::SymbolId id) const {
    const auto& s = universe_.Get(id);
    json::object o;
    o["id"] = IdToUuid(IdKind::kAsset, id);
    o["class"] = "us_equity";
    o["exchange"] = std::string(AlpacaExchange(s.market));
    o["symbol"] = s.code;
    o["name"] = s.name_en.empty() ? s.name_ko : s.name_en;
    o["status"] = "active";
    o["tradable"] = IsTradable(id);
    o["marginable"] = false;
    o["shortable"] = false;
    o["easy_to_borrow"] = false;
    o["fractionable"] = false;
    o["min_order_size"] = "1";
    o["min_trade_increment"] = "1";
    o["maintenance_margin_requirement"] = 100;
    o["attributes"] = json::array();
    // Ours: the KRX view of the same listing.
    o["name_ko"] = s.name_ko;
    o["name_en"] = s.name_en;
    o["krx_market"] = std::string(market::ExchangeName(s.market));
    return o;
}

json::object Api::OrderJson(const Order& o) const { return OrderToJson(o, universe_); }

Api::Prices Api::PricesOf(market::SymbolId id) const {
    const auto m = market_.Get(id);
    const Won prev = m && m->previous_close > 0 ? m->previous_close : universe_.Get(id).previous_close;
    return {prev, m && m->last.price > 0 ? m->last.price : prev};
}

json::object Api::PositionJson(const trading::Position& p) const {
    const auto [prev, price] = PricesOf(p.symbol);
    const Won market_value = price * p.qty;
    json::object j;
    j["asset_id"] = IdToUuid(IdKind::kAsset, p.symbol);
    j["symbol"] = universe_.Get(p.symbol).code;
    j["exchange"] = std::string(AlpacaExchange(universe_.Get(p.symbol).market));
    j["asset_class"] = "us_equity";
    j["asset_marginable"] = false;
    j["avg_entry_price"] = FormatRatio(p.cost_basis, p.qty, 2);
    j["qty"] = Str(p.qty);
    j["qty_available"] = Str(p.available());
    j["side"] = "long";
    j["market_value"] = Str(market_value);
    j["cost_basis"] = Str(p.cost_basis);
    j["unrealized_pl"] = Str(market_value - p.cost_basis);
    j["unrealized_plpc"] = FormatRatio(market_value - p.cost_basis, p.cost_basis, 4);
    j["unrealized_intraday_pl"] = Str((price - prev) * p.qty);
    j["unrealized_intraday_plpc"] = FormatRatio(price - prev, prev, 4);
    j["current_price"] = Str(price);
    j["lastday_price"] = Str(prev);
    j["change_today"] = FormatRatio(price - prev, prev, 4);
    j["realized_pl"] = Str(p.realized_pnl);
    return j;
}

// ---- Account -------------------------------------------------------------------------------------------

Result<std::optional<AccountView>> Api::AccountOf(trading::AccountId id) {
    auto view = accounts_.Get(id);
    if (!view || view->opened_at != 0) return view;
    auto stored = reads_.GetAccount(id);
    if (!stored) return std::unexpected(stored.error());
    if (*stored) {
        view->opened_at = (*stored)->opened_at;
        const_cast<AccountBook&>(accounts_).SetOpenedAt(id, view->opened_at);
    }
    return view;
}

HttpResponse Api::GetAccount(const HttpRequest&, const Principal& who) {
    const auto id = static_cast<trading::AccountId>(who.user_id);
    auto account = AccountOf(id);
    if (!account) return ErrorResponse(account.error());
    if (!*account) return JsonError(404, kCodeNotFound, "account not found");
    const auto* positions = &(*account)->positions;
    Won long_value = 0, last_value = 0;
    for (const auto& p : *positions) {
        const auto [prev, price] = PricesOf(p.symbol);
        long_value += price * p.qty;
        last_value += prev * p.qty;
    }
    const auto& b = (*account)->balance;
    // Written straight to text: this is the most frequently polled endpoint.
    std::string out;
    out.reserve(1400);
    TextSink j(out);
    j.String("id", IdToUuid(IdKind::kAccount, id));
    const std::string number = std::to_string(id);
    j.String("account_number", "IK" + std::string(8 - std::min<std::size_t>(8, number.size()), '0') + number);
    j.String("status", "ACTIVE");
    j.String("crypto_status", "INACTIVE");
    j.String("currency", "KRW");
    j.String("cash", Str(b.cash));
    const std::string available = Str(b.available());
    j.String("buying_power", available);
    j.String("regt_buying_power", available);
    j.String("daytrading_buying_power", "0");
    j.String("non_marginable_buying_power", available);
    j.String("effective_buying_power", available);
    j.String("reserved_cash", Str(b.reserved_cash));
    j.String("accrued_fees", "0");
    j.String("pending_transfer_in", "0");
    j.String("pending_transfer_out", "0");
    const std::string equity = Str(b.cash + long_value);
    j.String("portfolio_value", equity);
    j.String("equity", equity);
    j.String("last_equity", Str(b.cash + last_value));
    j.String("long_market_value", Str(long_value));
    j.String("short_market_value", "0");
    j.String("initial_margin", "0");
    j.String("maintenance_margin", "0");
    j.String("last_maintenance_margin", "0");
    j.String("sma", "0");
    j.String("multiplier", "1");
    j.Int("daytrade_count", 0);
    j.Bool("pattern_day_trader", false);
    j.Bool("trading_blocked", false);
    j.Bool("transfers_blocked", false);
    j.Bool("account_blocked", false);
    j.Bool("trade_suspended_by_user", false);
    j.Bool("shorting_enabled", false);
    j.String("created_at", FormatRfc3339((*account)->opened_at));
    j.Close();
    return HttpResponse{200, "application/json", std::move(out), {}};
}

// ---- Orders --------------------------------------------------------------------------------------------

void Api::SubmitOrderCommand(trading::Command command, Responder respond) {
    backend_.Submit(std::move(command), [this, respond](const trading::CommandResult& r,
                                                        const std::vector<trading::Event>& events) {
        if (!r.ok()) return respond(EngineErrorResponse(*r.error));
        // The command's own events carry the order's state after it (an IOC may already be filled).
        const Order* latest = nullptr;
        for (const auto& e : events) {
            if (e.has_order && e.order.id == r.order) latest = &e.order;
        }
        if (latest == nullptr) return respond(JsonError(500, kCodeInternal, "order state missing"));
        respond(HttpResponse{200, "application/json", OrderToJsonText(*latest, universe_), {}});
    });
}

void Api::PlaceOrder(const HttpRequest& req, const Principal& who, Responder respond) {
    auto body = ParseJsonObject(req);
    if (!body) return respond(JsonError(400, kCodeMalformed, body.error().message));
    if (auto s = OnlyFields(*body, {"symbol", "qty", "notional", "side", "type", "time_in_force", "limit_price",
                                    "stop_price", "trail_price", "trail_percent", "extended_hours", "client_order_id",
                                    "order_class", "take_profit", "stop_loss", "legs", "position_intent"});
        !s) {
        return respond(ErrorResponse(s.error()));
    }
    auto fail = [&](const std::string& m) { respond(JsonError(422, kCodeInvalidParameter, m)); };
    for (const char* unsupported : {"notional", "trail_price", "trail_percent", "take_profit", "stop_loss", "legs"}) {
        auto it = body->find(unsupported);
        if (it != body->end() && !it->value().is_null()) {
            return fail(std::string(unsupported) + " is not supported: orders are for whole shares (qty)");
        }
    }
    auto order_class = OptionalString(*body, "order_class", 16);
    if (!order_class) return respond(ErrorResponse(order_class.error()));
    if (*order_class && **order_class != "simple" && !(*order_class)->empty()) {
        return fail("order_class " + **order_class + " is not supported; use simple");
    }
    auto extended = OptionalBool(*body, "extended_hours");
    if (!extended) return respond(ErrorResponse(extended.error()));
    if (extended->value_or(false)) return fail("extended_hours is not supported");

    trading::PlaceOrder cmd;
    cmd.account = static_cast<trading::AccountId>(who.user_id);
    cmd.ts = clock_.Now();
    auto symbol = OptionalString(*body, "symbol", 64);
    if (!symbol) return respond(ErrorResponse(symbol.error()));
    if (!*symbol) return fail("symbol is required");
    auto sym = FindSymbol(**symbol);
    // A halted symbol goes on to the engine, which refuses it with the reason (422, 42210000).
    if (!sym || !IsListed(*sym)) return respond(JsonError(422, kCodeUnprocessable, "asset " + **symbol + " not found"));
    cmd.symbol = *sym;

    auto qty_it = body->find("qty");
    if (qty_it == body->end() || qty_it->value().is_null()) return fail("qty is required");
    auto qty = WholeNumber(qty_it->value(), "qty", 1, kMaxOrderQty);
    if (!qty) return fail(qty.error().message);
    cmd.qty = *qty;

    auto side = OptionalString(*body, "side", 16);
    if (!side) return respond(ErrorResponse(side.error()));
    if (!*side) return fail("side is required");
    auto parsed_side = trading::ParseSide(**side);
    if (!parsed_side) return fail("side must be buy or sell");
    cmd.side = *parsed_side;

    auto type = OptionalString(*body, "type", 16);
    if (!type) return respond(ErrorResponse(type.error()));
    auto parsed_type = trading::ParseOrderType(type->value_or("market"));
    if (!parsed_type) return fail("type must be market, limit, stop or stop_limit");
    cmd.type = *parsed_type;

    auto tif = OptionalString(*body, "time_in_force", 16);
    if (!tif) return respond(ErrorResponse(tif.error()));
    if (!*tif) return fail("time_in_force is required");
    auto parsed_tif = trading::ParseTimeInForce(**tif);
    if (!parsed_tif) return fail("time_in_force must be day, gtc, ioc or fok");
    cmd.tif = *parsed_tif;

    for (auto [field, target] : {std::pair{"limit_price", &cmd.limit_price}, std::pair{"stop_price", &cmd.stop_price}}) {
        auto it = body->find(field);
        if (it == body->end() || it->value().is_null()) continue;
        auto v = WholeNumber(it->value(), field, 1, kMaxWon);
        if (!v) return fail(v.error().message);
        *target = *v;
    }
    const bool needs_limit = cmd.type == trading::OrderType::kLimit || cmd.type == trading::OrderType::kStopLimit;
    const bool needs_stop = cmd.type == trading::OrderType::kStop || cmd.type == trading::OrderType::kStopLimit;
    if (needs_limit && cmd.limit_price == 0) return fail("limit_price is required for " + std::string(trading::OrderTypeName(cmd.type)) + " orders");
    if (!needs_limit && cmd.limit_price != 0) return fail("limit_price is only for limit and stop_limit orders");
    if (needs_stop && cmd.stop_price == 0) return fail("stop_price is required for " + std::string(trading::OrderTypeName(cmd.type)) + " orders");
    if (!needs_stop && cmd.stop_price != 0) return fail("stop_price is only for stop and stop_limit orders");

    auto client_id = OptionalString(*body, "client_order_id", trading::kMaxClientOrderIdLength);
    if (!client_id) return fail(client_id.error().message);
    if (*client_id) cmd.client_order_id = **client_id;
    SubmitOrderCommand(std::move(cmd), std::move(respond));
}

HttpResponse Api::ListOrders(const HttpRequest& req, const Principal& who) {
    storage::OrderQuery q;
    q.account = static_cast<trading::AccountId>(who.user_id);
    const std::string status = req.Query("status").value_or("open");
    if (status == "open") {
        q.status = storage::OrderStatusFilter::kOpen;
    } else if (status == "closed") {
        q.status = storage::OrderStatusFilter::kClosed;
    } else if (status == "all") {
        q.status = storage::OrderStatusFilter::kAll;
    } else {
        return JsonError(422, kCodeUnprocessable, "status must be open, closed or all");
    }
    auto limit = WholeNumberText(req.Query("limit").value_or("50"), "limit", 1, 500);
    if (!limit) return ErrorResponse(limit.error());
    q.limit = static_cast<std::size_t>(*limit);
    for (auto [name, target] : {std::pair{"after", &q.after}, std::pair{"until", &q.until}}) {
        if (auto v = req.Query(name)) {
            auto t = ParseTimeOrDate(*v, name);
            if (!t) return ErrorResponse(t.error());
            *target = *t;
        }
    }
    const std::string direction = req.Query("direction").value_or("desc");
    if (direction != "asc" && direction != "desc") return JsonError(422, kCodeUnprocessable, "direction must be asc or desc");
    q.ascending = direction == "asc";
    if (auto side = req.Query("side")) {
        auto s = trading::ParseSide(*side);
        if (!s) return JsonError(422, kCodeUnprocessable, "side must be buy or sell");
        q.side = *s;
    }
    if (auto symbols = req.Query("symbols"); symbols && !symbols->empty()) {
        for (const std::string& code : SplitList(*symbols)) {
            auto id = FindSymbol(code);
            if (!id) return JsonError(422, kCodeUnprocessable, "unknown symbol " + code);
            q.symbols.push_back(*id);
            if (q.symbols.size() > 100) return JsonError(422, kCodeUnprocessable, "at most 100 symbols");
        }
    }
    auto orders = reads_.ListOrders(q);
    if (!orders) return ErrorResponse(orders.error());
    json::array out;
    for (const auto& o : *orders) out.push_back(OrderJson(o));
    return Json(out);
}

HttpResponse Api::GetOrder(const HttpRequest& req, const Principal& who) {
    auto id = UuidToId(IdKind::kOrder, req.Param("order_id"));
    if (!id) return JsonError(404, kCodeNotFound, "order not found");
    auto order = history_.GetOrder(*id);
    if (!order) return ErrorResponse(order.error());
    // Another account's order is indistinguishable from a missing one.
    if (!*order || (*order)->account != static_cast<trading::AccountId>(who.user_id)) {
        return JsonError(404, kCodeNotFound, "order not found");
    }
    return Json(OrderJson(**order));
}

HttpResponse Api::GetOrderByClientId(const HttpRequest& req, const Principal& who) {
    auto client_id = req.Query("client_order_id");
    if (!client_id || client_id->empty()) return JsonError(422, kCodeUnprocessable, "client_order_id is required");
    if (client_id->size() > trading::kMaxClientOrderIdLength) return JsonError(404, kCodeNotFound, "order not found");
    std::optional<Order> found;
    const auto account = static_cast<trading::AccountId>(who.user_id);
    // Generated ids ("ik-<order id>") are stored like the clients' own.
    auto o = history_.GetOrderByClientOrderId(account, *client_id);
    if (!o) return ErrorResponse(o.error());
    found = *o;
    if (!found || found->account != account) return JsonError(404, kCodeNotFound, "order not found");
    return Json(OrderJson(*found));
}

void Api::ReplaceOrder(const HttpRequest& req, const Principal& who, Responder respond) {
    auto id = UuidToId(IdKind::kOrder, req.Param("order_id"));
    if (!id) return respond(JsonError(404, kCodeNotFound, "order not found"));
    auto body = ParseJsonObject(req);
    if (!body) return respond(JsonError(400, kCodeMalformed, body.error().message));
    if (auto s = OnlyFields(*body, {"qty", "time_in_force", "limit_price", "stop_price", "trail", "client_order_id"}); !s) {
        return respond(ErrorResponse(s.error()));
    }
    auto fail = [&](const std::string& m) { respond(JsonError(422, kCodeInvalidParameter, m)); };
    if (auto it = body->find("trail"); it != body->end() && !it->value().is_null()) return fail("trail is not supported");
    trading::ReplaceOrder cmd;
    cmd.account = static_cast<trading::AccountId>(who.user_id);
    cmd.order = *id;
    cmd.ts = clock_.Now();
    for (auto [field, target, max] : {std::tuple{"qty", &cmd.qty, kMaxOrderQty}, std::tuple{"limit_price", &cmd.limit_price, kMaxWon},
                                      std::tuple{"stop_price", &cmd.stop_price, kMaxWon}}) {
        auto it = body->find(field);
        if (it == body->end() || it->value().is_null()) continue;
        auto v = WholeNumber(it->value(), field, 1, max);
        if (!v) return fail(v.error().message);
        *target = *v;
    }
    auto tif = OptionalString(*body, "time_in_force", 16);
    if (!tif) return respond(ErrorResponse(tif.error()));
    if (*tif) {
        auto t = trading::ParseTimeInForce(**tif);
        if (!t) return fail("time_in_force must be day, gtc, ioc or fok");
        cmd.tif = *t;
    }
    auto client_id = OptionalString(*body, "client_order_id", trading::kMaxClientOrderIdLength);
    if (!client_id) return fail(client_id.error().message);
    if (*client_id) cmd.client_order_id = **client_id;
    // The engine knows only open orders; an id of another account must look missing, not "not open".
    auto existing = history_.GetOrder(*id);
    if (!existing) return respond(ErrorResponse(existing.error()));
    if (!*existing || (*existing)->account != cmd.account) return respond(JsonError(404, kCodeNotFound, "order not found"));
    if (!trading::IsOpen((*existing)->status)) {
        return respond(JsonError(422, kCodeUnprocessable,
                                 "order is " + std::string(trading::OrderStatusName((*existing)->status)) +
                                     " and can no longer be replaced"));
    }
    SubmitOrderCommand(std::move(cmd), std::move(respond));
}

void Api::CancelOrder(const HttpRequest& req, const Principal& who, Responder respond) {
    auto id = UuidToId(IdKind::kOrder, req.Param("order_id"));
    if (!id) return respond(JsonError(404, kCodeNotFound, "order not found"));
    const auto account = static_cast<trading::AccountId>(who.user_id);
    auto existing = history_.GetOrder(*id);
    if (!existing) return respond(ErrorResponse(existing.error()));
    if (!*existing || (*existing)->account != account) return respond(JsonError(404, kCodeNotFound, "order not found"));
    if (!trading::IsOpen((*existing)->status)) {
        return respond(JsonError(422, kCodeUnprocessable,
                                 "order is " + std::string(trading::OrderStatusName((*existing)->status)) +
                                     " and can no longer be canceled"));
    }
    backend_.Submit(trading::CancelOrder{account, *id, clock_.Now()},
                    [respond](const trading::CommandResult& r, const std::vector<trading::Event>&) {
                        if (!r.ok()) {
                            if (r.error->code == ErrorCode::kNotFound) {
                                return respond(JsonError(422, kCodeUnprocessable, "order is no longer open"));
                            }
                            return respond(EngineErrorResponse(*r.error));
                        }
                        respond(NoContent());
                    });
}

namespace {

// Collects the answers of several commands and replies once all are in (Alpaca's 207 Multi-Status lists).
struct Gather {
    std::mutex mutex;
    json::array items;
    std::size_t pending = 0;
    Responder respond;
    void Add(json::object item) {
        std::lock_guard lock(mutex);
        items.push_back(std::move(item));
        if (--pending == 0) respond(Json(207, items));
    }
};

}  // namespace

void Api::CancelAllOrders(const HttpRequest&, const Principal& who, Responder respond) {
    storage::OrderQuery q;
    q.account = static_cast<trading::AccountId>(who.user_id);
    q.limit = 0;
    auto open = reads_.ListOrders(q);
    if (!open) return respond(ErrorResponse(open.error()));
    if (open->empty()) return respond(Json(207, json::array()));
    auto gather = std::make_shared<Gather>();
    gather->pending = open->size();
    gather->respond = std::move(respond);
    for (const auto& o : *open) {
        backend_.Submit(trading::CancelOrder{q.account, o.id, clock_.Now()},
                        [this, gather, id = o.id](const trading::CommandResult& r, const std::vector<trading::Event>& ev) {
                            json::object item;
                            item["id"] = IdToUuid(IdKind::kOrder, id);
                            if (r.ok()) {
                                item["status"] = 200;
                                for (const auto& e : ev) {
                                    if (e.has_order && e.order.id == id) item["body"] = OrderJson(e.order);
                                }
                            } else {
                                const HttpResponse err = EngineErrorResponse(*r.error);
                                item["status"] = err.status;
                                item["body"] = json::parse(err.body);
                            }
                            gather->Add(std::move(item));
                        });
    }
}

// ---- Positions -----------------------------------------------------------------------------------------

HttpResponse Api::ListPositions(const HttpRequest&, const Principal& who) {
    auto account = accounts_.Get(static_cast<trading::AccountId>(who.user_id));
    json::array out;
    if (!account) return Json(out);
    for (const auto& p : account->positions) {
        if (p.qty > 0) out.push_back(PositionJson(p));
    }
    return Json(out);
}

HttpResponse Api::GetPosition(const HttpRequest& req, const Principal& who) {
    auto sym = FindSymbol(req.Param("symbol"));
    if (!sym) return JsonError(404, kCodeNotFound, "position does not exist");
    auto account = accounts_.Get(static_cast<trading::AccountId>(who.user_id));
    if (!account) return JsonError(404, kCodeNotFound, "position does not exist");
    for (const auto& p : account->positions) {
        if (p.symbol == *sym && p.qty > 0) return Json(PositionJson(p));
    }
    return JsonError(404, kCodeNotFound, "position does not exist");
}

void Api::ClosePosition(const HttpRequest& req, const Principal& who, Responder respond) {
    const auto account = static_cast<trading::AccountId>(who.user_id);
    auto sym = FindSymbol(req.Param("symbol"));
    if (!sym) return respond(JsonError(404, kCodeNotFound, "position does not exist"));
    auto positions = reads_.PositionsOf(account);
    if (!positions) return respond(ErrorResponse(positions.error()));
    const trading::Position* pos = nullptr;
    for (const auto& p : *positions) {
        if (p.symbol == *sym && p.qty > 0) pos = &p;
    }
    if (pos == nullptr) return respond(JsonError(404, kCodeNotFound, "position does not exist"));
    Qty qty = pos->available();
    const auto qty_param = req.Query("qty");
    const auto pct_param = req.Query("percentage");
    if (qty_param && pct_param) return respond(JsonError(422, kCodeUnprocessable, "give qty or percentage, not both"));
    if (qty_param) {
        auto q = WholeNumberText(*qty_param, "qty", 1, kMaxOrderQty);
        if (!q) return respond(ErrorResponse(q.error()));
        qty = *q;
    } else if (pct_param) {
        auto p = WholeNumberText(*pct_param, "percentage", 1, 100);
        if (!p) return respond(ErrorResponse(p.error()));
        qty = pos->qty * *p / 100;  // whole shares, rounded down
        if (qty == 0) return respond(JsonError(422, kCodeUnprocessable, "percentage is less than one share"));
    }
    if (qty > pos->available()) {
        return respond(JsonError(403, kCodeForbidden,
                                 "insufficient qty available for order (requested: " + std::to_string(qty) +
                                     ", available: " + std::to_string(pos->available()) + ")"));
    }
    trading::PlaceOrder cmd;
    cmd.account = account;
    cmd.symbol = *sym;
    cmd.side = trading::Side::kSell;
    cmd.type = trading::OrderType::kMarket;
    cmd.tif = trading::TimeInForce::kDay;
    cmd.qty = qty;
    cmd.ts = clock_.Now();
    SubmitOrderCommand(std::move(cmd), std::move(respond));
}

void Api::CloseAllPositions(const HttpRequest& req, const Principal& who, Responder respond) {
    const auto account = static_cast<trading::AccountId>(who.user_id);
    // alpaca-py sends Python's spelling of booleans ("True").
    std::string cancel = req.Query("cancel_orders").value_or("false");
    for (char& c : cancel) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (cancel != "true" && cancel != "false") return respond(JsonError(422, kCodeUnprocessable, "cancel_orders must be true or false"));
    if (cancel == "true") {
        // Cancels go first in the engine's queue, so the sells below see the released shares.
        storage::OrderQuery q;
        q.account = account;
        q.limit = 0;
        auto open = reads_.ListOrders(q);
        if (!open) return respond(ErrorResponse(open.error()));
        for (const auto& o : *open) backend_.Submit(trading::CancelOrder{account, o.id, clock_.Now()}, nullptr);
    }
    auto positions = reads_.PositionsOf(account);
    if (!positions) return respond(ErrorResponse(positions.error()));
    std::vector<trading::Position> held;
    for (const auto& p : *positions) {
        if (p.qty > 0) held.push_back(p);
    }
    if (held.empty()) return respond(Json(207, json::array()));
    auto gather = std::make_shared<Gather>();
    gather->pending = held.size();
    gather->respond = std::move(respond);
    for (const auto& p : held) {
        trading::PlaceOrder cmd;
        cmd.account = account;
        cmd.symbol = p.symbol;
        cmd.side = trading::Side::kSell;
        cmd.type = trading::OrderType::kMarket;
        cmd.tif = trading::TimeInForce::kDay;
        cmd.qty = cancel == "true" ? p.qty : p.available();
        cmd.ts = clock_.Now();
        const std::string code = universe_.Get(p.symbol).code;
        if (cmd.qty <= 0) {
            json::object item;
            item["symbol"] = code;
            item["status"] = 403;
            item["body"] = json::parse(JsonError(403, kCodeForbidden, "all shares are held by open orders").body);
            gather->Add(std::move(item));
            continue;
        }
        backend_.Submit(std::move(cmd), [this, gather, code](const trading::CommandResult& r,
                                                             const std::vector<trading::Event>& ev) {
            json::object item;
            item["symbol"] = code;
            if (r.ok()) {
                item["order_id"] = IdToUuid(IdKind::kOrder, r.order);
                item["status"] = 200;
                for (const auto& e : ev) {
                    if (e.has_order && e.order.id == r.order) item["body"] = OrderJson(e.order);
                }
            } else {
                const HttpResponse err = EngineErrorResponse(*r.error);
                item["status"] = err.status;
                item["body"] = json::parse(err.body);
            }
            gather->Add(std::move(item));
        });
    }
}

// ---- Assets, clock, calendar ---------------------------------------------------------------------------

HttpResponse Api::ListAssets(const HttpRequest& req, const Principal&) {
    const std::string status = req.Query("status").value_or("active");
    if (status != "active" && status != "inactive") return JsonError(422, kCodeUnprocessable, "status must be active or inactive");
    if (auto cls = req.Query("asset_class"); cls && *cls != "us_equity") {
        return JsonError(422, kCodeUnprocessable, "asset_class must be us_equity (KRX stocks are listed under it)");
    }
    json::array out;
    if (status == "active") {
        for (market::SymbolId id = 0; id < universe_.size(); ++id) out.push_back(AssetJson(id));
    }
    return Json(out);
}

HttpResponse Api::GetAsset(const HttpRequest& req, const Principal&) {
    auto id = FindSymbol(req.Param("symbol"));
    if (!id) return JsonError(404, kCodeNotFound, "asset not found");
    return Json(AssetJson(*id));
}

HttpResponse Api::Clock(const HttpRequest&, const Principal&) {
    const Timestamp now = clock_.Now();
    const auto state = calendar_.StateAt(now);
    const bool open = state != market::SessionState::kClosed;
    json::object j;
    j["timestamp"] = FormatRfc3339(now);
    j["is_open"] = open;
    if (calendar_.mode() == market::SessionMode::kAlways) {
        j["next_open"] = FormatRfc3339(now);
        j["next_close"] = FormatRfc3339(now + 365 * kNanosPerDay);
    } else {
        Date d = ToKst(now).date;
        const Timestamp today_open = FromKst(d, 9, 0);
        const Timestamp today_close = FromKst(d, 15, 30);
        const bool trading_day = calendar_.IsTradingDay(d);
        Date next = (trading_day && now < today_open) ? d : calendar_.NextTradingDay(d);
        j["next_open"] = FormatRfc3339(FromKst(next, 9, 0));
        Date close_day = (trading_day && now < today_close) ? d : calendar_.NextTradingDay(d);
        j["next_close"] = FormatRfc3339(close_day == d ? today_close : FromKst(close_day, 15, 30));
    }
    j["session"] = std::string(market::SessionStateName(state));
    return Json(j);
}

HttpResponse Api::Calendar(const HttpRequest& req, const Principal&) {
    const Date today = ToKst(clock_.Now()).date;
    Date start = today, end = CivilFromDays(DaysFromCivil(today) + 30);
    for (auto [name, target] : {std::pair{"start", &start}, std::pair{"end", &end}}) {
        if (auto v = req.Query(name)) {
            auto d = ParseDate(v->substr(0, 10));
            if (!d) return JsonError(422, kCodeUnprocessable, std::string(name) + " must be a YYYY-MM-DD date");
            *target = *d;
        }
    }
    if (DaysFromCivil(end) < DaysFromCivil(start)) return JsonError(422, kCodeUnprocessable, "end is before start");
    if (DaysFromCivil(end) - DaysFromCivil(start) > 3660) return JsonError(422, kCodeUnprocessable, "at most ten years at a time");
    json::array out;
    for (auto day = DaysFromCivil(start); day <= DaysFromCivil(end); ++day) {
        const Date d = CivilFromDays(day);
        if (calendar_.mode() == market::SessionMode::kKrx && !calendar_.IsTradingDay(d)) continue;
        json::object o;
        o["date"] = FormatDate(d);
        o["open"] = "09:00";
        o["close"] = "15:30";
        o["session_open"] = "0830";
        o["session_close"] = "1800";
        o["settlement_date"] = FormatDate(calendar_.NextTradingDay(calendar_.NextTradingDay(d)));
        out.push_back(std::move(o));
    }
    return Json(out);
}

// ---- Watchlists ----------------------------------------------------------------------------------------

Result<json::object> Api::WatchlistJson(const storage::WatchlistRecord& w) const {
    json::object j;
    j["id"] = w.id;
    j["account_id"] = IdToUuid(IdKind::kAccount, static_cast<std::uint64_t>(w.user_id));
    j["name"] = w.name;
    j["created_at"] = FormatRfc3339(w.created_at);
    j["updated_at"] = FormatRfc3339(w.updated_at);
    json::array assets;
    for (auto s : w.symbols) {
        if (s < universe_.size()) assets.push_back(AssetJson(s));
    }
    j["assets"] = std::move(assets);
    return j;
}

namespace {

Result<std::vector<market::SymbolId>> ParseSymbolList(const json::object& body, const market::Universe& u) {
    std::vector<market::SymbolId> out;
    auto it = body.find("symbols");
    if (it == body.end() || it->value().is_null()) return out;
    if (!it->value().is_array()) return MakeError(ErrorCode::kInvalidArgument, "symbols must be an array of strings");
    if (it->value().as_array().size() > 500) return MakeError(ErrorCode::kInvalidArgument, "at most 500 symbols");
    for (const auto& v : it->value().as_array()) {
        if (!v.is_string()) return MakeError(ErrorCode::kInvalidArgument, "symbols must be an array of strings");
        auto id = u.Find(std::string_view(v.as_string()));
        if (!id) return MakeError(ErrorCode::kInvalidArgument, "asset " + std::string(v.as_string()) + " not found");
        if (std::find(out.begin(), out.end(), *id) == out.end()) out.push_back(*id);
    }
    return out;
}

Result<std::string> WatchlistName(const json::object& body, bool required) {
    auto name = OptionalString(body, "name", 64);
    if (!name) return std::unexpected(name.error());
    if (!*name) {
        if (required) return MakeError(ErrorCode::kInvalidArgument, "name is required");
        return std::string();
    }
    if ((*name)->empty()) return MakeError(ErrorCode::kInvalidArgument, "name must not be empty");
    return **name;
}

}  // namespace

HttpResponse Api::ListWatchlists(const HttpRequest&, const Principal& who) {
    auto lists = platform_.ListWatchlists(who.user_id);
    if (!lists) return ErrorResponse(lists.error());
    json::array out;
    for (const auto& w : *lists) {
        auto j = WatchlistJson(w);
        if (!j) return ErrorResponse(j.error());
        j->erase("assets");  // Alpaca's list omits the assets
        out.push_back(std::move(*j));
    }
    return Json(out);
}

HttpResponse Api::CreateWatchlist(const HttpRequest& req, const Principal& who) {
    auto body = ParseJsonObject(req);
    if (!body) return JsonError(400, kCodeMalformed, body.error().message);
    if (auto s = OnlyFields(*body, {"name", "symbols"}); !s) return ErrorResponse(s.error());
    auto name = WatchlistName(*body, true);
    if (!name) return ErrorResponse(name.error());
    auto symbols = ParseSymbolList(*body, universe_);
    if (!symbols) return ErrorResponse(symbols.error());
    auto existing = platform_.ListWatchlists(who.user_id);
    if (!existing) return ErrorResponse(existing.error());
    if (existing->size() >= 50) return JsonError(422, kCodeUnprocessable, "at most 50 watchlists");
    storage::WatchlistRecord w;
    w.id = auth::NewUuidV4();
    w.user_id = who.user_id;
    w.name = *name;
    w.created_at = w.updated_at = clock_.Now();
    w.symbols = *symbols;
    if (auto s = platform_.CreateWatchlist(w); !s) return ErrorResponse(s.error());
    auto j = WatchlistJson(w);
    if (!j) return ErrorResponse(j.error());
    return Json(*j);
}

HttpResponse Api::GetWatchlist(const HttpRequest& req, const Principal& who) {
    auto w = platform_.GetWatchlist(who.user_id, req.Param("id"));
    if (!w) return ErrorResponse(w.error());
    if (!*w) return JsonError(404, kCodeNotFound, "watchlist not found");
    auto j = WatchlistJson(**w);
    if (!j) return ErrorResponse(j.error());
    return Json(*j);
}

HttpResponse Api::UpdateWatchlist(const HttpRequest& req, const Principal& who) {
    auto w = platform_.GetWatchlist(who.user_id, req.Param("id"));
    if (!w) return ErrorResponse(w.error());
    if (!*w) return JsonError(404, kCodeNotFound, "watchlist not found");
    auto body = ParseJsonObject(req);
    if (!body) return JsonError(400, kCodeMalformed, body.error().message);
    if (auto s = OnlyFields(*body, {"name", "symbols"}); !s) return ErrorResponse(s.error());
    auto name = WatchlistName(*body, false);
    if (!name) return ErrorResponse(name.error());
    if (!name->empty()) (*w)->name = *name;
    if (body->contains("symbols")) {
        auto symbols = ParseSymbolList(*body, universe_);
        if (!symbols) return ErrorResponse(symbols.error());
        (*w)->symbols = *symbols;
    }
    (*w)->updated_at = clock_.Now();
    if (auto s = platform_.UpdateWatchlist(**w); !s) return ErrorResponse(s.error());
    auto j = WatchlistJson(**w);
    if (!j) return ErrorResponse(j.error());
    return Json(*j);
}

HttpResponse Api::AddToWatchlist(const HttpRequest& req, const Principal& who) {
    auto w = platform_.GetWatchlist(who.user_id, req.Param("id"));
    if (!w) return ErrorResponse(w.error());
    if (!*w) return JsonError(404, kCodeNotFound, "watchlist not found");
    auto body = ParseJsonObject(req);
    if (!body) return JsonError(400, kCodeMalformed, body.error().message);
    if (auto s = OnlyFields(*body, {"symbol"}); !s) return ErrorResponse(s.error());
    auto symbol = OptionalString(*body, "symbol", 64);
    if (!symbol) return ErrorResponse(symbol.error());
    if (!*symbol) return JsonError(422, kCodeUnprocessable, "symbol is required");
    auto id = FindSymbol(**symbol);
    if (!id) return JsonError(422, kCodeUnprocessable, "asset " + **symbol + " not found");
    if (std::find((*w)->symbols.begin(), (*w)->symbols.end(), *id) == (*w)->symbols.end()) {
        if ((*w)->symbols.size() >= 500) return JsonError(422, kCodeUnprocessable, "at most 500 symbols");
        (*w)->symbols.push_back(*id);
    }
    (*w)->updated_at = clock_.Now();
    if (auto s = platform_.UpdateWatchlist(**w); !s) return ErrorResponse(s.error());
    auto j = WatchlistJson(**w);
    if (!j) return ErrorResponse(j.error());
    return Json(*j);
}

HttpResponse Api::RemoveFromWatchlist(const HttpRequest& req, const Principal& who) {
    auto w = platform_.GetWatchlist(who.user_id, req.Param("id"));
    if (!w) return ErrorResponse(w.error());
    if (!*w) return JsonError(404, kCodeNotFound, "watchlist not found");
    auto id = FindSymbol(req.Param("symbol"));
    auto& symbols = (*w)->symbols;
    auto it = id ? std::find(symbols.begin(), symbols.end(), *id) : symbols.end();
    if (it == symbols.end()) return JsonError(404, kCodeNotFound, "symbol not in watchlist");
    symbols.erase(it);
    (*w)->updated_at = clock_.Now();
    if (auto s = platform_.UpdateWatchlist(**w); !s) return ErrorResponse(s.error());
    auto j = WatchlistJson(**w);
    if (!j) return ErrorResponse(j.error());
    return Json(*j);
}

HttpResponse Api::DeleteWatchlist(const HttpRequest& req, const Principal& who) {
    auto deleted = platform_.DeleteWatchlist(who.user_id, req.Param("id"));
    if (!deleted) return ErrorResponse(deleted.error());
    if (!*deleted) return JsonError(404, kCodeNotFound, "watchlist not found");
    return NoContent();
}

}  // namespace ik::gateway
