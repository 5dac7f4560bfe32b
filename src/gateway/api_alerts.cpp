// Price alerts and the notification inbox under /api/v1/alerts and /api/v1/notifications (issue: alerts): a
// user's rules, checked here field by field and stored through the AlertStore; the evaluation and delivery are
// the alert evaluator's. Every refusal is a 4xx that names the field; nothing is written then.
#include <algorithm>
#include <boost/url/parse.hpp>

#include "alerts/delivery/address.hpp"
#include "alerts/delivery/sns.hpp"
#include "alerts/message.hpp"
#include "auth/tokens.hpp"
#include "gateway/api.hpp"
#include "gateway/api_support.hpp"

namespace ik::gateway {

namespace json = boost::json;

namespace {

constexpr std::int64_t kMaxCooldownS = 7 * 24 * 3600;
constexpr std::size_t kMaxUrlBytes = 2'048;

Error Invalid(std::string message) { return Error{ErrorCode::kInvalidArgument, std::move(message)}; }

// The {id} of the path; nullopt for anything that is not a positive decimal id (answered as "not found").
std::optional<std::int64_t> PathId(const HttpRequest& req) {
    auto id = WholeNumberText(req.Param("id"), "id", 1, INT64_MAX);
    return id ? std::optional<std::int64_t>(*id) : std::nullopt;
}

std::string_view ChannelName(alerts::Channel c) {
    switch (c) {
        case alerts::kInApp: return "in_app";
        case alerts::kWebhook: return "webhook";
        case alerts::kSns: return "sns";
    }
    return "unknown";
}

json::array ChannelsJson(std::uint8_t channels) {
    json::array out;
    for (auto c : {alerts::kInApp, alerts::kWebhook, alerts::kSns}) {
        if ((channels & c) != 0) out.push_back(json::string(ChannelName(c)));
    }
    return out;
}

Result<std::uint8_t> ParseChannels(const json::value& v) {
    if (!v.is_array() || v.as_array().empty()) {
        return std::unexpected(Invalid("channels must be a non-empty array of in_app, webhook, sns"));
    }
    std::uint8_t out = 0;
    for (const json::value& item : v.as_array()) {
        const json::string* s = item.if_string();
        std::uint8_t bit = 0;
        if (s != nullptr) {
            for (auto c : {alerts::kInApp, alerts::kWebhook, alerts::kSns}) {
                if (*s == ChannelName(c)) bit = c;
            }
        }
        if (bit == 0) return std::unexpected(Invalid("channels: each must be one of in_app, webhook, sns"));
        if ((out & bit) != 0)
            return std::unexpected(
                Invalid("channels: " + std::string(ChannelName(static_cast<alerts::Channel>(bit))) + " given twice"));
        out |= bit;
    }
    return out;
}

// A webhook signing secret: 32 random bytes, base64url, with a prefix that says what it is.
std::string NewWebhookSecret() { return "whsec_" + auth::RandomToken(32); }

Result<std::string> ParseWebhookUrl(const json::value& v, bool allow_internal) {
    const json::string* s = v.if_string();
    if (s == nullptr || s->empty() || s->size() > kMaxUrlBytes) {
        return std::unexpected(Invalid("webhook_url must be an http or https URL of at most 2048 bytes"));
    }
    auto url = boost::urls::parse_absolute_uri(std::string_view(*s));
    if (!url || (url->scheme() != "https" && url->scheme() != "http") || url->host().empty() || url->has_userinfo()) {
        return std::unexpected(
            Invalid("webhook_url must be an absolute http or https URL with a host and no credentials"));
    }
    if (!allow_internal && alerts::delivery::IsInternalHostName(url->host())) {
        return std::unexpected(
            Invalid("webhook_url points at a loopback, private or link-local address; webhooks go to public hosts"));
    }
    return std::string(*s);
}

}  // namespace

void Api::SetAlerts(storage::AlertStore& writes, storage::AlertStore& reads) {
    alerts_ = &writes;
    alert_reads_ = &reads;
}

json::object Api::AlertJson(const storage::AlertRecord& a) const {
    json::object o;
    o["id"] = std::to_string(a.rule.id);
    o["symbol"] = a.rule.symbol < universe_.size() ? universe_.Get(a.rule.symbol).code : std::string();
    o["kind"] = std::string(alerts::KindName(a.rule.kind));
    o["level"] = alerts::FormatLevel(a.rule.kind, a.rule.level);
    o["mode"] = std::string(alerts::ModeName(a.rule.mode));
    o["cooldown_s"] = a.rule.cooldown_s;
    o["expires_at"] = TimeOrNull(a.rule.expires_at);
    o["channels"] = ChannelsJson(a.rule.channels);
    o["webhook_url"] = a.webhook_url.empty() ? json::value(nullptr) : json::value(a.webhook_url);
    // The owner's own secret: receivers check X-InvestKing-Signature with it.
    o["webhook_secret"] = a.webhook_secret.empty() ? json::value(nullptr) : json::value(a.webhook_secret);
    o["sns_topic_arn"] = a.sns_topic_arn.empty() ? json::value(nullptr) : json::value(a.sns_topic_arn);
    o["language"] = a.language;
    // An armed alert past its expiry has stopped watching, whether or not a tick has come by since.
    const bool expired = a.status == "armed" && a.rule.expires_at != 0 && a.rule.expires_at <= clock_.Now();
    o["status"] = expired ? std::string("expired") : a.status;
    o["last_fired_at"] = TimeOrNull(a.rule.last_fired);
    o["created_at"] = TimeOrNull(a.created_at);
    o["updated_at"] = TimeOrNull(a.updated_at);
    return o;
}

// The fields an alert may carry; `alert` holds the current values (defaults for a new one) and takes the given
// ones. `creating`: symbol, kind, level and channels are required.
Status Api::ReadAlertFields(const json::object& body, bool creating, storage::AlertRecord& alert) const {
    const Timestamp now = clock_.Now();
    if (creating) {
        for (const char* field : {"symbol", "kind", "level", "channels"}) {
            if (!body.contains(field)) return std::unexpected(Invalid(std::string(field) + " is required"));
        }
        auto symbol = OptionalString(body, "symbol", 16);
        if (!symbol) return std::unexpected(symbol.error());
        const auto id = *symbol ? universe_.Find(**symbol) : std::nullopt;
        if (!id || !market::IsListed(universe_.status(*id))) {
            return std::unexpected(Invalid("symbol: no listed stock " + symbol->value_or("")));
        }
        alert.rule.symbol = *id;
        auto kind = OptionalString(body, "kind", 32);
        if (!kind) return std::unexpected(kind.error());
        auto parsed = alerts::ParseKind(kind->value_or(""));
        if (!parsed) return std::unexpected(parsed.error());
        alert.rule.kind = *parsed;
    }
    if (const json::value* level = body.if_contains("level")) {
        std::string text;
        if (level->is_string()) {
            text = std::string(level->as_string());
        } else if (level->is_int64()) {
            text = std::to_string(level->as_int64());
        } else {
            return std::unexpected(Invalid("level must be a string (\"250000\", \"5.5\") or a whole number"));
        }
        auto parsed = alerts::ParseLevel(alert.rule.kind, text);
        if (!parsed) return std::unexpected(parsed.error());
        alert.rule.level = *parsed;
    }
    if (auto mode = OptionalString(body, "mode", 16); !mode) {
        return std::unexpected(mode.error());
    } else if (*mode) {
        auto parsed = alerts::ParseMode(**mode);
        if (!parsed) return std::unexpected(parsed.error());
        alert.rule.mode = *parsed;
    }
    if (const json::value* cooldown = body.if_contains("cooldown_s"); cooldown != nullptr && !cooldown->is_null()) {
        auto s = WholeNumber(*cooldown, "cooldown_s", 0, kMaxCooldownS);
        if (!s) return std::unexpected(s.error());
        alert.rule.cooldown_s = *s;
    }
    if (alert.rule.mode == alerts::Mode::kOnce && alert.rule.cooldown_s != 0) {
        return std::unexpected(Invalid("cooldown_s applies to mode repeat only"));
    }
    if (const json::value* expires = body.if_contains("expires_at")) {
        if (expires->is_null()) {
            alert.rule.expires_at = 0;
        } else if (!expires->is_string()) {
            return std::unexpected(Invalid("expires_at must be an RFC 3339 time or null"));
        } else {
            auto t = ParseTimeOrDate(std::string_view(expires->as_string()), "expires_at");
            if (!t) return std::unexpected(t.error());
            if (*t <= now) return std::unexpected(Invalid("expires_at must be in the future"));
            alert.rule.expires_at = *t;
        }
    }
    if (const json::value* channels = body.if_contains("channels")) {
        auto parsed = ParseChannels(*channels);
        if (!parsed) return std::unexpected(parsed.error());
        alert.rule.channels = *parsed;
    }
    if (const json::value* url = body.if_contains("webhook_url")) {
        if (url->is_null()) {
            alert.webhook_url.clear();
        } else {
            auto parsed = ParseWebhookUrl(*url, options_.allow_internal_webhooks);
            if (!parsed) return std::unexpected(parsed.error());
            alert.webhook_url = *parsed;
        }
    }
    if ((alert.rule.channels & alerts::kWebhook) != 0 && alert.webhook_url.empty()) {
        return std::unexpected(Invalid("webhook_url is required with the webhook channel"));
    }
    if ((alert.rule.channels & alerts::kWebhook) == 0 && !alert.webhook_url.empty()) {
        return std::unexpected(Invalid("webhook_url is given but channels has no webhook"));
    }
    if (const json::value* arn = body.if_contains("sns_topic_arn")) {
        if (arn->is_null()) {
            alert.sns_topic_arn.clear();
        } else if (!arn->is_string() || !alerts::delivery::IsTopicArn(std::string_view(arn->as_string()))) {
            return std::unexpected(
                Invalid("sns_topic_arn must be an SNS topic ARN, e.g. arn:aws:sns:ap-northeast-2:123456789012:alerts"));
        } else {
            alert.sns_topic_arn = std::string(arn->as_string());
        }
    }
    if ((alert.rule.channels & alerts::kSns) == 0 && !alert.sns_topic_arn.empty()) {
        return std::unexpected(Invalid("sns_topic_arn is given but channels has no sns"));
    }
    if (!alert.sns_topic_arn.empty() &&
        std::none_of(options_.allowed_topic_arns.begin(), options_.allowed_topic_arns.end(),
                     [&](const std::string& allowed) { return alert.sns_topic_arn.starts_with(allowed); })) {
        return std::unexpected(
            Invalid("sns_topic_arn: this server publishes only to the topics its operator allows "
                    "(sns.allowed_topic_arns)"));
    }
    const bool external = (alert.rule.channels & (alerts::kWebhook | alerts::kSns)) != 0;
    if (external && alert.rule.mode == alerts::Mode::kRepeat &&
        alert.rule.cooldown_s < options_.min_external_cooldown_s) {
        return std::unexpected(Invalid("cooldown_s must be at least " +
                                       std::to_string(options_.min_external_cooldown_s) +
                                       " for a repeat alert with a webhook or SNS"));
    }
    if (auto language = OptionalString(body, "language", 8); !language) {
        return std::unexpected(language.error());
    } else if (*language) {
        auto parsed = alerts::ParseLanguage(**language);
        if (!parsed) return std::unexpected(Invalid("language must be \"ko\" or \"en\""));
        alert.language = std::string(alerts::LanguageCode(*parsed));
    }
    return {};
}

// SMS needs a number: an sns alert without a topic goes to the user's phone.
Status Api::CheckSnsTarget(const storage::AlertRecord& alert) {
    if ((alert.rule.channels & alerts::kSns) == 0 || !alert.sns_topic_arn.empty()) return {};
    auto user = history_.FindUserById(alert.rule.user);
    if (!user) return std::unexpected(user.error());
    if (!*user || (*user)->phone.empty()) {
        return std::unexpected(
            Invalid("the sns channel sends an SMS to the phone number of your profile, and it has "
                    "none; add one or give sns_topic_arn"));
    }
    return {};
}

HttpResponse Api::CreateAlert(const HttpRequest& req, const Principal& who) {
    if (alerts_ == nullptr) return JsonError(503, kCodeUnavailable, "alerts are not available on this server");
    auto body = ParseJsonObject(req);
    if (!body) return JsonError(400, kCodeMalformed, body.error().message);
    if (auto s = OnlyFields(*body, {"symbol", "kind", "level", "mode", "cooldown_s", "expires_at", "channels",
                                    "webhook_url", "sns_topic_arn", "language"});
        !s) {
        return ErrorResponse(s.error());
    }
    storage::AlertRecord alert;
    alert.rule.user = who.user_id;
    if (auto s = ReadAlertFields(*body, true, alert); !s) return ErrorResponse(s.error());
    if (auto s = CheckSnsTarget(alert); !s) return ErrorResponse(s.error());
    if ((alert.rule.channels & alerts::kWebhook) != 0) alert.webhook_secret = NewWebhookSecret();
    alert.created_at = alert.updated_at = clock_.Now();
    auto id = alerts_->CreateAlert(alert, options_.max_alerts_per_user);
    if (!id) {
        if (id.error().code == ErrorCode::kFailedPrecondition)
            return JsonError(422, kCodeUnprocessable, id.error().message);
        return ErrorResponse(id.error());
    }
    alert.rule.id = *id;
    alert.rule.version = alert.updated_at;
    if (alert_listener_ != nullptr) alert_listener_->AlertChanged(alert);
    return Json(201, AlertJson(alert));
}

HttpResponse Api::ListAlerts(const HttpRequest&, const Principal& who) {
    if (alert_reads_ == nullptr) return JsonError(503, kCodeUnavailable, "alerts are not available on this server");
    auto list = alert_reads_->ListAlerts(who.user_id);
    if (!list) return ErrorResponse(list.error());
    json::array out;
    for (const auto& a : *list) out.push_back(AlertJson(a));
    return Json(out);
}

Result<std::optional<storage::AlertRecord>> Api::FindAlert(const HttpRequest& req, const Principal& who,
                                                           storage::AlertStore& store) {
    const auto id = PathId(req);
    if (!id) return std::optional<storage::AlertRecord>{};  // not an id: no such alert
    return store.GetAlert(who.user_id, static_cast<alerts::AlertId>(*id));
}

HttpResponse Api::GetAlert(const HttpRequest& req, const Principal& who) {
    if (alert_reads_ == nullptr) return JsonError(503, kCodeUnavailable, "alerts are not available on this server");
    auto a = FindAlert(req, who, *alert_reads_);
    if (!a) return ErrorResponse(a.error());
    if (!*a) return JsonError(404, kCodeNotFound, "alert not found");
    return Json(AlertJson(**a));
}

HttpResponse Api::UpdateAlert(const HttpRequest& req, const Principal& who) {
    if (alerts_ == nullptr) return JsonError(503, kCodeUnavailable, "alerts are not available on this server");
    auto a = FindAlert(req, who, *alerts_);
    if (!a) return ErrorResponse(a.error());
    if (!*a) return JsonError(404, kCodeNotFound, "alert not found");
    auto body = ParseJsonObject(req);
    if (!body) return JsonError(400, kCodeMalformed, body.error().message);
    if (auto s = OnlyFields(*body, {"level", "mode", "cooldown_s", "expires_at", "channels", "webhook_url",
                                    "sns_topic_arn", "language", "status"});
        !s) {
        return ErrorResponse(s.error());
    }
    if (body->empty()) return ErrorResponse(Invalid("nothing to change"));
    const Timestamp read_version = (*a)->updated_at;
    storage::AlertRecord alert = **a;
    if (auto s = ReadAlertFields(*body, false, alert); !s) return ErrorResponse(s.error());
    bool set_status = false;
    if (auto status = OptionalString(*body, "status", 16); !status) {
        return ErrorResponse(status.error());
    } else if (*status) {
        // Only re-arming is asked for: a fired once alert watches again; "fired" and "expired" are the evaluator's.
        if (**status != "armed") return ErrorResponse(Invalid("status can only be set to armed"));
        alert.status = "armed";
        set_status = true;
    }
    if (auto s = CheckSnsTarget(alert); !s) return ErrorResponse(s.error());
    if ((alert.rule.channels & alerts::kWebhook) != 0 && alert.webhook_secret.empty()) {
        alert.webhook_secret = NewWebhookSecret();
    }
    alert.updated_at = std::max(clock_.Now(), read_version + 1);  // a new version, even on a coarse clock
    // The status is written only when asked for: a firing may have disarmed the alert since it was read.
    auto ok = alerts_->UpdateAlert(alert, read_version, set_status);
    if (!ok) return ErrorResponse(ok.error());
    if (!*ok) {
        auto still = alerts_->GetAlert(who.user_id, alert.rule.id);
        if (!still) return ErrorResponse(still.error());
        if (!*still) return JsonError(404, kCodeNotFound, "alert not found");
        return JsonError(409, kCodeConflict, "the alert was changed meanwhile; read it again and retry");
    }
    auto stored = alerts_->GetAlert(who.user_id, alert.rule.id);
    if (!stored) return ErrorResponse(stored.error());
    if (!*stored) return JsonError(404, kCodeNotFound, "alert not found");  // deleted in between
    if (alert_listener_ != nullptr) alert_listener_->AlertChanged(**stored);
    return Json(AlertJson(**stored));
}

HttpResponse Api::DeleteAlert(const HttpRequest& req, const Principal& who) {
    if (alerts_ == nullptr) return JsonError(503, kCodeUnavailable, "alerts are not available on this server");
    const auto id = PathId(req);
    if (!id) return JsonError(404, kCodeNotFound, "alert not found");
    auto gone = alerts_->DeleteAlert(who.user_id, static_cast<alerts::AlertId>(*id));
    if (!gone) return ErrorResponse(gone.error());
    if (!*gone) return JsonError(404, kCodeNotFound, "alert not found");
    if (alert_listener_ != nullptr) alert_listener_->AlertRemoved(who.user_id, static_cast<alerts::AlertId>(*id));
    return NoContent();
}

HttpResponse Api::ListNotifications(const HttpRequest& req, const Principal& who) {
    if (alert_reads_ == nullptr) return JsonError(503, kCodeUnavailable, "alerts are not available on this server");
    std::int64_t limit = 50;
    std::int64_t before = 0;
    if (auto q = req.Query("limit")) {
        auto n = WholeNumberText(*q, "limit", 1, 500);
        if (!n) return JsonError(422, kCodeInvalidParameter, n.error().message);
        limit = *n;
    }
    if (auto q = req.Query("before")) {
        auto n = WholeNumberText(*q, "before", 1, INT64_MAX);
        if (!n) return JsonError(422, kCodeInvalidParameter, n.error().message);
        before = *n;
    }
    auto list = alert_reads_->ListNotifications(who.user_id, static_cast<std::size_t>(limit), before);
    if (!list) return ErrorResponse(list.error());
    auto unread = alert_reads_->UnreadNotifications(who.user_id);
    if (!unread) return ErrorResponse(unread.error());
    std::vector<std::int64_t> ids;
    for (const auto& n : *list) ids.push_back(n.id);
    auto deliveries = alert_reads_->DeliveriesOf(who.user_id, ids);
    if (!deliveries) return ErrorResponse(deliveries.error());
    json::array items;
    for (const auto& n : *list) {
        // Each channel besides in-app, with its state: a dead delivery is the dead letter, with its last error.
        json::array sent;
        for (const auto& d : *deliveries) {
            if (d.notification_id != n.id) continue;
            sent.push_back(
                json::object{{"channel", d.channel},
                             {"status", d.status},
                             {"attempts", d.attempts},
                             {"last_error", d.last_error.empty() ? json::value(nullptr) : json::value(d.last_error)},
                             {"delivered_at", TimeOrNull(d.delivered_at)}});
        }
        items.push_back(json::object{
            {"id", std::to_string(n.id)},
            {"alert_id", std::to_string(n.alert_id)},
            {"symbol", n.symbol < universe_.size() ? universe_.Get(n.symbol).code : std::string()},
            {"price", std::to_string(n.price)},
            {"message", n.message},
            {"created_at", TimeOrNull(n.created_at)},
            {"read", n.read_at != 0},
            {"deliveries", std::move(sent)},
        });
    }
    return Json(json::object{{"notifications", std::move(items)}, {"unread", *unread}});
}

HttpResponse Api::ReadNotification(const HttpRequest& req, const Principal& who) {
    if (alerts_ == nullptr) return JsonError(503, kCodeUnavailable, "alerts are not available on this server");
    const auto id = PathId(req);
    if (!id) return JsonError(404, kCodeNotFound, "notification not found");
    auto ok = alerts_->MarkNotificationRead(who.user_id, *id, clock_.Now());
    if (!ok) return ErrorResponse(ok.error());
    if (!*ok) return JsonError(404, kCodeNotFound, "notification not found");
    return NoContent();
}

void Api::RegisterAlerts(HttpServer& s) {
    s.Route("POST", "/api/v1/alerts", Authed(&Api::CreateAlert));
    s.Route("GET", "/api/v1/alerts", Authed(&Api::ListAlerts));
    s.Route("GET", "/api/v1/alerts/{id}", Authed(&Api::GetAlert));
    s.Route("PATCH", "/api/v1/alerts/{id}", Authed(&Api::UpdateAlert));
    s.Route("DELETE", "/api/v1/alerts/{id}", Authed(&Api::DeleteAlert));
    s.Route("GET", "/api/v1/notifications", Authed(&Api::ListNotifications));
    s.Route("POST", "/api/v1/notifications/{id}/read", Authed(&Api::ReadNotification));
}

}  // namespace ik::gateway
