// The web app's files at `/` through the real HTTP server: content types, caching, client-side routes, HEAD,
// and every way out of the folder refused.
#include "gateway/static_files.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace ik::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;

void Write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

class StaticFilesTest : public ::testing::Test {
protected:
    void SetUp() override {
        base_ = fs::temp_directory_path() / ("ik-static-" + std::to_string(::getpid()));
        fs::remove_all(base_);
        Write(base_ / "web" / "index.html", "<!doctype html><title>InvestKing</title>");
        Write(base_ / "web" / "assets" / "index-3f2a.js", "console.log(1)");
        Write(base_ / "web" / "assets" / "index-3f2a.css", "body{}");
        Write(base_ / "web" / "favicon.svg", "<svg/>");
        Write(base_ / "web" / ".env", "SECRET=1");
        Write(base_ / "secret.txt", "outside");
        fs::create_symlink(base_ / "secret.txt", base_ / "web" / "leak.txt");
        HttpServerOptions o;
        o.port = 0;
        server_ = std::make_unique<HttpServer>(o);
        server_->Route("GET", "/v2/account", [](const HttpRequest&) { return HttpResponse{200, "application/json", "{}", {}}; });
        files_ = std::make_unique<StaticFiles>(base_ / "web");
        server_->SetFallback([this](const HttpRequest& r) { return files_->Serve(r); });
        ASSERT_TRUE(server_->Start().has_value());
        stream_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    }
    void TearDown() override {
        server_->Stop();
        fs::remove_all(base_);
    }

    http::response<http::string_body> Send(http::verb method, const std::string& target) {
        http::request<http::string_body> req{method, target, 11};
        req.set(http::field::host, "127.0.0.1");
        http::write(stream_, req);
        http::response_parser<http::string_body> parser;
        parser.skip(method == http::verb::head);
        http::read(stream_, buffer_, parser);
        return parser.release();
    }

    fs::path base_;
    std::unique_ptr<HttpServer> server_;
    std::unique_ptr<StaticFiles> files_;
    asio::io_context ioc_;
    beast::tcp_stream stream_{ioc_};
    beast::flat_buffer buffer_;
};

TEST_F(StaticFilesTest, ServesTheAppWithTypesAndCaching) {
    auto index = Send(http::verb::get, "/");
    EXPECT_EQ(index.result_int(), 200);
    EXPECT_EQ(index[http::field::content_type], "text/html; charset=utf-8");
    EXPECT_EQ(index[http::field::cache_control], "no-cache");
    EXPECT_EQ(index.body(), "<!doctype html><title>InvestKing</title>");
    auto js = Send(http::verb::get, "/assets/index-3f2a.js");
    EXPECT_EQ(js[http::field::content_type], "text/javascript; charset=utf-8");
    EXPECT_EQ(js[http::field::cache_control], "public, max-age=31536000, immutable");
    EXPECT_EQ(js["X-Content-Type-Options"], "nosniff");
    EXPECT_EQ(Send(http::verb::get, "/assets/index-3f2a.css")[http::field::content_type], "text/css; charset=utf-8");
    EXPECT_EQ(Send(http::verb::get, "/favicon.svg")[http::field::content_type], "image/svg+xml");
    EXPECT_EQ(StaticFiles::ContentType("a.WOFF2"), "font/woff2");
    EXPECT_EQ(StaticFiles::ContentType("a.bin"), "application/octet-stream");
}

TEST_F(StaticFilesTest, ClientSideRoutesGetTheAppButApiPathsAndMissingFilesDoNot) {
    for (const char* route : {"/stocks/005930", "/portfolio", "/orders/open"}) {
        auto r = Send(http::verb::get, route);
        EXPECT_EQ(r.result_int(), 200) << route;
        EXPECT_EQ(r.body(), "<!doctype html><title>InvestKing</title>") << route;
    }
    EXPECT_EQ(Send(http::verb::get, "/v2/account").body(), "{}") << "routes still win";
    for (const char* api : {"/v2/nothing", "/api/v1/nothing", "/api", "/metricsx", "/stream/x", "/assets/missing.js"}) {
        auto r = Send(http::verb::get, api);
        EXPECT_EQ(r.result_int(), 404) << api;
        EXPECT_NE(r.body().find("40410000"), std::string::npos) << api;
    }
    EXPECT_EQ(Send(http::verb::post, "/portfolio").result_int(), 404) << "only GET and HEAD reach the files";
}

TEST_F(StaticFilesTest, NothingOutsideTheFolderIsReachable) {
    for (const char* evil : {"/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt", "/.env",
                             "/leak.txt", "/..\\secret.txt", "/%5c..%5csecret.txt", "/C:/secret.txt", "/a%00.js"}) {
        auto r = Send(http::verb::get, evil);
        EXPECT_EQ(r.result_int(), 404) << evil;
        EXPECT_EQ(r.body().find("outside"), std::string::npos) << evil;
        EXPECT_EQ(r.body().find("SECRET"), std::string::npos) << evil;
    }
}

TEST_F(StaticFilesTest, HeadTellsTheSizeWithoutTheBody) {
    auto head = Send(http::verb::head, "/assets/index-3f2a.js");
    EXPECT_EQ(head.result_int(), 200);
    EXPECT_EQ(head[http::field::content_length], "14");
    EXPECT_TRUE(head.body().empty());
    EXPECT_EQ(Send(http::verb::get, "/assets/index-3f2a.js").body(), "console.log(1)") << "the connection is still in step";
}

TEST(StaticFilesMissingTest, SaysHowToBuildTheApp) {
    StaticFiles files("/nonexistent/web/dist");
    HttpRequest req;
    req.method = "GET";
    req.path = "/";
    auto r = files.Serve(req);
    EXPECT_EQ(r.status, 404);
    EXPECT_NE(r.body.find("http.web_root"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace ik::gateway
