#include "bus/order_messages.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cstdint>
#include <exception>
#include <limits>
#include <type_traits>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace ik::bus {

namespace json = boost::json;

namespace {

using trading::AccountBalance;
using trading::Command;
using trading::CommandResult;
using trading::Event;
using trading::EventType;
using trading::Fill;
using trading::LedgerEntry;
using trading::LedgerTxn;
using trading::Order;
using trading::Position;

constexpr std::int64_t kVersion = 1;

// The command's "type", indexed like the alternatives of trading::Command.
constexpr std::array<std::string_view, 9> kCommandTypes = {"open_account",   "deposit",       "place_order",
                                                           "cancel_order",   "replace_order", "market_tick",
                                                           "session_change", "list_symbol",   "halt_symbol"};
static_assert(kCommandTypes.size() == std::variant_size_v<Command>, "name every Command alternative");

// Limits of the free-text fields the engine only stores or shows, so a hostile message cannot make them huge.
constexpr std::size_t kMaxNameLength = 32;  // enum names; also keeps refused input short in error messages
constexpr std::size_t kMaxSymbolCodeLength = 64;
constexpr std::size_t kMaxErrorMessageLength = 4096;
// Our messages nest five levels deep; a tighter bound than boost's default caps the parser's work on junk.
constexpr std::size_t kMaxJsonDepth = 16;

// ---- names whose modules have no parser ------------------------------------------------------------------

// Finds the enumerator in [first, last] whose name is `text`.
template <class E>
Result<E> ParseByName(std::string_view text, E first, E last, std::string_view (*name)(E), std::string_view what) {
    for (auto i = static_cast<int>(first); i <= static_cast<int>(last); ++i) {
        if (name(static_cast<E>(i)) == text) return static_cast<E>(i);
    }
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("unknown {} '{}'", what, text));
}

Result<EventType> ParseEventType(std::string_view s) {
    return ParseByName(s, EventType::kAccountOpened, EventType::kOrderRereserved, trading::EventTypeName, "event type");
}

Result<market::SessionState> ParseSessionState(std::string_view s) {
    return ParseByName(s, market::SessionState::kClosed, market::SessionState::kClosingAuction,
                       market::SessionStateName, "session state");
}

Result<ErrorCode> ParseErrorCode(std::string_view s) {
    return ParseByName(s, ErrorCode::kInvalidArgument, ErrorCode::kInternal, ErrorCodeName, "error code");
}

bool IsIdChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == ':' || c == '-';
}

// ---- reading ---------------------------------------------------------------------------------------------

// Reads the fields of one JSON object, naming them by their path ("events[2].order.qty") when they are wrong.
// The first failure goes to a slot the whole decode shares and every later read returns a default, so a decoder
// reads its fields straight through and checks once at the end.
class Reader final {
public:
    Reader(const json::object* object, std::string path, std::optional<Error>* failure)
        : object_(object), path_(std::move(path)), failure_(failure) {}

    bool ok() const { return !failure_->has_value(); }
    bool Has(std::string_view key) const { return object_ != nullptr && object_->contains(key); }

    void Fail(std::string_view key, std::string_view why) {
        if (ok()) *failure_ = Error{ErrorCode::kInvalidArgument, fmt::format("{}{} {}", path_, key, why)};
    }

    std::int64_t Int(std::string_view key) {
        const json::value* v = Get(key);
        if (v == nullptr) return 0;
        // A double is refused even when integral: the writer meant a float, and above 2^53 it is inexact.
        if (!v->is_int64()) {
            Fail(key, "must be an integer in the int64 range");
            return 0;
        }
        return v->get_int64();
    }

    std::int64_t NonNegative(std::string_view key) {
        const std::int64_t n = Int(key);
        if (n >= 0) return n;
        Fail(key, "must not be negative");
        return 0;
    }

    std::uint64_t Uint(std::string_view key) {
        const json::value* v = Get(key);
        if (v == nullptr) return 0;
        // boost::json parses integers up to INT64_MAX as int64 and only larger ones as uint64.
        if (v->is_uint64()) return v->get_uint64();
        if (v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
        Fail(key, "must be an integer in the uint64 range");
        return 0;
    }

    market::SymbolId Symbol(std::string_view key) {
        const std::uint64_t n = Uint(key);
        if (n <= std::numeric_limits<market::SymbolId>::max()) return static_cast<market::SymbolId>(n);
        Fail(key, "must fit in 32 bits");
        return market::kNoSymbol;
    }

    bool Bool(std::string_view key) {
        const json::value* v = Get(key);
        if (v == nullptr) return false;
        if (!v->is_bool()) {
            Fail(key, "must be true or false");
            return false;
        }
        return v->get_bool();
    }

    std::string Text(std::string_view key, std::size_t max_length) {
        const json::value* v = Get(key);
        if (v == nullptr) return {};
        if (!v->is_string()) {
            Fail(key, "must be a string");
            return {};
        }
        if (v->get_string().size() > max_length) {
            Fail(key, fmt::format("is longer than {} bytes", max_length));
            return {};
        }
        return std::string(v->get_string());
    }

    // A correlation id or gateway id: short and log-safe.
    std::string Id(std::string_view key, bool may_be_empty) {
        std::string id = Text(key, kMaxCorrelationIdLength);
        if (!ok()) return {};
        if (id.empty() && !may_be_empty) {
            Fail(key, "must not be empty");
            return {};
        }
        for (const char c : id) {
            if (!IsIdChar(c)) {
                Fail(key, "may contain only letters, digits and . _ : -");
                return {};
            }
        }
        return id;
    }

    template <class E>
    E Enum(std::string_view key, Result<E> (*parse)(std::string_view)) {
        const std::string name = Text(key, kMaxNameLength);
        if (!ok()) return E{};
        auto e = parse(name);
        if (!e) {
            Fail(key, fmt::format("is not valid ({})", e.error().message));
            return E{};
        }
        return *e;
    }

    Date DateValue(std::string_view key) {
        const std::string text = Text(key, kMaxNameLength);
        if (!ok()) return {};
        auto d = ParseDate(text);
        if (!d) {
            Fail(key, fmt::format("is not valid ({})", d.error().message));
            return {};
        }
        return *d;
    }

    // After a failure the returned Reader has no object and reads only defaults.
    Reader Object(std::string_view key) {
        const json::value* v = Get(key);
        if (v != nullptr && !v->is_object()) Fail(key, "must be an object");
        const json::object* o = v != nullptr && v->is_object() ? &v->get_object() : nullptr;
        return Reader(o, fmt::format("{}{}.", path_, key), failure_);
    }

    std::optional<Reader> OptionalObject(std::string_view key) {
        if (!Has(key)) return std::nullopt;
        return Object(key);
    }

    // The elements of an array of objects, each named key[i].
    std::vector<Reader> Objects(std::string_view key, std::size_t max_size) {
        const json::value* v = Get(key);
        if (v == nullptr) return {};
        if (!v->is_array()) {
            Fail(key, "must be an array");
            return {};
        }
        const json::array& a = v->get_array();
        if (a.size() > max_size) {
            Fail(key, fmt::format("has more than {} elements", max_size));
            return {};
        }
        std::vector<Reader> out;
        out.reserve(a.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (!a[i].is_object()) {
                Fail(fmt::format("{}[{}]", key, i), "must be an object");
                return {};
            }
            out.emplace_back(&a[i].get_object(), fmt::format("{}{}[{}].", path_, key, i), failure_);
        }
        return out;
    }

private:
    const json::value* Get(std::string_view key) {
        if (!ok() || object_ == nullptr) return nullptr;
        const json::value* v = object_->if_contains(key);
        if (v == nullptr) Fail(key, "is missing");
        return v;
    }

    const json::object* object_;
    std::string path_;
    std::optional<Error>* failure_;
};

// ---- the domain values, each writer beside its reader ----------------------------------------------------

json::object TickJson(const market::Tick& t) {
    return {{"symbol", t.symbol}, {"ts", t.ts},   {"price", t.price},
            {"bid", t.bid},       {"ask", t.ask}, {"volume", t.volume}};
}

market::Tick ReadTick(Reader r) {
    market::Tick t;
    t.symbol = r.Symbol("symbol");
    t.ts = r.Int("ts");
    t.price = r.NonNegative("price");
    t.bid = r.NonNegative("bid");
    t.ask = r.NonNegative("ask");
    t.volume = r.NonNegative("volume");
    return t;
}

json::object OrderJson(const Order& o) {
    return {{"id", o.id},
            {"account", o.account},
            {"symbol", o.symbol},
            {"side", trading::SideName(o.side)},
            {"order_type", trading::OrderTypeName(o.type)},
            {"time_in_force", trading::TimeInForceName(o.tif)},
            {"status", trading::OrderStatusName(o.status)},
            {"triggered", o.triggered},
            {"qty", o.qty},
            {"filled_qty", o.filled_qty},
            {"limit_price", o.limit_price},
            {"stop_price", o.stop_price},
            {"filled_notional", o.filled_notional},
            {"reserved_cash", o.reserved_cash},
            {"created_at", o.created_at},
            {"updated_at", o.updated_at},
            {"replaces", o.replaces},
            {"replaced_by", o.replaced_by},
            {"client_order_id", o.client_order_id}};
}

Order ReadOrder(Reader r) {
    Order o;
    o.id = r.Uint("id");
    o.account = r.Uint("account");
    o.symbol = r.Symbol("symbol");
    o.side = r.Enum("side", trading::ParseSide);
    o.type = r.Enum("order_type", trading::ParseOrderType);
    o.tif = r.Enum("time_in_force", trading::ParseTimeInForce);
    o.status = r.Enum("status", trading::ParseOrderStatus);
    o.triggered = r.Bool("triggered");
    o.qty = r.NonNegative("qty");
    o.filled_qty = r.NonNegative("filled_qty");
    o.limit_price = r.NonNegative("limit_price");
    o.stop_price = r.NonNegative("stop_price");
    o.filled_notional = r.NonNegative("filled_notional");
    o.reserved_cash = r.NonNegative("reserved_cash");
    o.created_at = r.Int("created_at");
    o.updated_at = r.Int("updated_at");
    o.replaces = r.Uint("replaces");
    o.replaced_by = r.Uint("replaced_by");
    o.client_order_id = r.Text("client_order_id", trading::kMaxClientOrderIdLength);
    return o;
}

json::object FillJson(const Fill& f) {
    return {{"id", f.id},
            {"order", f.order},
            {"account", f.account},
            {"symbol", f.symbol},
            {"side", trading::SideName(f.side)},
            {"qty", f.qty},
            {"price", f.price},
            {"commission", f.commission},
            {"tax", f.tax},
            {"ts", f.ts},
            {"settle_date", FormatDate(f.settle_date)}};
}

Fill ReadFill(Reader r) {
    Fill f;
    f.id = r.Uint("id");
    f.order = r.Uint("order");
    f.account = r.Uint("account");
    f.symbol = r.Symbol("symbol");
    f.side = r.Enum("side", trading::ParseSide);
    f.qty = r.NonNegative("qty");
    f.price = r.NonNegative("price");
    f.commission = r.NonNegative("commission");
    f.tax = r.NonNegative("tax");
    f.ts = r.Int("ts");
    f.settle_date = r.DateValue("settle_date");
    return f;
}

json::object PositionJson(const Position& p) {
    return {{"account", p.account},           {"symbol", p.symbol},         {"qty", p.qty},
            {"reserved_qty", p.reserved_qty}, {"cost_basis", p.cost_basis}, {"realized_pnl", p.realized_pnl}};
}

Position ReadPosition(Reader r) {
    Position p;
    p.account = r.Uint("account");
    p.symbol = r.Symbol("symbol");
    p.qty = r.NonNegative("qty");
    p.reserved_qty = r.NonNegative("reserved_qty");
    p.cost_basis = r.Int("cost_basis");
    p.realized_pnl = r.Int("realized_pnl");  // losses are negative
    return p;
}

json::object BalanceJson(const AccountBalance& b) {
    return {{"id", b.id}, {"cash", b.cash}, {"reserved_cash", b.reserved_cash}};
}

AccountBalance ReadBalance(Reader r) {
    AccountBalance b;
    b.id = r.Uint("id");
    b.cash = r.Int("cash");
    b.reserved_cash = r.NonNegative("reserved_cash");
    return b;
}

json::object LedgerJson(const LedgerTxn& l) {
    json::array entries;
    const std::size_t count = std::min<std::size_t>(l.count, trading::kMaxLedgerEntries);
    for (std::size_t i = 0; i < count; ++i) {
        const LedgerEntry& e = l.entries[i];
        entries.push_back(json::object{{"book", trading::LedgerBookName(e.book)},
                                       {"account", e.account},
                                       {"symbol", e.symbol},
                                       {"amount", e.amount}});
    }
    return {{"id", l.id}, {"count", static_cast<std::uint64_t>(l.count)}, {"entries", std::move(entries)}};
}

LedgerTxn ReadLedger(Reader r) {
    LedgerTxn l;
    l.id = r.Uint("id");
    const std::uint64_t count = r.Uint("count");
    if (count > trading::kMaxLedgerEntries) {
        r.Fail("count", fmt::format("must be at most {}", trading::kMaxLedgerEntries));
        return l;
    }
    std::vector<Reader> entries = r.Objects("entries", trading::kMaxLedgerEntries);
    if (!r.ok()) return l;
    if (entries.size() != count) {
        r.Fail("entries", fmt::format("must hold exactly count ({}) entries", count));
        return l;
    }
    l.count = static_cast<std::uint8_t>(count);
    for (std::size_t i = 0; i < entries.size(); ++i) {
        LedgerEntry& e = l.entries[i];
        e.book = entries[i].Enum("book", trading::ParseLedgerBook);
        e.account = entries[i].Uint("account");
        e.symbol = entries[i].Symbol("symbol");
        e.amount = entries[i].Int("amount");  // debits positive, credits negative
    }
    return l;
}

json::object EventJson(const Event& e) {
    json::object o{{"type", trading::EventTypeName(e.type)},
                   {"seq", e.seq},
                   {"ts", e.ts},
                   {"deposit_amount", e.deposit_amount},
                   {"equity_before", e.equity_before},
                   {"balance", BalanceJson(e.balance)},
                   {"ledger", LedgerJson(e.ledger)}};
    // A part is present exactly when its has_* flag is set; the engine leaves the others default.
    if (e.has_order) o["order"] = OrderJson(e.order);
    if (e.has_position) o["position"] = PositionJson(e.position);
    if (e.has_fill) o["fill"] = FillJson(e.fill);
    return o;
}

Event ReadEvent(Reader r) {
    Event e;
    e.type = r.Enum("type", ParseEventType);
    e.seq = r.Uint("seq");
    e.ts = r.Int("ts");
    e.deposit_amount = r.NonNegative("deposit_amount");
    e.equity_before = r.Int("equity_before");
    e.balance = ReadBalance(r.Object("balance"));
    e.ledger = ReadLedger(r.Object("ledger"));
    if (auto o = r.OptionalObject("order")) {
        e.has_order = true;
        e.order = ReadOrder(*o);
    }
    if (auto p = r.OptionalObject("position")) {
        e.has_position = true;
        e.position = ReadPosition(*p);
    }
    if (auto f = r.OptionalObject("fill")) {
        e.has_fill = true;
        e.fill = ReadFill(*f);
    }
    return e;
}

json::object ResultJson(const CommandResult& c) {
    json::object o{{"order", c.order}};
    if (c.error) o["error"] = json::object{{"code", ErrorCodeName(c.error->code)}, {"message", c.error->message}};
    return o;
}

CommandResult ReadResult(Reader r) {
    CommandResult c;
    c.order = r.Uint("order");
    if (auto e = r.OptionalObject("error")) {
        const ErrorCode code = e->Enum("code", ParseErrorCode);
        c.error = Error{code, e->Text("message", kMaxErrorMessageLength)};
    }
    return c;
}

// ---- commands: Write adds an alternative's fields to the object that names its type; Read takes them back --

void Write(const trading::OpenAccount& c, json::object& o) {
    o["account"] = c.account;
    o["starting_cash"] = c.starting_cash;
    o["ts"] = c.ts;
}

void Read(Reader& r, trading::OpenAccount& c) {
    c.account = r.Uint("account");
    c.starting_cash = r.NonNegative("starting_cash");
    c.ts = r.Int("ts");
}

void Write(const trading::Deposit& c, json::object& o) {
    o["account"] = c.account;
    o["amount"] = c.amount;
    o["ts"] = c.ts;
}

void Read(Reader& r, trading::Deposit& c) {
    c.account = r.Uint("account");
    c.amount = r.NonNegative("amount");
    c.ts = r.Int("ts");
}

void Write(const trading::PlaceOrder& c, json::object& o) {
    o["account"] = c.account;
    o["symbol"] = c.symbol;
    o["side"] = trading::SideName(c.side);
    o["order_type"] = trading::OrderTypeName(c.type);
    o["time_in_force"] = trading::TimeInForceName(c.tif);
    o["qty"] = c.qty;
    o["limit_price"] = c.limit_price;
    o["stop_price"] = c.stop_price;
    o["client_order_id"] = c.client_order_id;
    o["ts"] = c.ts;
}

void Read(Reader& r, trading::PlaceOrder& c) {
    c.account = r.Uint("account");
    c.symbol = r.Symbol("symbol");
    c.side = r.Enum("side", trading::ParseSide);
    c.type = r.Enum("order_type", trading::ParseOrderType);
    c.tif = r.Enum("time_in_force", trading::ParseTimeInForce);
    c.qty = r.NonNegative("qty");
    c.limit_price = r.NonNegative("limit_price");
    c.stop_price = r.NonNegative("stop_price");
    c.client_order_id = r.Text("client_order_id", trading::kMaxClientOrderIdLength);
    c.ts = r.Int("ts");
}

void Write(const trading::CancelOrder& c, json::object& o) {
    o["account"] = c.account;
    o["order"] = c.order;
    o["ts"] = c.ts;
}

void Read(Reader& r, trading::CancelOrder& c) {
    c.account = r.Uint("account");
    c.order = r.Uint("order");
    c.ts = r.Int("ts");
}

void Write(const trading::ReplaceOrder& c, json::object& o) {
    o["account"] = c.account;
    o["order"] = c.order;
    o["qty"] = c.qty;
    o["limit_price"] = c.limit_price;
    o["stop_price"] = c.stop_price;
    if (c.tif) o["time_in_force"] = trading::TimeInForceName(*c.tif);  // absent = keep
    o["client_order_id"] = c.client_order_id;
    o["ts"] = c.ts;
}

void Read(Reader& r, trading::ReplaceOrder& c) {
    c.account = r.Uint("account");
    c.order = r.Uint("order");
    c.qty = r.NonNegative("qty");
    c.limit_price = r.NonNegative("limit_price");
    c.stop_price = r.NonNegative("stop_price");
    if (r.Has("time_in_force")) c.tif = r.Enum("time_in_force", trading::ParseTimeInForce);
    c.client_order_id = r.Text("client_order_id", trading::kMaxClientOrderIdLength);
    c.ts = r.Int("ts");
}

void Write(const trading::MarketTick& c, json::object& o) { o["tick"] = TickJson(c.tick); }

void Read(Reader& r, trading::MarketTick& c) { c.tick = ReadTick(r.Object("tick")); }

void Write(const trading::SessionChange& c, json::object& o) {
    o["state"] = market::SessionStateName(c.state);
    o["ts"] = c.ts;
}

void Read(Reader& r, trading::SessionChange& c) {
    c.state = r.Enum("state", ParseSessionState);
    c.ts = r.Int("ts");
}

void Write(const trading::ListSymbol& c, json::object& o) {
    o["symbol"] = c.symbol;
    o["previous_close"] = c.previous_close;
    o["ts"] = c.ts;
    o["code"] = c.code;
}

void Read(Reader& r, trading::ListSymbol& c) {
    c.symbol = r.Symbol("symbol");
    c.previous_close = r.NonNegative("previous_close");
    c.ts = r.Int("ts");
    c.code = r.Text("code", kMaxSymbolCodeLength);
}

void Write(const trading::HaltSymbol& c, json::object& o) {
    o["symbol"] = c.symbol;
    o["halted"] = c.halted;
    o["ts"] = c.ts;
}

void Read(Reader& r, trading::HaltSymbol& c) {
    c.symbol = r.Symbol("symbol");
    c.halted = r.Bool("halted");
    c.ts = r.Int("ts");
}

json::object CommandJson(const Command& c) {
    json::object o{{"type", kCommandTypes[c.index()]}};
    std::visit([&o](const auto& alternative) { Write(alternative, o); }, c);
    return o;
}

// Reads the alternative whose index is `index`.
template <std::size_t I = 0>
Command ReadAlternative(Reader& r, std::size_t index) {
    if constexpr (I < std::variant_size_v<Command>) {
        if (I != index) return ReadAlternative<I + 1>(r, index);
        std::variant_alternative_t<I, Command> c;
        Read(r, c);
        return c;
    } else {
        return Command{};
    }
}

Command ReadCommand(Reader r) {
    const std::string type = r.Text("type", kMaxNameLength);
    if (!r.ok()) return {};
    for (std::size_t i = 0; i < kCommandTypes.size(); ++i) {
        if (kCommandTypes[i] == type) return ReadAlternative(r, i);
    }
    r.Fail("type", fmt::format("is not a known command type ('{}')", type));
    return {};
}

// ---- envelope ------------------------------------------------------------------------------------------

// Parses the part every message shares: bounded size, a JSON object, our version.
Result<json::value> ParseEnvelope(std::string_view text) {
    if (text.size() > kMaxOrderMessageBytes) {
        return MakeError(ErrorCode::kInvalidArgument, fmt::format("larger than {} bytes", kMaxOrderMessageBytes));
    }
    json::parse_options options;
    options.max_depth = kMaxJsonDepth;
    boost::system::error_code ec;
    json::value v = json::parse(text, ec, {}, options);
    if (ec) return MakeError(ErrorCode::kInvalidArgument, fmt::format("not JSON ({})", ec.message()));
    if (!v.is_object()) return MakeError(ErrorCode::kInvalidArgument, "not a JSON object");
    const json::value* version = v.get_object().if_contains("v");
    if (version == nullptr || !version->is_int64() || version->get_int64() != kVersion) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("v must be {} (the only version this reads)", kVersion));
    }
    return v;
}

// Runs a decoder with its errors prefixed by what was being decoded. Nothing escapes: a decoder may allocate,
// and a message is never a reason to take the process down.
template <class T, class F>
Result<T> Guarded(std::string_view what, std::string_view text, F&& decode) {
    try {
        auto v = ParseEnvelope(text);
        std::optional<Error> failure;
        if (!v) failure = v.error();
        T out{};
        if (v) out = decode(Reader(&v->get_object(), "", &failure));
        if (failure) return MakeError(failure->code, fmt::format("{}: {}", what, failure->message));
        return out;
    } catch (const std::exception& e) {
        return MakeError(ErrorCode::kInvalidArgument, fmt::format("{}: cannot be decoded ({})", what, e.what()));
    }
}

}  // namespace

std::string OrderKey(trading::AccountId account) { return std::to_string(account); }

std::string PartitionKey(std::int32_t partition, std::int32_t partitions) {
    if (partition < 0 || partition >= partitions) return {};
    for (std::uint32_t i = 0;; ++i) {
        std::string key = "partition-" + std::to_string(partition) + "-" + std::to_string(i);
        if (PartitionFor(key, partitions) == partition) return key;
    }
}

trading::AccountId AccountOf(const Command& c) {
    return std::visit(
        [](const auto& x) -> trading::AccountId {
            if constexpr (requires { x.account; }) {
                return x.account;
            } else {
                return 0;
            }
        },
        c);
}

std::string EncodeOrderRequest(const OrderRequest& r) {
    json::object o{
        {"v", kVersion}, {"correlation_id", r.correlation_id}, {"reply_to", r.reply_to}, {"sent_at", r.sent_at}};
    if (r.barrier) {
        o["barrier"] = true;
    } else {
        o["command"] = CommandJson(r.command);
    }
    if (!r.ticks_seen.empty()) {
        json::array seen;
        for (const auto& [partition, offset] : r.ticks_seen)
            seen.push_back(json::object{{"p", partition}, {"o", offset}});
        o["ticks_seen"] = std::move(seen);
    }
    return json::serialize(o);
}

Result<OrderRequest> DecodeOrderRequest(std::string_view text) {
    return Guarded<OrderRequest>("order request", text, [](Reader r) {
        OrderRequest out;
        out.correlation_id = r.Id("correlation_id", false);
        out.reply_to = r.Id("reply_to", true);
        out.sent_at = r.Int("sent_at");
        out.barrier = r.Has("barrier") && r.Bool("barrier");
        if (!out.barrier) out.command = ReadCommand(r.Object("command"));
        if (r.Has("ticks_seen")) {
            for (Reader& seen : r.Objects("ticks_seen", kMaxTickPartitions)) {
                const std::int64_t partition = seen.NonNegative("p");
                const std::int64_t offset = seen.NonNegative("o");
                if (partition > INT32_MAX) seen.Fail("p", "must be a partition number");
                out.ticks_seen.emplace_back(static_cast<std::int32_t>(partition), offset);
            }
        }
        return out;
    });
}

std::string EncodeOrderUpdate(const OrderUpdate& u) {
    json::array events;
    events.reserve(u.events.size());
    for (const Event& e : u.events) events.push_back(EventJson(e));
    json::object o{
        {"v", kVersion}, {"correlation_id", u.correlation_id}, {"reply_to", u.reply_to}, {"account", u.account}};
    if (u.result) o["result"] = ResultJson(*u.result);  // absent = caused by a tick or a session change
    o["events"] = std::move(events);
    return json::serialize(o);
}

Result<OrderUpdate> DecodeOrderUpdate(std::string_view text) {
    return Guarded<OrderUpdate>("order update", text, [](Reader r) {
        OrderUpdate out;
        out.correlation_id = r.Id("correlation_id", true);
        out.reply_to = r.Id("reply_to", true);
        out.account = r.Uint("account");
        if (auto result = r.OptionalObject("result")) out.result = ReadResult(*result);
        std::vector<Reader> events = r.Objects("events", kMaxEventsPerUpdate);
        out.events.reserve(events.size());
        for (Reader& e : events) {
            if (!e.ok()) break;
            out.events.push_back(ReadEvent(e));
        }
        return out;
    });
}

TopicSpec OrdersSpec(std::int32_t partitions) { return {std::string(kOrdersTopic), partitions, false}; }
TopicSpec OrderUpdatesSpec(std::int32_t partitions) { return {std::string(kOrderUpdatesTopic), partitions, false}; }

}  // namespace ik::bus
