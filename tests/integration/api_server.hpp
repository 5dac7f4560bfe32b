#pragma once
// The real investking binary serving on a free loopback port for API tests: market source off (prices move
// only by admin tick injection), sessions always open, an admin account, and helpers to sign users up and
// inject ticks. One per test; stopped (SIGTERM) on destruction.
#include <memory>
#include <string>

#include <boost/json.hpp>

#include "integration/http_client.hpp"
#include "integration/process.hpp"

namespace ik::testing {

inline constexpr const char* kAdminPassword = "admin-password-123";

struct ApiUser {
    std::string username;
    std::string access_token;
    std::string refresh_token;
    std::string key_id;
    std::string secret;
    Headers bearer() const { return {{"Authorization", "Bearer " + access_token}}; }
    Headers key() const { return {{"APCA-API-KEY-ID", key_id}, {"APCA-API-SECRET-KEY", secret}}; }
};

class ApiServer {
public:
    explicit ApiServer(const Env& extra_env = {});
    ~ApiServer();

    unsigned short port() const { return port_; }
    std::string data_dir() const { return dir_ / "data"; }
    // The log of the current (latest) start.
    std::string log() const { return ReadFile(log_path_); }
    bool running() { return child_ && child_->Running(); }
    // SIGTERM and wait; returns the exit code.
    int Stop();
    // Stops the server if it runs and starts it again on the same data directory and environment (a new port,
    // a new log file, the admin signed in again); throws when it does not come up.
    void Restart();

    // Signs up, logs in and creates an API key; ASSERTs on the way (use with ASSERT_NO_FATAL_FAILURE).
    void SignUp(const std::string& username, ApiUser& out);
    // Injects a tick as the admin; returns the HTTP status.
    int Tick(const std::string& symbol, long price, long volume, long bid = 0, long ask = 0);
    HttpClient& client() { return *client_; }
    const ApiUser& admin() const { return admin_; }

private:
    void Start();

    TempDir dir_;
    Env env_;
    int starts_ = 0;
    std::string log_path_;
    std::unique_ptr<Child> child_;
    unsigned short port_ = 0;
    std::unique_ptr<HttpClient> client_;
    ApiUser admin_;
};

// Value of a JSON object's member as text ("" when absent); numbers are printed.
std::string Field(const boost::json::value& v, const std::string& key);

}  // namespace ik::testing
