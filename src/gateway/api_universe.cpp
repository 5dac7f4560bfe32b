// The admin universe API under /api/v1/admin/universe: list the stock master with each stock's status, make a
// stock tradable at run time, rename it, halt or resume it. The request is checked here; the change itself is
// the UniverseAdmin's, run off the I/O threads because it waits for the engine and the disk.
#include <boost/asio/post.hpp>

#include "gateway/api.hpp"
#include "gateway/api_support.hpp"

namespace ik::gateway {

namespace json = boost::json;

namespace {

// The dearest KRX share has traded at a few million won; a previous close beyond this is a typo.
constexpr Won kMaxPreviousClose = 100'000'000;
constexpr std::size_t kMaxNameBytes = 200;

HttpResponse Forbidden() { return JsonError(403, kCodeForbidden, "admin role required"); }

Error Invalid(std::string message) { return Error{ErrorCode::kInvalidArgument, std::move(message)}; }

// Errors of the UniverseAdmin: a listing that exists already is a conflict; a full universe is a refusal.
HttpResponse UniverseErrorResponse(const Error& e) {
    if (e.code == ErrorCode::kAlreadyExists) return JsonError(409, kCodeConflict, e.message);
    if (e.code == ErrorCode::kFailedPrecondition) return JsonError(422, kCodeUnprocessable, e.message);
    return ErrorResponse(e);
}

json::object ListingJson(const Listing& l) {
    json::object o;
    o["code"] = l.info.code;
    o["name_ko"] = l.info.name_ko;
    o["name_en"] = l.info.name_en;
    o["market"] = std::string(market::ExchangeName(l.info.market));
    o["sector"] = l.info.sector;
    o["previous_close"] = l.info.previous_close;
    o["status"] = std::string(market::ListingStatusName(l.status));
    return o;
}

// name_ko, name_en and sector: strings of at most kMaxNameBytes; a Korean name may not be empty.
Status ReadNames(const json::object& body, std::optional<std::string>& name_ko, std::optional<std::string>& name_en,
                 std::optional<std::string>& sector) {
    for (auto [field, target] :
         {std::pair{"name_ko", &name_ko}, std::pair{"name_en", &name_en}, std::pair{"sector", &sector}}) {
        auto v = OptionalString(body, field, kMaxNameBytes);
        if (!v) return std::unexpected(v.error());
        *target = std::move(*v);
    }
    if (name_ko && name_ko->empty()) return std::unexpected(Invalid("name_ko must not be empty"));
    return {};
}

Result<NewListing> ParseNewListing(const json::object& body) {
    if (auto s = OnlyFields(body, {"code", "name_ko", "name_en", "market", "sector", "previous_close"}); !s) {
        return std::unexpected(s.error());
    }
    NewListing l;
    auto code = OptionalString(body, "code", 16);
    if (!code) return std::unexpected(code.error());
    if (!*code) return std::unexpected(Invalid("code is required"));
    if (!market::IsValidCode(**code)) {
        return std::unexpected(Invalid("code must be 6 characters of 0-9 and A-Z (a KRX code such as 005930)"));
    }
    l.code = **code;
    if (auto s = ReadNames(body, l.name_ko, l.name_en, l.sector); !s) return std::unexpected(s.error());
    auto exchange = OptionalString(body, "market", 16);
    if (!exchange) return std::unexpected(exchange.error());
    if (*exchange) {
        auto parsed = market::ParseExchange(**exchange);
        if (!parsed) return std::unexpected(parsed.error());
        l.market = *parsed;
    }
    if (auto it = body.find("previous_close"); it != body.end() && !it->value().is_null()) {
        auto close = WholeNumber(it->value(), "previous_close", 1, kMaxPreviousClose);
        if (!close) return std::unexpected(close.error());
        if (!market::IsOnTickGrid(*close)) {
            return std::unexpected(
                Invalid("previous_close " + std::to_string(*close) + " is not on the KRX tick grid"));
        }
        l.previous_close = *close;
    }
    return l;
}

Result<ListingChange> ParseListingChange(const json::object& body) {
    if (auto s = OnlyFields(body, {"name_ko", "name_en", "sector", "status"}); !s) return std::unexpected(s.error());
    if (body.empty()) return std::unexpected(Invalid("nothing to change: give name_ko, name_en, sector or status"));
    ListingChange c;
    if (auto s = ReadNames(body, c.name_ko, c.name_en, c.sector); !s) return std::unexpected(s.error());
    auto status = OptionalString(body, "status", 16);
    if (!status) return std::unexpected(status.error());
    if (*status) {
        auto parsed = market::ParseListingStatus(**status);
        if (!parsed || !market::IsListed(*parsed)) {
            return std::unexpected(Invalid("status must be active or halted"));
        }
        c.status = *parsed;
    }
    return c;
}

}  // namespace

HttpResponse Api::ListUniverse(const HttpRequest&, const Principal& who) {
    if (who.role != "admin") return Forbidden();
    json::array stocks;
    for (const Listing& l : admin_.List()) stocks.push_back(ListingJson(l));
    return Json(json::object{{"stocks", std::move(stocks)}});
}

void Api::AddListing(const HttpRequest& req, const Principal& who, Responder respond) {
    if (who.role != "admin") return respond(Forbidden());
    auto body = ParseJsonObject(req);
    if (!body) return respond(JsonError(400, kCodeMalformed, body.error().message));
    auto listing = ParseNewListing(*body);
    if (!listing) return respond(ErrorResponse(listing.error()));
    boost::asio::post(slow_, [this, listing = std::move(*listing), by = who.user_id, respond] {
        auto added = admin_.Add(listing, by);
        if (!added) return respond(UniverseErrorResponse(added.error()));
        respond(Json(201, ListingJson(*added)));
    });
}

void Api::UpdateListing(const HttpRequest& req, const Principal& who, Responder respond) {
    if (who.role != "admin") return respond(Forbidden());
    const std::string& code = req.Param("code");
    if (!market::IsValidCode(code)) return respond(JsonError(404, kCodeNotFound, "no stock " + code));
    auto body = ParseJsonObject(req);
    if (!body) return respond(JsonError(400, kCodeMalformed, body.error().message));
    auto change = ParseListingChange(*body);
    if (!change) return respond(ErrorResponse(change.error()));
    boost::asio::post(slow_, [this, code, change = std::move(*change), by = who.user_id, respond] {
        auto updated = admin_.Update(code, change, by);
        if (!updated) return respond(UniverseErrorResponse(updated.error()));
        respond(Json(ListingJson(*updated)));
    });
}

}  // namespace ik::gateway
