#include "integration/api_server.hpp"

#include <csignal>
#include <regex>

#include <gtest/gtest.h>

namespace ik::testing {

ApiServer::ApiServer(const Env& extra_env)
    : env_{{"INVESTKING_MARKET_SOURCE", "none"},
           {"INVESTKING_MARKET_SESSION", "always"},
           {"INVESTKING_MARKET_ALLOW_INJECTION", "true"},
           {"INVESTKING_ADMIN_PASSWORD", kAdminPassword},
           {"INVESTKING_HTTP_LISTEN", "127.0.0.1:0"}} {
    for (const auto& [k, v] : extra_env) env_[k] = v;
    Start();
}

void ApiServer::Restart() {
    if (running()) Stop();
    client_.reset();
    Start();
}

void ApiServer::Start() {
    ++starts_;
    log_path_ = starts_ == 1 ? dir_ / "serve.log" : dir_ / ("serve-" + std::to_string(starts_) + ".log");
    port_ = 0;
    child_ = std::make_unique<Child>(std::vector<std::string>{"serve", "--data-dir", dir_ / "data"}, env_, log_path_);
    const std::regex ready("event=ready .*listen=127\\.0\\.0\\.1:([0-9]+)");
    std::smatch m;
    const bool up = WaitFor(
        [&] {
            const std::string text = log();
            if (std::regex_search(text, m, ready)) {
                port_ = static_cast<unsigned short>(std::stoi(m[1].str()));
                return true;
            }
            return !child_->Running();
        },
        std::chrono::seconds(60));
    if (!up || port_ == 0) throw std::runtime_error("server did not start:\n" + log());
    client_ = std::make_unique<HttpClient>(port_);
    auto login = client_->Post("/api/v1/auth/login", {{"username", "admin"}, {"password", kAdminPassword}});
    if (login.status != 200) throw std::runtime_error("admin login failed: " + login.body);
    admin_.username = "admin";
    admin_.access_token = Field(login.json(), "access_token");
}

ApiServer::~ApiServer() {
    client_.reset();
    if (child_ && child_->Running()) child_->Kill(SIGTERM);
}

int ApiServer::Stop() {
    client_.reset();
    return child_->Kill(SIGTERM);
}

void ApiServer::SignUp(const std::string& username, ApiUser& out) {
    const std::string password = "pw-" + username + "-secret";
    auto signup = client_->Post("/api/v1/auth/signup", {{"username", username}, {"password", password}});
    ASSERT_EQ(signup.status, 201) << signup.body;
    auto login = client_->Post("/api/v1/auth/login", {{"username", username}, {"password", password}});
    ASSERT_EQ(login.status, 200) << login.body;
    out.username = username;
    out.access_token = Field(login.json(), "access_token");
    out.refresh_token = Field(login.json(), "refresh_token");
    ASSERT_FALSE(out.access_token.empty());
    auto key = client_->Post("/api/v1/keys", {{"name", "bot"}}, out.bearer());
    ASSERT_EQ(key.status, 201) << key.body;
    out.key_id = Field(key.json(), "key_id");
    out.secret = Field(key.json(), "secret_key");
}

int ApiServer::Tick(const std::string& symbol, long price, long volume, long bid, long ask) {
    boost::json::object body{{"symbol", symbol}, {"price", price}, {"volume", volume}};
    if (bid != 0) body["bid"] = bid;
    if (ask != 0) body["ask"] = ask;
    auto r = client_->Post("/api/v1/admin/ticks", body, admin_.bearer());
    if (r.status != 200) ADD_FAILURE() << "tick " << symbol << " " << price << ": " << r.status << " " << r.body;
    return r.status;
}

std::string Field(const boost::json::value& v, const std::string& key) {
    if (!v.is_object()) return "";
    const auto* f = v.as_object().if_contains(key);
    if (f == nullptr || f->is_null()) return "";
    if (f->is_string()) return std::string(f->as_string());
    return boost::json::serialize(*f);
}

}  // namespace ik::testing
