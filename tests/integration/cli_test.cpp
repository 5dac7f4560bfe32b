// The investking binary's subcommands, configuration errors and data-file errors, run as real processes.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "integration/process.hpp"
#include "market/rules.hpp"

namespace ik::testing {
namespace {

const Env kQuiet = {{"INVESTKING_LOG_LEVEL", "warn"}, {"INVESTKING_HTTP_LISTEN", "127.0.0.1:0"}};

// GET http://127.0.0.1:port/path; returns the status code.
int HttpGet(unsigned short port, const std::string& path) {
    namespace beast = boost::beast;
    namespace http = beast::http;
    boost::asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    http::request<http::empty_body> req{http::verb::get, path, 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    return res.result_int();
}

TEST(CliTest, PrintsItsVersion) {
    auto r = RunCli({"version"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("investking 0.1.0"), std::string::npos) << r.out;
}

TEST(CliTest, RejectsAnInvalidEnvironmentSettingNamingTheKey) {
    TempDir dir;
    auto r = RunCli({"serve", "--data-dir", dir / "data"}, {{"INVESTKING_MARKET_SESSION", "sometimes"}});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("market.session"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "data/service.db")) << "nothing may be written on bad config";
}

TEST(CliTest, RejectsAnUnknownKeyInTheConfigFile) {
    TempDir dir;
    std::ofstream(dir / "c.yaml") << "market:\n  sesion: krx\n";
    auto r = RunCli({"--config", dir / "c.yaml", "config"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("market.sesion"), std::string::npos) << r.err;
}

TEST(CliTest, RejectsAMissingConfigFile) {
    auto r = RunCli({"--config", "/nonexistent/investking.yaml", "config"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("/nonexistent/investking.yaml"), std::string::npos) << r.err;
}

TEST(CliTest, ConfigShowsEnvironmentOverrides) {
    auto r = RunCli({"config"}, {{"INVESTKING_HTTP_LISTEN", "127.0.0.1:9000"}, {"INVESTKING_MARKET_SESSION", "krx"}});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("127.0.0.1:9000"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("krx"), std::string::npos) << r.out;
}

TEST(CliTest, VerifyOfAMissingDirectoryFailsClearly) {
    TempDir dir;
    auto r = RunCli({"verify", "--data-dir", dir / "nope"});
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_NE(r.err.find(dir / "nope"), std::string::npos) << r.err;
}

TEST(CliTest, MigrateThenVerifyIsClean) {
    TempDir dir;
    auto m = RunCli({"migrate", "--data-dir", dir / "data"}, kQuiet);
    ASSERT_EQ(m.exit_code, 0) << m.err;
    EXPECT_NE(m.out.find("service.db at version"), std::string::npos);
    EXPECT_TRUE(std::filesystem::exists(dir / "data/service.db"));
    EXPECT_TRUE(std::filesystem::exists(dir / "data/recommend.db"));
    auto v = RunCli({"verify", "--data-dir", dir / "data"}, kQuiet);
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
    EXPECT_NE(v.out.find("verify: ok"), std::string::npos) << v.out;
}

TEST(CliTest, CorruptDatabaseIsReportedNotCrashedOn) {
    TempDir dir;
    std::filesystem::create_directories(dir / "data");
    {
        std::ofstream f(dir / "data/service.db", std::ios::binary);
        for (int i = 0; i < 4096; ++i) f.put(static_cast<char>(i * 7));
    }
    for (const char* cmd : {"serve", "verify", "migrate"}) {
        auto r = RunCli({cmd, "--data-dir", dir / "data"}, kQuiet);
        EXPECT_EQ(r.exit_code, 3) << cmd << ": " << r.err;
        EXPECT_NE(r.err.find("service.db"), std::string::npos) << cmd << ": " << r.err;
    }
}

TEST(CliTest, TruncatedDatabaseIsReported) {
    TempDir dir;
    ASSERT_EQ(RunCli({"migrate", "--data-dir", dir / "data"}, kQuiet).exit_code, 0);
    std::filesystem::resize_file(dir / "data/service.db", 1000);
    auto r = RunCli({"verify", "--data-dir", dir / "data"}, kQuiet);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_GE(r.exit_code, 1);
    EXPECT_NE((r.err + r.out).find("service.db"), std::string::npos) << r.err << r.out;
}

TEST(CliTest, SimPrintsDeterministicTicksOnTheGrid) {
    auto a = RunCli({"sim", "--symbol", "005930", "--count", "50", "--seed", "7"});
    auto b = RunCli({"sim", "--symbol", "005930", "--count", "50", "--seed", "7"});
    auto c = RunCli({"sim", "--symbol", "005930", "--count", "50", "--seed", "8"});
    ASSERT_EQ(a.exit_code, 0) << a.err;
    EXPECT_EQ(a.out, b.out);
    EXPECT_NE(a.out, c.out);
    std::regex line(R"((\S+) 005930 price=(\d+) bid=(\d+) ask=(\d+) volume=(\d+))");
    int ticks = 0;
    std::istringstream in(a.out);
    std::string text;
    while (std::getline(in, text)) {
        std::smatch m;
        if (!std::regex_match(text, m, line)) continue;
        ++ticks;
        const long long price = std::stoll(m[2]), bid = std::stoll(m[3]), ask = std::stoll(m[4]);
        EXPECT_TRUE(market::IsOnTickGrid(price)) << text;
        EXPECT_EQ(ask, market::TickUp(bid)) << text;
        EXPECT_TRUE(price == bid || price == ask) << text;
        EXPECT_GT(std::stoll(m[5]), 0) << text;
    }
    EXPECT_EQ(ticks, 50);
}

TEST(CliTest, SimRejectsAnUnknownSymbol) {
    auto r = RunCli({"sim", "--symbol", "12345"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("12345"), std::string::npos);
}

TEST(CliTest, ServeStartsStopsGracefullyAndRefusesASecondServerOnTheSameData) {
    TempDir dir;
    Child server({"serve", "--data-dir", dir / "data"},
                 {{"INVESTKING_MARKET_TICK_INTERVAL_MS", "50"}, {"INVESTKING_HTTP_LISTEN", "127.0.0.1:0"}},
                 dir / "serve.log");
    ASSERT_TRUE(WaitFor([&] { return ReadFile(dir / "serve.log").find("event=ready") != std::string::npos; },
                        std::chrono::seconds(60)))
        << ReadFile(dir / "serve.log");
    // The log names the port the server picked; liveness and readiness answer there.
    std::smatch m;
    const std::string log = ReadFile(dir / "serve.log");
    ASSERT_TRUE(std::regex_search(log, m, std::regex(R"(listen=127\.0\.0\.1:(\d+))"))) << log;
    const auto port = static_cast<unsigned short>(std::stoi(m[1]));
    EXPECT_EQ(HttpGet(port, "/healthz"), 200);
    EXPECT_EQ(HttpGet(port, "/readyz"), 200);
    EXPECT_EQ(HttpGet(port, "/nope"), 404);
    auto second = RunCli({"serve", "--data-dir", dir / "data"}, kQuiet);
    EXPECT_EQ(second.exit_code, 3) << second.err;
    EXPECT_NE(second.err.find(dir / "data"), std::string::npos) << second.err;
    // Simulated prices are flowing into the database.
    EXPECT_EQ(server.Kill(SIGTERM), 0) << ReadFile(dir / "serve.log");
    EXPECT_NE(ReadFile(dir / "serve.log").find("event=stopped"), std::string::npos);
    auto v = RunCli({"verify", "--data-dir", dir / "data"}, kQuiet);
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

}  // namespace
}  // namespace ik::testing
