#include "bus/topics.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <thread>

#include <fmt/format.h>

namespace ik::bus {

namespace json = boost::json;

namespace {

json::object Field(std::string_view type, std::string_view name, bool optional = false) {
    return json::object{{"type", type}, {"optional", optional}, {"field", name}};
}

const json::object& StockInfoSchema() {
    static const json::object schema{
        {"type", "struct"},
        {"name", "stockinfos"},
        {"optional", false},
        {"fields", json::array{
                       // the original's three
                       Field("int32", "stock_id"), Field("int32", "trade_price"), Field("string", "updated_time"),
                       // ours
                       Field("string", "symbol"), Field("int64", "price"), Field("int64", "bid"), Field("int64", "ask"),
                       Field("int64", "volume"), Field("int64", "timestamp")}}};
    return schema;
}

const json::object& StockSchema() {
    static const json::object schema{
        {"type", "struct"},
        {"name", "stocks"},
        {"optional", false},
        {"fields", json::array{Field("int32", "stock_id"), Field("string", "stock_name"), Field("string", "stock_code"),
                               Field("string", "name_en"), Field("string", "market"), Field("string", "sector"),
                               Field("int64", "previous_close"), Field("string", "status")}}};
    return schema;
}

// "YYYY-MM-DD-HH-MM" in KST, the original's updated_time.
std::string KstMinute(Timestamp ts) {
    const KstTime k = ToKst(ts);
    return fmt::format("{:04}-{:02}-{:02}-{:02}-{:02}", k.date.year, k.date.month, k.date.day, k.minute_of_day / 60,
                       k.minute_of_day % 60);
}

Result<json::object> Payload(std::string_view text, std::string_view schema_name) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    const auto bad = [&](std::string_view why) {
        return MakeError(ErrorCode::kInvalidArgument, fmt::format("{} message: {}", schema_name, why));
    };
    if (ec) return bad(fmt::format("not JSON ({})", ec.message()));
    if (!v.is_object()) return bad("not an object");
    const auto& o = v.get_object();
    const auto* schema = o.if_contains("schema");
    const auto* payload = o.if_contains("payload");
    if (schema == nullptr || !schema->is_object() || payload == nullptr || !payload->is_object()) {
        return bad("no schema and payload (Kafka Connect JSON with schema expected)");
    }
    const auto* name = schema->get_object().if_contains("name");
    if (name == nullptr || !name->is_string() || name->get_string() != schema_name) return bad("wrong schema name");
    return payload->get_object();
}

Result<std::int64_t> Int(const json::object& o, std::string_view key, std::string_view what) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_int64()) {
        if (v != nullptr && v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
            return static_cast<std::int64_t>(v->get_uint64());
        }
        return MakeError(ErrorCode::kInvalidArgument, fmt::format("{} message: {} must be an integer", what, key));
    }
    return v->get_int64();
}

Result<std::string> Text(const json::object& o, std::string_view key, std::string_view what) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_string()) {
        return MakeError(ErrorCode::kInvalidArgument, fmt::format("{} message: {} must be a string", what, key));
    }
    return std::string(v->get_string());
}

}  // namespace

TopicSpec StockInfosSpec() { return {std::string(kStockInfosTopic), 6, false}; }
TopicSpec StocksSpec() { return {std::string(kStocksTopic), 1, true}; }

Status EnsureTopic(Bus& bus, const TopicSpec& spec) {
    auto made = bus.CreateTopic(spec);
    if (made) return {};
    if (made.error().code != ErrorCode::kAlreadyExists) return std::unexpected(made.error());
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
        auto n = bus.Partitions(spec.name);
        if (n) return {};
        if (n.error().code != ErrorCode::kNotFound || std::chrono::steady_clock::now() >= until) {
            return std::unexpected(n.error());
        }
        // The cluster's metadata has no change notification: a short pause between asks.
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

std::string EncodeStockInfo(std::string_view code, const market::Tick& t) {
    json::object payload{
        {"stock_id", static_cast<std::int64_t>(t.symbol)},
        {"trade_price", t.price},
        {"updated_time", KstMinute(t.ts)},
        {"symbol", code},
        {"price", t.price},
        {"bid", t.bid},
        {"ask", t.ask},
        {"volume", t.volume},
        {"timestamp", t.ts},
    };
    return json::serialize(json::object{{"schema", StockInfoSchema()}, {"payload", std::move(payload)}});
}

Result<StockInfoMessage> DecodeStockInfo(std::string_view text) {
    constexpr std::string_view kWhat = "stockinfos";
    auto p = Payload(text, kWhat);
    if (!p) return std::unexpected(p.error());
    StockInfoMessage m;
    auto code = Text(*p, "symbol", kWhat);
    if (!code) return std::unexpected(code.error());
    if (!market::IsValidCode(*code)) return MakeError(ErrorCode::kInvalidArgument, "stockinfos message: symbol is not a KRX code");
    m.code = std::move(*code);
    auto id = Int(*p, "stock_id", kWhat);
    auto price = Int(*p, "price", kWhat);
    auto bid = Int(*p, "bid", kWhat);
    auto ask = Int(*p, "ask", kWhat);
    auto volume = Int(*p, "volume", kWhat);
    auto ts = Int(*p, "timestamp", kWhat);
    for (const auto* r : {&id, &price, &bid, &ask, &volume, &ts}) {
        if (!*r) return std::unexpected(r->error());
    }
    if (*id < 0 || *id > static_cast<std::int64_t>(UINT32_MAX - 1)) {
        return MakeError(ErrorCode::kInvalidArgument, "stockinfos message: stock_id out of range");
    }
    // Bounds far beyond any real market, so arithmetic on the values (bars, notionals) can never overflow.
    constexpr std::int64_t kMaxPrice = 10'000'000'000;         // won
    constexpr std::int64_t kMaxVolume = 1'000'000'000'000;     // shares in one tick
    constexpr std::int64_t kMaxTs = 7'258'118'400'000'000'000;  // 2200-01-01
    if (*price <= 0 || *bid < 0 || *ask < 0 || *volume < 0 || *ts <= 0) {
        return MakeError(ErrorCode::kInvalidArgument, "stockinfos message: price, timestamp must be positive; bid, ask, volume not negative");
    }
    if (*price > kMaxPrice || *bid > kMaxPrice || *ask > kMaxPrice || *volume > kMaxVolume || *ts > kMaxTs) {
        return MakeError(ErrorCode::kInvalidArgument, "stockinfos message: a price, volume or timestamp is out of range");
    }
    m.tick = market::Tick{static_cast<market::SymbolId>(*id), *ts, *price, *bid, *ask, *volume};
    return m;
}

std::string EncodeStock(const StockMessage& m) {
    json::object payload{
        {"stock_id", static_cast<std::int64_t>(m.id)},
        {"stock_name", m.stock.name_ko},
        {"stock_code", m.stock.code},
        {"name_en", m.stock.name_en},
        {"market", market::ExchangeName(m.stock.market)},
        {"sector", m.stock.sector},
        {"previous_close", m.stock.previous_close},
        {"status", market::ListingStatusName(m.status)},
    };
    return json::serialize(json::object{{"schema", StockSchema()}, {"payload", std::move(payload)}});
}

Result<StockMessage> DecodeStock(std::string_view text) {
    constexpr std::string_view kWhat = "stocks";
    auto p = Payload(text, kWhat);
    if (!p) return std::unexpected(p.error());
    StockMessage m;
    auto id = Int(*p, "stock_id", kWhat);
    auto name = Text(*p, "stock_name", kWhat);
    auto code = Text(*p, "stock_code", kWhat);
    auto name_en = Text(*p, "name_en", kWhat);
    auto exchange = Text(*p, "market", kWhat);
    auto sector = Text(*p, "sector", kWhat);
    auto close = Int(*p, "previous_close", kWhat);
    auto status = Text(*p, "status", kWhat);
    if (!id) return std::unexpected(id.error());
    if (!close) return std::unexpected(close.error());
    for (const auto* r : {&name, &code, &name_en, &exchange, &sector, &status}) {
        if (!*r) return std::unexpected(r->error());
    }
    if (*id < 0 || *id > static_cast<std::int64_t>(UINT32_MAX - 1)) {
        return MakeError(ErrorCode::kInvalidArgument, "stocks message: stock_id out of range");
    }
    if (!market::IsValidCode(*code)) return MakeError(ErrorCode::kInvalidArgument, "stocks message: stock_code is not a KRX code");
    if (name->empty()) return MakeError(ErrorCode::kInvalidArgument, "stocks message: stock_name is empty");
    // The databases' columns hold 255 characters; a longer name would fail every write of its batch for good.
    constexpr std::size_t kMaxText = 200;
    if (name->size() > kMaxText || name_en->size() > kMaxText || sector->size() > kMaxText) {
        return MakeError(ErrorCode::kInvalidArgument, "stocks message: a name or sector is longer than 200 bytes");
    }
    if (*close > 10'000'000'000) return MakeError(ErrorCode::kInvalidArgument, "stocks message: previous_close is out of range");
    if (*close < 0) return MakeError(ErrorCode::kInvalidArgument, "stocks message: previous_close is negative");
    auto ex = market::ParseExchange(*exchange);
    if (!ex) return std::unexpected(ex.error());
    auto st = market::ParseListingStatus(*status);
    if (!st) return std::unexpected(st.error());
    m.id = static_cast<market::SymbolId>(*id);
    m.stock = market::StockInfo{std::move(*code), std::move(*name), std::move(*name_en), *ex, std::move(*sector), *close};
    m.status = *st;
    return m;
}

std::vector<TopicPartitionOffset> NextOffsets(std::span<const Message> read) {
    std::map<TopicPartition, std::int64_t> next;
    for (const auto& m : read) next[m.tp] = std::max(next[m.tp], m.offset + 1);
    std::vector<TopicPartitionOffset> out;
    for (const auto& [tp, offset] : next) out.push_back({tp, offset});
    return out;
}

}  // namespace ik::bus
