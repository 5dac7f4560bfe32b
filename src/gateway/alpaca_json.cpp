#include "gateway/alpaca_json.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "gateway/api_support.hpp"

namespace ik::gateway {

namespace json = boost::json;

namespace {

// Bytes that JSON strings cannot hold as they are: quote, backslash and control characters.
constexpr std::array<bool, 256> kNeedsEscape = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 0x20; ++c) t[static_cast<std::size_t>(c)] = true;
    t['"'] = true;
    t['\\'] = true;
    return t;
}();

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    std::size_t plain = 0;  // start of the run of bytes that need no escape
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (!kNeedsEscape[c]) continue;
        out.append(text.data() + plain, i - plain);
        plain = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                out += "\\u00";
                out += kHex[c >> 4];
                out += kHex[c & 0xf];
        }
    }
    out.append(text.data() + plain, text.size() - plain);
    out += '"';
}

void TextSink::Key(std::string_view key) {
    out_ += first_ ? "\"" : ",\"";
    first_ = false;
    // Keys are the program's own names; escaped all the same should one ever need it.
    if (std::none_of(key.begin(), key.end(), [](char c) { return kNeedsEscape[static_cast<unsigned char>(c)]; })) {
        out_.append(key);
        out_ += "\":";
        return;
    }
    out_.pop_back();
    AppendJsonString(out_, key);
    out_ += ':';
}

void TextSink::String(std::string_view key, std::string_view value) {
    Key(key);
    AppendJsonString(out_, value);
}

void TextSink::Null(std::string_view key) {
    Key(key);
    out_ += "null";
}

void TextSink::Bool(std::string_view key, bool value) {
    Key(key);
    out_ += value ? "true" : "false";
}

void TextSink::Int(std::string_view key, std::int64_t value) {
    Key(key);
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, value);
    out_.append(buf, r.ptr);
}

void WriteOrder(FieldSink& s, const trading::Order& o, const market::Universe& universe) {
    using trading::OrderStatus;
    auto time_if = [&](std::string_view key, bool when) {
        if (when && o.updated_at != 0) {
            s.String(key, FormatRfc3339(o.updated_at));
        } else {
            s.Null(key);
        }
    };
    auto id_or_null = [&](std::string_view key, trading::OrderId id) {
        if (id) {
            s.String(key, IdToUuid(IdKind::kOrder, id));
        } else {
            s.Null(key);
        }
    };
    auto price_or_null = [&](std::string_view key, Won price) {
        if (price) {
            s.String(key, Str(price));
        } else {
            s.Null(key);
        }
    };
    s.String("id", IdToUuid(IdKind::kOrder, o.id));
    s.String("client_order_id", trading::ClientOrderIdOf(o));
    const std::string created = FormatRfc3339(o.created_at);
    s.String("created_at", created);
    s.String("updated_at", FormatRfc3339(o.updated_at));
    s.String("submitted_at", created);
    time_if("filled_at", o.status == OrderStatus::kFilled);
    time_if("expired_at", o.status == OrderStatus::kExpired);
    time_if("canceled_at", o.status == OrderStatus::kCanceled);
    s.Null("failed_at");
    time_if("replaced_at", o.status == OrderStatus::kReplaced);
    id_or_null("replaced_by", o.replaced_by);
    id_or_null("replaces", o.replaces);
    s.String("asset_id", IdToUuid(IdKind::kAsset, o.symbol));
    s.String("symbol", o.symbol < universe.size() ? std::string_view(universe.Get(o.symbol).code) : std::string_view());
    s.String("asset_class", "us_equity");
    s.Null("notional");
    s.String("qty", Str(o.qty));
    s.String("filled_qty", Str(o.filled_qty));
    if (o.filled_qty > 0) {
        s.String("filled_avg_price", FormatRatio(o.filled_notional, o.filled_qty, 2));
    } else {
        s.Null("filled_avg_price");
    }
    s.String("order_class", "simple");
    s.String("order_type", trading::OrderTypeName(o.type));
    s.String("type", trading::OrderTypeName(o.type));
    s.String("side", trading::SideName(o.side));
    s.String("position_intent", o.side == trading::Side::kBuy ? "buy_to_open" : "sell_to_close");
    s.String("time_in_force", trading::TimeInForceName(o.tif));
    price_or_null("limit_price", o.limit_price);
    price_or_null("stop_price", o.stop_price);
    s.String("status", trading::OrderStatusName(o.status));
    s.Bool("extended_hours", false);
    s.Null("legs");
    s.Null("trail_percent");
    s.Null("trail_price");
    s.Null("hwm");
}

json::object OrderToJson(const trading::Order& o, const market::Universe& universe) {
    json::object j;
    j.reserve(40);
    ObjectSink sink(j);
    WriteOrder(sink, o, universe);
    return j;
}

std::string OrderToJsonText(const trading::Order& o, const market::Universe& universe) {
    std::string out;
    out.reserve(1200);
    TextSink sink(out);
    WriteOrder(sink, o, universe);
    sink.Close();
    return out;
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
