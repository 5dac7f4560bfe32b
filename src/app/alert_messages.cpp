#include "app/alert_messages.hpp"

#include <boost/json.hpp>

#include "bus/topics.hpp"

namespace ik::app {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxMessageBytes = 64 * 1024;

Result<json::object> ParseObject(std::string_view text, std::string_view what) {
    if (text.size() > kMaxMessageBytes)
        return MakeError(ErrorCode::kInvalidArgument, std::string(what) + ": too large");
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return MakeError(ErrorCode::kInvalidArgument, std::string(what) + ": not a JSON object");
    const json::value* version = v.as_object().if_contains("v");
    if (version == nullptr || !version->is_int64() || version->as_int64() != 1) {
        return MakeError(ErrorCode::kInvalidArgument, std::string(what) + ": unknown version");
    }
    return std::move(v.as_object());
}

// A JSON integer field in [min, max].
Result<std::int64_t> Int(const json::object& o, std::string_view key, std::int64_t min, std::int64_t max) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || !v->is_int64() || v->as_int64() < min || v->as_int64() > max) {
        return MakeError(ErrorCode::kInvalidArgument, std::string(key) + " must be an integer in range");
    }
    return v->as_int64();
}

Result<std::string> Text(const json::object& o, std::string_view key, std::size_t max) {
    const json::value* v = o.if_contains(key);
    if (v == nullptr || !v->is_string() || v->as_string().size() > max) {
        return MakeError(ErrorCode::kInvalidArgument, std::string(key) + " must be a string");
    }
    return std::string(v->as_string());
}

template <class T>
std::optional<Error> ErrorOf(const Result<T>& r) {
    return r ? std::nullopt : std::optional<Error>(r.error());
}

}  // namespace

bus::TopicSpec AlertChangesSpec() { return bus::TopicSpec{std::string(kAlertChangesTopic), 3, false}; }
bus::TopicSpec NotificationsSpec() { return bus::TopicSpec{std::string(bus::kNotificationsTopic), 6, false}; }

std::string EncodeAlertChange(const AlertChangeMessage& m) {
    return json::serialize(json::object{{"v", 1}, {"user_id", m.user_id}, {"alert_id", m.alert_id}});
}

Result<AlertChangeMessage> DecodeAlertChange(std::string_view text) {
    auto o = ParseObject(text, "alert change");
    if (!o) return std::unexpected(o.error());
    auto user = Int(*o, "user_id", 1, INT64_MAX);
    if (!user) return std::unexpected(user.error());
    const json::value* id = o->if_contains("alert_id");
    if (id == nullptr || !(id->is_int64() || id->is_uint64()) || (id->is_int64() && id->as_int64() <= 0)) {
        return MakeError(ErrorCode::kInvalidArgument, "alert_id must be a positive integer");
    }
    return AlertChangeMessage{*user, id->is_int64() ? static_cast<alerts::AlertId>(id->as_int64()) : id->as_uint64()};
}

std::string EncodeNotification(const storage::NotificationRecord& n, const market::Universe& universe) {
    return json::serialize(json::object{
        {"v", 1},
        {"id", n.id},
        {"user_id", n.user_id},
        {"alert_id", static_cast<std::int64_t>(n.alert_id)},
        {"symbol", n.symbol < universe.size() ? universe.Get(n.symbol).code : std::string()},
        {"price", n.price},
        {"message", n.message},
        {"channels", static_cast<std::int64_t>(n.channels)},
        {"fired_at", n.fired_at},
        {"created_at", n.created_at},
        {"read_at", n.read_at},
    });
}

Result<storage::NotificationRecord> DecodeNotification(std::string_view text, const market::Universe& universe) {
    auto o = ParseObject(text, "notification");
    if (!o) return std::unexpected(o.error());
    storage::NotificationRecord n;
    auto id = Int(*o, "id", 1, INT64_MAX);
    auto user = Int(*o, "user_id", 1, INT64_MAX);
    auto alert = Int(*o, "alert_id", 1, INT64_MAX);
    auto price = Int(*o, "price", 0, kMaxWon);
    auto channels = Int(*o, "channels", 1, 7);
    auto fired = Int(*o, "fired_at", 0, INT64_MAX);
    auto created = Int(*o, "created_at", 0, INT64_MAX);
    auto read = Int(*o, "read_at", 0, INT64_MAX);
    auto symbol = Text(*o, "symbol", 16);
    auto message = Text(*o, "message", 1'024);
    for (const std::optional<Error>& e :
         {ErrorOf(id), ErrorOf(user), ErrorOf(alert), ErrorOf(price), ErrorOf(channels), ErrorOf(fired),
          ErrorOf(created), ErrorOf(read), ErrorOf(symbol), ErrorOf(message)}) {
        if (e) return std::unexpected(*e);
    }
    const auto stock = universe.Find(*symbol);
    if (!stock) return MakeError(ErrorCode::kNotFound, "notification: unknown symbol " + *symbol);
    n.id = *id;
    n.user_id = *user;
    n.alert_id = static_cast<alerts::AlertId>(*alert);
    n.symbol = *stock;
    n.price = *price;
    n.message = std::move(*message);
    n.channels = static_cast<std::uint8_t>(*channels);
    n.fired_at = *fired;
    n.created_at = *created;
    n.read_at = *read;
    return n;
}

}  // namespace ik::app
