#pragma once
// Alpaca's JSON shapes of an order and of market data (bar, trade, quote), shared by the REST API and the
// streams (which add "T" and "S" and may write msgpack). Stateless.
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json.hpp>

#include "market/symbols.hpp"
#include "market/tick.hpp"
#include "trading/types.hpp"

namespace ik::gateway {

// Receives an object's fields in order. A shape written once against this interface can be built as a
// boost::json object (to embed in a larger document) or written straight to text (hot responses).
class FieldSink {
public:
    virtual ~FieldSink() = default;
    virtual void String(std::string_view key, std::string_view value) = 0;
    virtual void Null(std::string_view key) = 0;
    virtual void Bool(std::string_view key, bool value) = 0;
    virtual void Int(std::string_view key, std::int64_t value) = 0;
};

// Fields into a boost::json object (later fields with the same key replace earlier ones).
class ObjectSink final : public FieldSink {
public:
    explicit ObjectSink(boost::json::object& out) : out_(out) {}
    void String(std::string_view key, std::string_view value) override { out_[key] = value; }
    void Null(std::string_view key) override { out_[key] = nullptr; }
    void Bool(std::string_view key, bool value) override { out_[key] = value; }
    void Int(std::string_view key, std::int64_t value) override { out_[key] = value; }

private:
    boost::json::object& out_;
};

// Fields as JSON text appended to `out`: "{" on construction, "}" on Close(). Strings are escaped as JSON
// requires (quote, backslash, control characters); other bytes pass through, as boost::json writes them.
class TextSink final : public FieldSink {
public:
    explicit TextSink(std::string& out) : out_(out) { out_ += '{'; }
    void String(std::string_view key, std::string_view value) override;
    void Null(std::string_view key) override;
    void Bool(std::string_view key, bool value) override;
    void Int(std::string_view key, std::int64_t value) override;
    void Close() { out_ += '}'; }

private:
    void Key(std::string_view key);
    std::string& out_;
    bool first_ = true;
};

// Appends `text` as a quoted, escaped JSON string.
void AppendJsonString(std::string& out, std::string_view text);

// Alpaca's order object.
void WriteOrder(FieldSink& sink, const trading::Order& order, const market::Universe& universe);
boost::json::object OrderToJson(const trading::Order& order, const market::Universe& universe);
std::string OrderToJsonText(const trading::Order& order, const market::Universe& universe);

// Time in "t" as RFC 3339; "n" and "vw" always present ("vw" null: ticks carry no sizes fine enough for it).
boost::json::object BarToJson(const market::Bar& bar);
// One trade per tick: "i" is the tick's time (it only increases), exchange "V", condition "@".
boost::json::object TradeToJson(const market::Tick& tick);
// The tick's best bid and ask; sizes are 1 (ticks carry none).
boost::json::object QuoteToJson(const market::Tick& tick);

}  // namespace ik::gateway
