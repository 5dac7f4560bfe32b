#include "gateway/alpaca_json.hpp"

#include "gateway/api_support.hpp"

namespace ik::gateway {

namespace json = boost::json;

json::object OrderToJson(const trading::Order& o, const market::Universe& universe) {
    json::object j;
    j["id"] = IdToUuid(IdKind::kOrder, o.id);
    j["client_order_id"] = trading::ClientOrderIdOf(o);
    j["created_at"] = FormatRfc3339(o.created_at);
    j["updated_at"] = FormatRfc3339(o.updated_at);
    j["submitted_at"] = FormatRfc3339(o.created_at);
    const bool filled = o.status == trading::OrderStatus::kFilled;
    j["filled_at"] = filled ? TimeOrNull(o.updated_at) : json::value(nullptr);
    j["expired_at"] = o.status == trading::OrderStatus::kExpired ? TimeOrNull(o.updated_at) : json::value(nullptr);
    j["canceled_at"] = o.status == trading::OrderStatus::kCanceled ? TimeOrNull(o.updated_at) : json::value(nullptr);
    j["failed_at"] = nullptr;
    j["replaced_at"] = o.status == trading::OrderStatus::kReplaced ? TimeOrNull(o.updated_at) : json::value(nullptr);
    j["replaced_by"] = o.replaced_by ? json::value(IdToUuid(IdKind::kOrder, o.replaced_by)) : json::value(nullptr);
    j["replaces"] = o.replaces ? json::value(IdToUuid(IdKind::kOrder, o.replaces)) : json::value(nullptr);
    j["asset_id"] = IdToUuid(IdKind::kAsset, o.symbol);
    j["symbol"] = o.symbol < universe.size() ? universe.Get(o.symbol).code : std::string();
    j["asset_class"] = "us_equity";
    j["notional"] = nullptr;
    j["qty"] = Str(o.qty);
    j["filled_qty"] = Str(o.filled_qty);
    j["filled_avg_price"] = o.filled_qty > 0 ? json::value(FormatRatio(o.filled_notional, o.filled_qty, 2))
                                             : json::value(nullptr);
    j["order_class"] = "simple";
    j["order_type"] = std::string(trading::OrderTypeName(o.type));
    j["type"] = std::string(trading::OrderTypeName(o.type));
    j["side"] = std::string(trading::SideName(o.side));
    j["position_intent"] = o.side == trading::Side::kBuy ? "buy_to_open" : "sell_to_close";
    j["time_in_force"] = std::string(trading::TimeInForceName(o.tif));
    j["limit_price"] = o.limit_price ? json::value(Str(o.limit_price)) : json::value(nullptr);
    j["stop_price"] = o.stop_price ? json::value(Str(o.stop_price)) : json::value(nullptr);
    j["status"] = std::string(trading::OrderStatusName(o.status));
    j["extended_hours"] = false;
    j["legs"] = nullptr;
    j["trail_percent"] = nullptr;
    j["trail_price"] = nullptr;
    j["hwm"] = nullptr;
    return j;
}

json::object BarToJson(const market::Bar& b) {
    json::object j;
    j["t"] = FormatRfc3339(b.start);
    j["o"] = b.open;
    j["h"] = b.high;
    j["l"] = b.low;
    j["c"] = b.close;
    j["v"] = b.volume;
    j["n"] = b.trades;
    j["vw"] = nullptr;  // ticks carry no per-trade sizes fine enough for a true VWAP
    return j;
}

json::object TradeToJson(const market::Tick& t) {
    json::object j;
    j["t"] = FormatRfc3339(t.ts);
    j["x"] = "V";
    j["p"] = t.price;
    j["s"] = t.volume;
    j["c"] = json::array{"@"};
    j["i"] = t.ts;  // one trade per tick and instant: the time is its id
    j["z"] = "A";
    return j;
}

json::object QuoteToJson(const market::Tick& t) {
    json::object j;
    j["t"] = FormatRfc3339(t.ts);
    j["bx"] = "V";
    j["bp"] = t.bid;
    j["bs"] = 1;
    j["ax"] = "V";
    j["ap"] = t.ask;
    j["as"] = 1;
    j["c"] = json::array{"R"};
    j["z"] = "A";
    return j;
}

}  // namespace ik::gateway
