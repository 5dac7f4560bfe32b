// The platform API under /api/v1: accounts and authentication, API keys, top-up, leaderboard, stock search,
// admin tick injection; plus route registration and authentication shared with the Alpaca API. The admin
// universe handlers are in api_universe.cpp.
#include <algorithm>
#include <cmath>
#include <future>
#include <map>

#include <boost/asio/post.hpp>

#include "auth/auth.hpp"
#include "common/log.hpp"
#include "gateway/api.hpp"
#include "gateway/api_support.hpp"
#include "market/listing.hpp"

namespace ik::gateway {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxUsername = 32;

Status CheckUsername(const std::string& name) {
    if (name.size() < 3 || name.size() > kMaxUsername) {
        return MakeError(ErrorCode::kInvalidArgument, "username must be 3 to 32 characters");
    }
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                        c == '-' || c == '.';
        if (!ok) {
            return MakeError(ErrorCode::kInvalidArgument,
                             "username may contain only letters, digits, '_', '-' and '.'");
        }
    }
    if (name.rfind("load-", 0) == 0) return MakeError(ErrorCode::kInvalidArgument, "username 'load-…' is reserved");
    return {};
}

Status CheckEmail(const std::string& email) {
    if (email.empty()) return {};
    const auto at = email.find('@');
    if (email.size() > 254 || at == std::string::npos || at == 0 || email.find('.', at) == std::string::npos ||
        email.find_first_of(" \t\r\n<>\"'") != std::string::npos) {
        return MakeError(ErrorCode::kInvalidArgument, "email is not a valid address");
    }
    return {};
}

// E.164: '+' then 8 to 15 digits (SMS alerts are sent to it).
Status CheckPhone(const std::string& phone) {
    if (phone.empty()) return {};
    if (phone.size() < 9 || phone.size() > 16 || phone[0] != '+' ||
        !std::all_of(phone.begin() + 1, phone.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return MakeError(ErrorCode::kInvalidArgument, "phone must be in E.164 form, e.g. +821012345678");
    }
    return {};
}

HttpResponse Unauthorized(const std::string& message) { return JsonError(401, kCodeUnauthorized, message); }

}  // namespace

Api::Api(ApiOptions options, const ik::Clock& clock, TradingBackend& backend, storage::ServiceStore& store,
         storage::PlatformStore& platform, storage::PlatformStore& reads, storage::ServiceStore& history,
         const market::Universe& universe, UniverseAdmin& admin, const market::MarketCalendar& calendar,
         MarketCache& market, const AccountBook& accounts)
    : options_(std::move(options)),
      clock_(clock),
      backend_(backend),
      store_(store),
      platform_(platform),
      reads_(reads),
      history_(history),
      universe_(universe),
      admin_(admin),
      calendar_(calendar),
      market_(market),
      accounts_(accounts),
      slow_(2) {
    auth::InitCrypto();
    if (options_.jwt_key.size() < auth::kMinJwtKeyBytes) {
        throw std::invalid_argument("the JWT key must be at least 32 bytes");
    }
}

Api::~Api() {
    slow_.join();
}

// ---- Authentication --------------------------------------------------------------------------------------

Result<Principal> Api::AuthenticateKey(const std::string& key_id, const std::string& secret) {
    const Timestamp now = clock_.Now();
    {
        std::shared_lock lock(keys_mutex_);
        auto it = keys_.find(key_id);
        if (it != keys_.end() && now - it->second.fetched_at < options_.key_cache_ttl_s * kNanosPerSecond) {
            if (!auth::SecretMatches(secret, it->second.secret_hash)) {
                return MakeError(ErrorCode::kPermissionDenied, "request is not authorized");
            }
            return Principal{it->second.user_id, it->second.role};
        }
    }
    if (key_id.size() > 64 || secret.size() > 128) return MakeError(ErrorCode::kPermissionDenied, "request is not authorized");
    auto key = reads_.FindApiKey(key_id);
    if (!key) return std::unexpected(key.error());
    if (!*key || (*key)->revoked_at) return MakeError(ErrorCode::kPermissionDenied, "request is not authorized");
    auto user = history_.FindUserById((*key)->user_id);
    if (!user) return std::unexpected(user.error());
    if (!*user) return MakeError(ErrorCode::kPermissionDenied, "request is not authorized");
    CachedKey cached{(*key)->user_id, (*user)->role, (*key)->secret_hash, now};
    {
        std::unique_lock lock(keys_mutex_);
        // A revocation that raced with this lookup wins: never cache a key revoked in this process.
        if (revoked_keys_.contains(key_id)) return MakeError(ErrorCode::kPermissionDenied, "request is not authorized");
        keys_[key_id] = cached;
    }
    if (!auth::SecretMatches(secret, cached.secret_hash)) {
        return MakeError(ErrorCode::kPermissionDenied, "request is not authorized");
    }
    return Principal{cached.user_id, cached.role};
}

Result<Principal> Api::AuthenticateToken(const std::string& token) {
    auto claims = auth::VerifyJwt(token, options_.jwt_key, clock_.Now());
    if (!claims) return std::unexpected(claims.error());
    if (claims->typ != auth::kAccessTokenType) return MakeError(ErrorCode::kPermissionDenied, "not an access token");
    auto id = WholeNumberText(claims->sub, "sub", 1, INT64_MAX);
    if (!id) return MakeError(ErrorCode::kPermissionDenied, "malformed token");
    return Principal{*id, claims->role};
}

Result<Principal> Api::Authenticate(const HttpRequest& req) {
    const std::string& key_id = req.Header("apca-api-key-id");
    if (!key_id.empty()) {
        auto who = AuthenticateKey(key_id, req.Header("apca-api-secret-key"));
        if (who) who->via_api_key = true;
        return who;
    }
    const std::string& authz = req.Header("authorization");
    if (authz.rfind("Bearer ", 0) == 0) return AuthenticateToken(authz.substr(7));
    return MakeError(ErrorCode::kPermissionDenied,
                     "request is not authorized: send APCA-API-KEY-ID and APCA-API-SECRET-KEY, or Authorization: Bearer");
}

Handler Api::Authed(HttpResponse (Api::*method)(const HttpRequest&, const Principal&)) {
    return Authed2([this, method](const HttpRequest& req, const Principal& who) { return (this->*method)(req, who); });
}

Handler Api::Authed2(std::function<HttpResponse(const HttpRequest&, const Principal&)> f) {
    return [this, f = std::move(f)](const HttpRequest& req) {
        auto who = Authenticate(req);
        if (!who) {
            if (who.error().code == ErrorCode::kPermissionDenied) return Unauthorized(who.error().message);
            return ErrorResponse(who.error());
        }
        return f(req, *who);
    };
}

AsyncHandler Api::AuthedAsync(void (Api::*method)(const HttpRequest&, const Principal&, Responder)) {
    return [this, method](const HttpRequest& req, Responder respond) {
        auto who = Authenticate(req);
        if (!who) {
            respond(who.error().code == ErrorCode::kPermissionDenied ? Unauthorized(who.error().message)
                                                                      : ErrorResponse(who.error()));
            return;
        }
        (this->*method)(req, *who, std::move(respond));
    };
}

// ---- Sign-up, login, tokens -----------------------------------------------------------------------------

Result<json::object> Api::IssueTokens(std::int64_t user_id, const std::string& role, const std::string& family) {
    const Timestamp now = clock_.Now();
    const std::int64_t now_s = now / kNanosPerSecond;
    auth::JwtClaims claims{std::to_string(user_id), role, std::string(auth::kAccessTokenType), auth::RandomToken(12),
                           now_s, now_s + options_.access_ttl_s};
    const std::string refresh = auth::RandomToken(32);
    storage::RefreshTokenRecord rec;
    rec.user_id = user_id;
    rec.token_hash = auth::HashSecret(refresh);
    rec.family = family.empty() ? auth::NewUuidV4() : family;
    rec.created_at = now;
    rec.expires_at = now + std::int64_t{options_.refresh_ttl_s} * kNanosPerSecond;
    if (auto s = platform_.CreateRefreshToken(rec); !s) return std::unexpected(s.error());
    json::object out;
    out["access_token"] = auth::SignJwt(claims, options_.jwt_key);
    out["refresh_token"] = refresh;
    out["token_type"] = "Bearer";
    out["expires_in"] = options_.access_ttl_s;
    return out;
}

void Api::EnsureAccount(std::int64_t user_id, std::function<void(Status)> done) {
    auto account = reads_.GetAccount(static_cast<trading::AccountId>(user_id));
    if (!account) return done(std::unexpected(account.error()));
    if (*account) return done({});
    backend_.Submit(trading::OpenAccount{static_cast<trading::AccountId>(user_id), options_.starting_cash, clock_.Now()},
                    [done](const trading::CommandResult& r, const std::vector<trading::Event>&) {
                        if (!r.ok() && r.error->code != ErrorCode::kAlreadyExists) return done(std::unexpected(*r.error));
                        done({});
                    });
}

void Api::Signup(const HttpRequest& req, Responder respond) {
    auto body = ParseJsonObject(req);
    if (!body) return respond(JsonError(400, kCodeMalformed, body.error().message));
    if (auto s = OnlyFields(*body, {"username", "password", "email", "phone"}); !s) return respond(ErrorResponse(s.error()));
    auto username = OptionalString(*body, "username", 64);
    auto password = OptionalString(*body, "password", 1024);
    auto email = OptionalString(*body, "email", 512);
    auto phone = OptionalString(*body, "phone", 64);
    for (const auto* r : {&username, &password, &email, &phone}) {
        if (!*r) return respond(ErrorResponse(r->error()));
    }
    if (!*username) return respond(ErrorResponse(Error{ErrorCode::kInvalidArgument, "username is required"}));
    if (!*password) return respond(ErrorResponse(Error{ErrorCode::kInvalidArgument, "password is required"}));
    storage::UserRecord user;
    user.username = **username;
    user.email = email->value_or("");
    user.phone = phone->value_or("");
    for (const Status& s : {CheckUsername(user.username), auth::CheckPasswordPolicy(**password), CheckEmail(user.email),
                            CheckPhone(user.phone)}) {
        if (!s) return respond(ErrorResponse(s.error()));
    }
    // Argon2id takes tens of milliseconds and 64 MiB: off the I/O threads, through a bounded queue.
    if (slow_pending_.load() >= kMaxSlowPending) {
        HttpResponse r = JsonError(503, kCodeUnavailable, "too many sign-ups at once; retry");
        r.headers.emplace_back("Retry-After", "1");
        return respond(std::move(r));
    }
    ++slow_pending_;
    boost::asio::post(slow_, [this, user, pw = **password, respond]() mutable {
        struct Done {
            std::atomic<int>& n;
            ~Done() { --n; }
        } done{slow_pending_};
        auto hash = auth::HashPassword(pw, options_.password_cost);
        if (!hash) return respond(ErrorResponse(hash.error()));
        user.password_hash = *hash;
        user.created_at = clock_.Now();
        auto id = store_.CreateUser(user);
        if (!id) {
            if (id.error().code == ErrorCode::kAlreadyExists) {
                return respond(JsonError(409, kCodeConflict, id.error().message));
            }
            return respond(ErrorResponse(id.error()));
        }
        const std::int64_t user_id = *id;
        EnsureAccount(user_id, [this, user, user_id, respond](Status s) {
            if (!s) return respond(ErrorResponse(s.error()));
            json::object out;
            out["id"] = user_id;
            out["username"] = user.username;
            out["account_id"] = IdToUuid(IdKind::kAccount, static_cast<std::uint64_t>(user_id));
            out["cash"] = Str(options_.starting_cash);
            respond(Json(201, out));
        });
    });
}

// Attempts in flight count as failures until they are decided, so parallel guesses cannot pass the limit.
bool Api::BeginLoginAttempt(const std::vector<std::string>& keys, Timestamp now, int& retry_after_s) {
    std::lock_guard lock(throttle_mutex_);
    const Timestamp window = kLoginWindowS * kNanosPerSecond;
    if (failures_.size() > 100'000) {
        // Bounded memory under a flood of names: forget entries with nothing recent and nothing pending.
        std::erase_if(failures_, [&](const auto& kv) {
            return kv.second.pending == 0 && (kv.second.times.empty() || kv.second.times.back() <= now - window);
        });
    }
    for (const auto& key : keys) {
        auto& e = failures_[key];
        while (!e.times.empty() && e.times.front() <= now - window) e.times.pop_front();
        if (e.times.size() + static_cast<std::size_t>(e.pending) >= kMaxLoginFailures) {
            retry_after_s = e.times.empty() ? 1 : static_cast<int>((e.times.front() + window - now) / kNanosPerSecond) + 1;
            return false;
        }
    }
    for (const auto& key : keys) ++failures_[key].pending;
    return true;
}

void Api::EndLoginAttempt(const std::vector<std::string>& keys, Timestamp now, bool failed) {
    std::lock_guard lock(throttle_mutex_);
    for (const auto& key : keys) {
        auto& e = failures_[key];
        if (e.pending > 0) --e.pending;
        if (failed) {
            e.times.push_back(now);
            while (e.times.size() > kMaxLoginFailures) e.times.pop_front();
        }
    }
}

void Api::Login(const HttpRequest& req, Responder respond) {
    auto body = ParseJsonObject(req);
    if (!body) return respond(JsonError(400, kCodeMalformed, body.error().message));
    if (auto s = OnlyFields(*body, {"username", "password"}); !s) return respond(ErrorResponse(s.error()));
    auto username = OptionalString(*body, "username", 64);
    auto password = OptionalString(*body, "password", 1024);
    if (!username || !password || !*username || !*password) {
        return respond(ErrorResponse(Error{ErrorCode::kInvalidArgument, "username and password are required strings"}));
    }
    // Password hashing is slow on purpose: a bounded queue, so a flood of logins answers 503 rather than
    // making everyone wait.
    if (slow_pending_.load() >= kMaxSlowPending) {
        HttpResponse r = JsonError(503, kCodeUnavailable, "too many sign-ins at once; retry");
        r.headers.emplace_back("Retry-After", "1");
        return respond(std::move(r));
    }
    // Password guessing is slowed per username and per address: 5 failures in 5 minutes, then 429.
    const std::vector<std::string> keys = {"u:" + **username, "a:" + req.remote};
    int retry = 0;
    if (!BeginLoginAttempt(keys, clock_.Now(), retry)) {
        HttpResponse r = JsonError(429, kCodeRateLimited, "too many failed logins; retry in " + std::to_string(retry) + " s");
        r.headers.emplace_back("Retry-After", std::to_string(retry));
        return respond(std::move(r));
    }
    ++slow_pending_;
    boost::asio::post(slow_, [this, name = **username, pw = **password, respond, keys] {
        struct Done {
            std::atomic<int>& n;
            ~Done() { --n; }
        } done{slow_pending_};
        auto user = store_.FindUserByName(name);
        if (!user) {
            EndLoginAttempt(keys, clock_.Now(), false);
            return respond(ErrorResponse(user.error()));
        }
        // The same answer, and about the same time, for an unknown user and a wrong password.
        const bool known = *user && !(*user)->password_hash.empty();
        const bool ok = auth::VerifyPassword(pw, known ? (*user)->password_hash : DummyHash()) && known;
        EndLoginAttempt(keys, clock_.Now(), !ok);
        if (!ok) {
            GetLogger("gateway")->info("event=login_failed");
            return respond(Unauthorized("invalid username or password"));
        }
        const std::int64_t id = (*user)->id;
        const std::string role = (*user)->role;
        EnsureAccount(id, [this, id, role, respond](Status s) {
            if (!s) return respond(ErrorResponse(s.error()));
            auto tokens = IssueTokens(id, role, "");
            if (!tokens) return respond(ErrorResponse(tokens.error()));
            respond(Json(*tokens));
        });
    });
}

const std::string& Api::DummyHash() {
    std::call_once(dummy_once_, [this] {
        auto h = auth::HashPassword(auth::RandomToken(16), options_.password_cost);
        dummy_hash_ = h ? *h : std::string();
    });
    return dummy_hash_;
}

HttpResponse Api::Refresh(const HttpRequest& req) {
    auto body = ParseJsonObject(req);
    if (!body) return JsonError(400, kCodeMalformed, body.error().message);
    if (auto s = OnlyFields(*body, {"refresh_token"}); !s) return ErrorResponse(s.error());
    auto token = OptionalString(*body, "refresh_token", 256);
    if (!token || !*token) return ErrorResponse(Error{ErrorCode::kInvalidArgument, "refresh_token is required"});
    const std::string hash = auth::HashSecret(**token);
    auto rec = platform_.FindRefreshToken(hash);
    if (!rec) return ErrorResponse(rec.error());
    if (!*rec) return Unauthorized("refresh token is not valid");
    const Timestamp now = clock_.Now();
    if ((*rec)->revoked_at) {
        // A rotated-out token presented again: someone else may hold the family. End it.
        (void)platform_.RevokeRefreshFamily((*rec)->family, now);
        GetLogger("gateway")->warn("event=refresh_token_reuse user={}", (*rec)->user_id);
        return Unauthorized("refresh token was already used; log in again");
    }
    if ((*rec)->expires_at <= now) return Unauthorized("refresh token expired; log in again");
    auto revoked = platform_.RevokeRefreshToken(hash, now);
    if (!revoked) return ErrorResponse(revoked.error());
    if (!*revoked) return Unauthorized("refresh token was already used; log in again");
    auto user = store_.FindUserById((*rec)->user_id);
    if (!user) return ErrorResponse(user.error());
    if (!*user) return Unauthorized("refresh token is not valid");
    auto tokens = IssueTokens((*user)->id, (*user)->role, (*rec)->family);
    if (!tokens) return ErrorResponse(tokens.error());
    return Json(*tokens);
}

HttpResponse Api::Logout(const HttpRequest& req, const Principal& who) {
    if (who.via_api_key) return JsonError(403, kCodeForbidden, "API keys cannot manage sessions or keys; sign in");
    auto body = ParseJsonObject(req);
    if (!body) return JsonError(400, kCodeMalformed, body.error().message);
    if (auto s = OnlyFields(*body, {"refresh_token"}); !s) return ErrorResponse(s.error());
    auto token = OptionalString(*body, "refresh_token", 256);
    if (!token || !*token) return ErrorResponse(Error{ErrorCode::kInvalidArgument, "refresh_token is required"});
    auto rec = platform_.FindRefreshToken(auth::HashSecret(**token));
    if (!rec) return ErrorResponse(rec.error());
    // Another user's token is treated as unknown: nothing is revoked and nothing is revealed.
    if (!*rec || (*rec)->user_id != who.user_id) return JsonError(404, kCodeNotFound, "refresh token not found");
    if (auto s = platform_.RevokeRefreshFamily((*rec)->family, clock_.Now()); !s) return ErrorResponse(s.error());
    return NoContent();
}

HttpResponse Api::Me(const HttpRequest&, const Principal& who) {
    auto user = store_.FindUserById(who.user_id);
    if (!user) return ErrorResponse(user.error());
    if (!*user) return Unauthorized("user no longer exists");
    json::object out;
    out["id"] = (*user)->id;
    out["username"] = (*user)->username;
    out["email"] = (*user)->email;
    out["phone"] = (*user)->phone;
    out["role"] = (*user)->role;
    out["created_at"] = FormatRfc3339((*user)->created_at);
    out["account_id"] = IdToUuid(IdKind::kAccount, static_cast<std::uint64_t>(who.user_id));
    return Json(out);
}

// ---- API keys ------------------------------------------------------------------------------------------

HttpResponse Api::CreateKey(const HttpRequest& req, const Principal& who) {
    if (who.via_api_key) return JsonError(403, kCodeForbidden, "API keys cannot manage sessions or keys; sign in");
    std::string name;
    if (!req.body.empty()) {
        auto body = ParseJsonObject(req);
        if (!body) return JsonError(400, kCodeMalformed, body.error().message);
        if (auto s = OnlyFields(*body, {"name"}); !s) return ErrorResponse(s.error());
        auto n = OptionalString(*body, "name", 64);
        if (!n) return ErrorResponse(n.error());
        name = n->value_or("");
    }
    auto existing = platform_.ListApiKeys(who.user_id);
    if (!existing) return ErrorResponse(existing.error());
    const auto active = std::count_if(existing->begin(), existing->end(), [](const auto& k) { return !k.revoked_at; });
    if (static_cast<std::size_t>(active) >= options_.max_keys_per_user) {
        return JsonError(422, kCodeUnprocessable,
                         "at most " + std::to_string(options_.max_keys_per_user) + " active keys; revoke one first");
    }
    storage::ApiKeyRecord key;
    key.user_id = who.user_id;
    key.key_id = auth::NewApiKeyId();
    const std::string secret = auth::NewApiSecret();
    key.secret_hash = auth::HashSecret(secret);
    key.name = name;
    key.created_at = clock_.Now();
    if (auto s = platform_.CreateApiKey(key); !s) return ErrorResponse(s.error());
    json::object out;
    out["key_id"] = key.key_id;
    out["secret_key"] = secret;  // shown once; only its hash is kept
    out["name"] = key.name;
    out["created_at"] = FormatRfc3339(key.created_at);
    return Json(201, out);
}

HttpResponse Api::ListKeys(const HttpRequest&, const Principal& who) {
    if (who.via_api_key) return JsonError(403, kCodeForbidden, "API keys cannot manage sessions or keys; sign in");
    auto keys = platform_.ListApiKeys(who.user_id);
    if (!keys) return ErrorResponse(keys.error());
    json::array out;
    for (const auto& k : *keys) {
        json::object o;
        o["key_id"] = k.key_id;
        o["name"] = k.name;
        o["created_at"] = FormatRfc3339(k.created_at);
        o["revoked_at"] = k.revoked_at ? TimeOrNull(*k.revoked_at) : json::value(nullptr);
        o["status"] = k.revoked_at ? "revoked" : "active";
        out.push_back(std::move(o));
    }
    return Json(out);
}

HttpResponse Api::RevokeKey(const HttpRequest& req, const Principal& who) {
    if (who.via_api_key) return JsonError(403, kCodeForbidden, "API keys cannot manage sessions or keys; sign in");
    const std::string& key_id = req.Param("key_id");
    auto revoked = platform_.RevokeApiKey(who.user_id, key_id, clock_.Now());
    if (!revoked) return ErrorResponse(revoked.error());
    if (!*revoked) return JsonError(404, kCodeNotFound, "key not found");
    std::unique_lock lock(keys_mutex_);
    keys_.erase(key_id);
    revoked_keys_.insert(key_id);
    return NoContent();
}

// ---- Money ---------------------------------------------------------------------------------------------

void Api::Topup(const HttpRequest& req, const Principal& who, Responder respond) {
    auto body = ParseJsonObject(req);
    if (!body) return respond(JsonError(400, kCodeMalformed, body.error().message));
    if (auto s = OnlyFields(*body, {"amount"}); !s) return respond(ErrorResponse(s.error()));
    auto it = body->find("amount");
    if (it == body->end()) return respond(ErrorResponse(Error{ErrorCode::kInvalidArgument, "amount is required"}));
    auto amount = WholeNumber(it->value(), "amount", 1, options_.max_topup);
    if (!amount) return respond(ErrorResponse(amount.error()));
    backend_.Submit(trading::Deposit{static_cast<trading::AccountId>(who.user_id), *amount, clock_.Now()},
                    [respond, amount = *amount](const trading::CommandResult& r, const std::vector<trading::Event>& ev) {
                        if (!r.ok()) return respond(EngineErrorResponse(*r.error));
                        json::object out;
                        out["amount"] = Str(amount);
                        for (const auto& e : ev) {
                            if (e.type == trading::EventType::kDeposited) {
                                out["cash"] = Str(e.balance.cash);
                                out["buying_power"] = Str(e.balance.available());
                                out["created_at"] = FormatRfc3339(e.ts);
                            }
                        }
                        respond(Json(200, out));
                    });
}

HttpResponse Api::Leaderboard(const HttpRequest& req) {
    // Public and costly (every account, position and deposit): one computation per period and limit serves
    // all callers for two seconds.
    const std::string cache_key = req.Query("period").value_or("all") + "|" + req.Query("limit").value_or("100");
    const Timestamp asked = clock_.Now();
    {
        std::lock_guard lock(board_mutex_);
        auto it = board_cache_.find(cache_key);
        if (it != board_cache_.end() && asked - it->second.first < 2 * kNanosPerSecond) return it->second.second;
    }
    HttpResponse fresh = ComputeLeaderboard(req);
    if (fresh.status == 200) {
        std::lock_guard lock(board_mutex_);
        if (board_cache_.size() > 64) board_cache_.clear();
        board_cache_[cache_key] = {asked, fresh};
    }
    return fresh;
}

HttpResponse Api::ComputeLeaderboard(const HttpRequest& req) {
    // all: since each account opened; day: since 00:00 KST today; week / month: the last 7 / 30 days.
    std::string period = req.Query("period").value_or("all");
    for (char& c : period) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const Timestamp now = clock_.Now();
    Timestamp since = 0;
    if (period == "day" || period == "1d") {
        period = "day";
        since = FromKst(ToKst(now).date, 0, 0);
    } else if (period == "week" || period == "1w") {
        period = "week";
        since = now - 7 * kNanosPerDay;
    } else if (period == "month" || period == "1m") {
        period = "month";
        since = now - 30 * kNanosPerDay;
    } else if (period != "all") {
        return JsonError(422, kCodeInvalidParameter, "period must be all, day, week or month");
    }
    auto limit = WholeNumberText(req.Query("limit").value_or("100"), "limit", 1, 1000);
    if (!limit) return ErrorResponse(limit.error());
    auto accounts = reads_.AccountSummaries();
    if (!accounts) return ErrorResponse(accounts.error());
    auto positions = reads_.PositionsOf(0);
    if (!positions) return ErrorResponse(positions.error());
    storage::HistoryQuery after;
    after.after = since == 0 ? 0 : since;
    after.ascending = true;
    after.limit = 0;
    auto deposits = reads_.ListDeposits(after);
    if (!deposits) return ErrorResponse(deposits.error());

    std::map<trading::AccountId, Won> market_value;
    for (const auto& p : *positions) {
        const Won mark = market_.Mark(p.symbol);
        market_value[p.account] += mark > 0 ? mark * p.qty : p.cost_basis;
    }
    std::map<trading::AccountId, std::vector<const storage::DepositRecord*>> flows;
    for (const auto& d : *deposits) flows[d.account].push_back(&d);

    // Equity at the start of a period: today's cash and shares with everything since undone, marked at the
    // prices of that moment (the last minute or day bar before it, else the listing's close).
    std::map<trading::AccountId, Won> start_equity;
    if (since != 0) {
        auto fills = reads_.ListFills(after);
        if (!fills) return ErrorResponse(fills.error());
        std::map<trading::AccountId, Won> cash_then;
        std::map<std::pair<trading::AccountId, market::SymbolId>, Qty> qty_then;
        for (const auto& a : *accounts) cash_then[a.account] = a.cash;
        for (const auto& p : *positions) qty_then[{p.account, p.symbol}] = p.qty;
        for (const auto& d : *deposits) cash_then[d.account] -= d.amount;
        for (const auto& f : *fills) {
            const Won notional = f.price * f.qty;
            if (f.side == trading::Side::kBuy) {
                cash_then[f.account] += notional + f.commission;
                qty_then[{f.account, f.symbol}] -= f.qty;
            } else {
                cash_then[f.account] -= notional - f.commission - f.tax;
                qty_then[{f.account, f.symbol}] += f.qty;
            }
        }
        std::map<market::SymbolId, Won> price_then;
        auto price_at_start = [&](market::SymbolId s) {
            auto it = price_then.find(s);
            if (it != price_then.end()) return it->second;
            Won price = s < universe_.size() ? universe_.Get(s).previous_close : 0;
            auto days = history_.LoadBars(s, 86'400, since - 10 * kNanosPerDay, since);
            if (days && !days->empty()) price = days->back().close;
            auto minutes = history_.LoadBars(s, 60, since - kNanosPerDay, since);
            if (minutes && !minutes->empty()) price = minutes->back().close;
            return price_then[s] = price;
        };
        for (const auto& [account, cash] : cash_then) start_equity[account] = cash;
        for (const auto& [key, q] : qty_then) {
            if (q != 0) start_equity[key.first] += q * price_at_start(key.second);
        }
    }

    struct Row {
        const storage::AccountSummary* a;
        Won equity;
        double twr;  // ranking only; the figures shown are exact decimal strings
        std::int64_t num, den;
    };
    std::vector<Row> rows;
    for (const auto& a : *accounts) {
        if (a.username.rfind("load-", 0) == 0) continue;  // synthetic load accounts are not players
        if (since != 0 && a.opened_at > now) continue;
        const Won equity = a.cash + market_value[a.account];
        // Time-weighted return: chain the growth of each period between deposits, so money added never counts.
        __extension__ using Int128 = __int128;
        Int128 num = 1, den = 1;
        Won start = since == 0 ? 0 : start_equity[a.account];
        for (const auto* d : flows[a.account]) {
            if (start > 0) {
                num *= d->equity_before;
                den *= start;
                while (num > (Int128{1} << 100) || den > (Int128{1} << 100)) {
                    num >>= 20;
                    den >>= 20;
                }
            }
            start = d->equity_before + d->amount;
        }
        if (start > 0) {
            num *= equity;
            den *= start;
        }
        // Small enough that the percent (× 100) below still fits in 64 bits.
        while (num > (Int128{1} << 55) || den > (Int128{1} << 55)) {
            num >>= 1;
            den >>= 1;
        }
        if (den == 0) den = 1;
        const double twr = static_cast<double>(num) / static_cast<double>(den) - 1.0;
        rows.push_back({&a, equity, twr, static_cast<std::int64_t>(num - den), static_cast<std::int64_t>(den)});
    }
    std::stable_sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) {
        if (x.twr != y.twr) return x.twr > y.twr;
        return x.equity > y.equity;
    });
    json::array entries;
    for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(*limit); ++i) {
        json::object e;
        e["rank"] = i + 1;
        e["username"] = rows[i].a->username;
        e["return_pct"] = FormatRatio(rows[i].num * 100, rows[i].den, 2);
        e["equity"] = Str(rows[i].equity);
        e["trades"] = rows[i].a->fills;
        entries.push_back(std::move(e));
    }
    json::object out;
    out["period"] = period;
    out["as_of"] = FormatRfc3339(now);
    out["since"] = since == 0 ? json::value(nullptr) : json::value(FormatRfc3339(since));
    out["entries"] = std::move(entries);
    return Json(out);
}

HttpResponse Api::Stocks(const HttpRequest& req) {
    const std::string q = req.Query("q").value_or("");
    if (q.size() > 100) return ErrorResponse(Error{ErrorCode::kInvalidArgument, "q must be at most 100 bytes"});
    auto limit = WholeNumberText(req.Query("limit").value_or("20"), "limit", 1, 100);
    if (!limit) return ErrorResponse(limit.error());
    // trend=true adds each stock's five-minute closes over the last 24 hours (the home page's sparklines).
    const std::string trend_flag = req.Query("trend").value_or("false");
    if (trend_flag != "true" && trend_flag != "false") {
        return ErrorResponse(Error{ErrorCode::kInvalidArgument, "trend must be true or false"});
    }
    const bool trend = trend_flag == "true";
    const Timestamp now = clock_.Now();
    std::vector<const market::StockInfo*> found;
    // The records Get() returns live as long as the Universe; a search runs over one copy of the master.
    std::vector<market::StockInfo> master;
    if (q.empty()) {
        for (market::SymbolId id = 0; id < universe_.size(); ++id) {
            if (IsListed(id)) found.push_back(&universe_.Get(id));
        }
    } else {
        master = universe_.all();
        found = market::Search(master, q, static_cast<std::size_t>(*limit));
    }
    json::array out;
    for (const auto* s : found) {
        const auto id = universe_.Find(s->code);
        if (!id) continue;
        json::object o;
        o["symbol"] = s->code;
        o["name_ko"] = s->name_ko;
        o["name_en"] = s->name_en;
        o["market"] = std::string(market::ExchangeName(s->market));
        o["tradable"] = IsTradable(*id);
        const auto m = market_.Get(*id);
        const auto [prev, price] = PricesOf(*id);
        o["price"] = Str(price);
        o["previous_close"] = Str(prev);
        o["change"] = Str(price - prev);
        o["change_pct"] = FormatRatio((price - prev) * 100, prev, 2);
        const auto band = market::ComputeKrxPriceBand(prev, options_.price_limit_ppm);
        o["upper_limit"] = Str(band.upper);
        o["lower_limit"] = Str(band.lower);
        o["volume"] = m ? m->volume : 0;
        if (trend) {
            constexpr std::int64_t kFiveMinutes = 300;
            auto bars = BarsOf(*id, TimeFrameSpec{kFiveMinutes}, now - 86'400 * kNanosPerSecond, now + 1);
            if (!bars) return ErrorResponse(bars.error());
            json::array closes;
            for (const auto& b : *bars) closes.push_back(b.close);
            o["trend"] = std::move(closes);
        }
        out.push_back(std::move(o));
    }
    return Json(out);
}

// What a client needs to price an order before sending it: the session now, the fees and the band width.
HttpResponse Api::MarketRules(const HttpRequest&) {
    const Timestamp now = clock_.Now();
    json::object o;
    o["timestamp"] = FormatRfc3339(now);
    o["session"] = std::string(market::SessionStateName(calendar_.StateAt(now)));
    o["currency"] = "KRW";
    o["commission_ppm"] = options_.fees.commission_ppm;
    o["sell_tax_ppm"] = options_.fees.sell_tax_ppm;
    o["price_limit_ppm"] = options_.price_limit_ppm;
    return Json(o);
}

void Api::InjectTick(const HttpRequest& req, const Principal& who, Responder respond) {
    if (who.role != "admin") return respond(JsonError(403, kCodeForbidden, "admin role required"));
    if (!options_.allow_injection) {
        return respond(JsonError(403, kCodeForbidden, "tick injection is off (market.allow_injection)"));
    }
    auto body = ParseJsonObject(req);
    if (!body) return respond(JsonError(400, kCodeMalformed, body.error().message));
    if (auto s = OnlyFields(*body, {"symbol", "price", "bid", "ask", "volume"}); !s) return respond(ErrorResponse(s.error()));
    auto symbol = OptionalString(*body, "symbol", 16);
    if (!symbol || !*symbol) return respond(ErrorResponse(Error{ErrorCode::kInvalidArgument, "symbol is required"}));
    auto id = universe_.Find(**symbol);
    if (!id || !IsListed(*id)) {
        return respond(JsonError(422, kCodeUnprocessable, "symbol " + **symbol + " is not traded here"));
    }
    if (!IsTradable(*id)) {
        return respond(
            JsonError(422, kCodeUnprocessable, "trading in " + **symbol + " is halted: no ticks until it resumes"));
    }
    market::Tick t;
    t.symbol = *id;
    t.ts = clock_.Now();
    auto number = [&](const char* field, std::int64_t min, std::int64_t dflt) -> Result<std::int64_t> {
        auto it = body->find(field);
        if (it == body->end() || it->value().is_null()) return dflt;
        return WholeNumber(it->value(), field, min, kMaxWon);
    };
    auto price = number("price", 1, 0);
    auto bid = number("bid", 0, 0);
    auto ask = number("ask", 0, 0);
    auto volume = number("volume", 0, 1000);
    for (const auto* r : {&price, &bid, &ask, &volume}) {
        if (!*r) return respond(ErrorResponse(r->error()));
    }
    if (*price == 0) return respond(ErrorResponse(Error{ErrorCode::kInvalidArgument, "price is required"}));
    for (auto [v, name] : {std::pair{*price, "price"}, std::pair{*bid, "bid"}, std::pair{*ask, "ask"}}) {
        if (v != 0 && !market::IsOnTickGrid(v)) {
            return respond(ErrorResponse(Error{ErrorCode::kInvalidArgument,
                                               std::string(name) + " " + std::to_string(v) + " is not on the KRX tick grid"}));
        }
    }
    const Won prev = PricesOf(*id).previous_close;
    const auto band = market::ComputeKrxPriceBand(prev, options_.price_limit_ppm);
    for (Won v : {*price, *bid, *ask}) {
        if (v != 0 && (v < band.lower || v > band.upper)) {
            return respond(JsonError(422, kCodeUnprocessable,
                                     "price " + std::to_string(v) + " is outside today's band " +
                                         std::to_string(band.lower) + " … " + std::to_string(band.upper)));
        }
    }
    if (*bid != 0 && *ask != 0 && *bid >= *ask) {
        return respond(JsonError(422, kCodeUnprocessable, "bid must be below ask"));
    }
    t.price = *price;
    t.bid = *bid != 0 ? *bid : market::TickDown(*price);
    t.ask = *ask != 0 ? *ask : market::TickUp(*price);
    t.volume = *volume;
    backend_.Submit(trading::MarketTick{t}, [respond, t, code = **symbol](const trading::CommandResult& r,
                                                                          const std::vector<trading::Event>& ev) {
        if (!r.ok()) return respond(EngineErrorResponse(*r.error));
        json::object out;
        out["symbol"] = code;
        out["price"] = Str(t.price);
        out["bid"] = Str(t.bid);
        out["ask"] = Str(t.ask);
        out["volume"] = t.volume;
        out["t"] = FormatRfc3339(t.ts);
        out["events"] = ev.size();
        respond(Json(200, out));
    });
}

Status Api::EnsureAdmin(const std::string& username, const std::string& password) {
    auto existing = store_.FindUserByName(username);
    if (!existing) return std::unexpected(existing.error());
    std::int64_t id = 0;
    if (*existing) {
        id = (*existing)->id;
    } else {
        if (auto s = auth::CheckPasswordPolicy(password); !s) {
            return MakeError(ErrorCode::kInvalidArgument, "INVESTKING_ADMIN_PASSWORD: " + s.error().message);
        }
        auto hash = auth::HashPassword(password, options_.password_cost);
        if (!hash) return std::unexpected(hash.error());
        storage::UserRecord u;
        u.username = username;
        u.password_hash = *hash;
        u.role = "admin";
        u.created_at = clock_.Now();
        auto created = store_.CreateUser(u);
        if (!created) return std::unexpected(created.error());
        id = *created;
        GetLogger("gateway")->info("event=admin_created username={}", username);
    }
    std::promise<Status> done;
    auto future = done.get_future();
    EnsureAccount(id, [&done](Status s) { done.set_value(std::move(s)); });
    return future.get();
}

// ---- Routes --------------------------------------------------------------------------------------------

void Api::Register(HttpServer& s) {
    auto async = [this](void (Api::*m)(const HttpRequest&, Responder)) {
        return [this, m](const HttpRequest& req, Responder r) { (this->*m)(req, std::move(r)); };
    };
    RegisterAlerts(s);
    s.RouteAsync("POST", "/api/v1/auth/signup", async(&Api::Signup));
    s.RouteAsync("POST", "/api/v1/auth/login", async(&Api::Login));
    s.Route("POST", "/api/v1/auth/refresh", [this](const HttpRequest& r) { return Refresh(r); });
    s.Route("POST", "/api/v1/auth/logout", Authed(&Api::Logout));
    s.Route("GET", "/api/v1/me", Authed(&Api::Me));
    s.Route("POST", "/api/v1/keys", Authed(&Api::CreateKey));
    s.Route("GET", "/api/v1/keys", Authed(&Api::ListKeys));
    s.Route("DELETE", "/api/v1/keys/{key_id}", Authed(&Api::RevokeKey));
    s.RouteAsync("POST", "/api/v1/account/topup", AuthedAsync(&Api::Topup));
    s.Route("GET", "/api/v1/leaderboard", [this](const HttpRequest& r) { return Leaderboard(r); });
    s.Route("GET", "/api/v1/stocks", [this](const HttpRequest& r) { return Stocks(r); });
    s.Route("GET", "/api/v1/market", [this](const HttpRequest& r) { return MarketRules(r); });
    s.RouteAsync("POST", "/api/v1/admin/ticks", AuthedAsync(&Api::InjectTick));
    s.Route("GET", "/api/v1/admin/universe", Authed(&Api::ListUniverse));
    s.RouteAsync("POST", "/api/v1/admin/universe", AuthedAsync(&Api::AddListing));
    s.RouteAsync("PATCH", "/api/v1/admin/universe/{code}", AuthedAsync(&Api::UpdateListing));

    s.Route("GET", "/v2/account", Authed(&Api::GetAccount));
    s.Route("GET", "/v2/account/activities", Authed(&Api::Activities));
    s.Route("GET", "/v2/account/activities/{activity_type}", Authed(&Api::Activities));
    s.Route("GET", "/v2/account/portfolio/history", Authed(&Api::PortfolioHistory));
    s.RouteAsync("POST", "/v2/orders", AuthedAsync(&Api::PlaceOrder));
    s.Route("GET", "/v2/orders", Authed(&Api::ListOrders));
    s.RouteAsync("DELETE", "/v2/orders", AuthedAsync(&Api::CancelAllOrders));
    s.Route("GET", "/v2/orders:by_client_order_id", Authed(&Api::GetOrderByClientId));
    s.Route("GET", "/v2/orders/{order_id}", Authed(&Api::GetOrder));
    s.RouteAsync("PATCH", "/v2/orders/{order_id}", AuthedAsync(&Api::ReplaceOrder));
    s.RouteAsync("DELETE", "/v2/orders/{order_id}", AuthedAsync(&Api::CancelOrder));
    s.Route("GET", "/v2/positions", Authed(&Api::ListPositions));
    s.RouteAsync("DELETE", "/v2/positions", AuthedAsync(&Api::CloseAllPositions));
    s.Route("GET", "/v2/positions/{symbol}", Authed(&Api::GetPosition));
    s.RouteAsync("DELETE", "/v2/positions/{symbol}", AuthedAsync(&Api::ClosePosition));
    s.Route("GET", "/v2/assets", Authed(&Api::ListAssets));
    s.Route("GET", "/v2/assets/{symbol}", Authed(&Api::GetAsset));
    s.Route("GET", "/v2/clock", Authed(&Api::Clock));
    s.Route("GET", "/v2/calendar", Authed(&Api::Calendar));
    auto data = [this](HttpResponse (Api::*m)(const HttpRequest&, const Principal&, LatestKind), LatestKind k) {
        return Authed2([this, m, k](const HttpRequest& r, const Principal& p) { return (this->*m)(r, p, k); });
    };
    auto ticks = [this](bool quotes) {
        return Authed2([this, quotes](const HttpRequest& r, const Principal& p) { return Ticks(r, p, quotes); });
    };
    s.Route("GET", "/v2/stocks/bars", Authed(&Api::Bars));
    s.Route("GET", "/v2/stocks/{symbol}/bars", Authed(&Api::Bars));
    s.Route("GET", "/v2/stocks/bars/latest", data(&Api::Latest, LatestKind::kBar));
    s.Route("GET", "/v2/stocks/{symbol}/bars/latest", data(&Api::Latest, LatestKind::kBar));
    s.Route("GET", "/v2/stocks/trades", ticks(false));
    s.Route("GET", "/v2/stocks/{symbol}/trades", ticks(false));
    s.Route("GET", "/v2/stocks/trades/latest", data(&Api::Latest, LatestKind::kTrade));
    s.Route("GET", "/v2/stocks/{symbol}/trades/latest", data(&Api::Latest, LatestKind::kTrade));
    s.Route("GET", "/v2/stocks/quotes", ticks(true));
    s.Route("GET", "/v2/stocks/{symbol}/quotes", ticks(true));
    s.Route("GET", "/v2/stocks/quotes/latest", data(&Api::Latest, LatestKind::kQuote));
    s.Route("GET", "/v2/stocks/{symbol}/quotes/latest", data(&Api::Latest, LatestKind::kQuote));
    s.Route("GET", "/v2/stocks/snapshots", Authed(&Api::Snapshots));
    s.Route("GET", "/v2/stocks/{symbol}/snapshot", Authed(&Api::Snapshots));
    s.Route("GET", "/v2/watchlists", Authed(&Api::ListWatchlists));
    s.Route("POST", "/v2/watchlists", Authed(&Api::CreateWatchlist));
    s.Route("GET", "/v2/watchlists/{id}", Authed(&Api::GetWatchlist));
    s.Route("PUT", "/v2/watchlists/{id}", Authed(&Api::UpdateWatchlist));
    s.Route("POST", "/v2/watchlists/{id}", Authed(&Api::AddToWatchlist));
    s.Route("DELETE", "/v2/watchlists/{id}", Authed(&Api::DeleteWatchlist));
    s.Route("DELETE", "/v2/watchlists/{id}/{symbol}", Authed(&Api::RemoveFromWatchlist));
}

}  // namespace ik::gateway
