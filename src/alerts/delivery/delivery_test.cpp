// Unit tests of the delivery transports: SigV4 against AWS's published vectors, address classification, webhook
// signatures, and Post/SendWebhook/SnsClient against a tiny HTTP server on loopback started by the test.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "alerts/delivery/address.hpp"
#include "alerts/delivery/http_post.hpp"
#include "alerts/delivery/sigv4.hpp"
#include "alerts/delivery/sns.hpp"
#include "alerts/delivery/webhook.hpp"

namespace ik::alerts::delivery {
namespace {

// ---------------------------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 server on 127.0.0.1:<ephemeral>: reads one request per connection (headers and a
// Content-Length body), records it, answers with the configured status and body, closes. One thread.

std::string Lowered(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

struct SeenRequest {
    std::string request_line;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    std::string Header(std::string_view name) const {
        for (const auto& [k, v] : headers) {
            if (Lowered(k) == Lowered(name)) return v;
        }
        return "<absent>";
    }
    int Count(std::string_view name) const {
        int n = 0;
        for (const auto& [k, v] : headers) n += Lowered(k) == Lowered(name) ? 1 : 0;
        return n;
    }
};

class LoopbackServer {
public:
    explicit LoopbackServer(int status = 200, std::string body = "ok") : status_(status), body_(std::move(body)) {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        EXPECT_GE(fd_, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = 0;
        EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        EXPECT_EQ(listen(fd_, 16), 0);
        socklen_t len = sizeof addr;
        EXPECT_EQ(getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { Run(); });
    }
    ~LoopbackServer() {
        stop_.store(true);
        thread_.join();
        close(fd_);
    }
    LoopbackServer(const LoopbackServer&) = delete;
    LoopbackServer& operator=(const LoopbackServer&) = delete;

    int port() const { return port_; }
    std::string Url(std::string_view path = "/hook") const {
        return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
    }
    int Accepted() const { return accepted_.load(); }
    std::vector<SeenRequest> Requests() {
        std::lock_guard lock(mu_);
        return requests_;
    }

private:
    void Run() {
        while (!stop_.load()) {
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, 20) <= 0) continue;
            const int c = accept(fd_, nullptr, nullptr);
            if (c < 0) continue;
            accepted_.fetch_add(1);
            timeval tv{2, 0};
            setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            Serve(c);
            close(c);
        }
    }

    void Serve(int c) {
        std::string in;
        char buf[16384];
        std::size_t header_end = std::string::npos;
        std::size_t content_length = 0;
        SeenRequest req;
        while (true) {
            if (header_end == std::string::npos) {
                header_end = in.find("\r\n\r\n");
                if (header_end != std::string::npos) {
                    std::size_t line_start = 0;
                    bool first = true;
                    while (line_start < header_end) {
                        const std::size_t eol = in.find("\r\n", line_start);
                        const std::string line = in.substr(line_start, eol - line_start);
                        line_start = eol + 2;
                        if (first) {
                            req.request_line = line;
                            first = false;
                            continue;
                        }
                        const auto colon = line.find(':');
                        std::string value = line.substr(colon + 1);
                        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
                        req.headers.emplace_back(line.substr(0, colon), value);
                    }
                    const std::string cl = req.Header("Content-Length");
                    content_length = cl == "<absent>" ? 0 : std::stoul(cl);
                }
            }
            if (header_end != std::string::npos && in.size() >= header_end + 4 + content_length) break;
            const ssize_t n = recv(c, buf, sizeof buf, 0);
            if (n <= 0) return;
            in.append(buf, static_cast<std::size_t>(n));
        }
        req.body = in.substr(header_end + 4, content_length);
        {
            std::lock_guard lock(mu_);
            requests_.push_back(req);
        }
        const std::string head = "HTTP/1.1 " + std::to_string(status_) + " Whatever\r\nContent-Type: text/plain\r\n" +
                                 "Content-Length: " + std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n";
        const std::string out = head + body_;
        std::size_t sent = 0;
        while (sent < out.size()) {
            const ssize_t n = send(c, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) return;
            sent += static_cast<std::size_t>(n);
        }
    }

    int status_;
    std::string body_;
    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> accepted_{0};
    std::mutex mu_;
    std::vector<SeenRequest> requests_;
    std::thread thread_;
};

// A port that nothing listens on (bound, read, released; another process could take it meanwhile, unlikely).
int ClosedPort() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    close(fd);
    return ntohs(addr.sin_port);
}

// ---------------------------------------------------------------------------------------------------------------
// SigV4

const AwsCredentials kExampleCreds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
constexpr std::int64_t k20150830T123600Z = 1440938160;

std::string HeaderOf(const std::vector<std::pair<std::string, std::string>>& hs, std::string_view name) {
    for (const auto& [k, v] : hs) {
        if (k == name) return v;
    }
    return "<absent>";
}

TEST(DeliverySigV4Test, SignsTheTestSuitesGetVanillaToItsPublishedSignature) {
    const auto out = SignV4("GET", "https://example.amazonaws.com/", {}, "", "us-east-1", "service", kExampleCreds,
                            k20150830T123600Z);
    EXPECT_EQ(HeaderOf(out, "Authorization"),
              "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
              "SignedHeaders=host;x-amz-date, "
              "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    EXPECT_EQ(HeaderOf(out, "X-Amz-Date"), "20150830T123600Z");
    EXPECT_EQ(HeaderOf(out, "X-Amz-Security-Token"), "<absent>");
}

TEST(DeliverySigV4Test, SortsTheQueryAsInGetVanillaQueryOrderKeyCase) {
    const auto out = SignV4("GET", "https://example.amazonaws.com/?Param2=value2&Param1=value1", {}, "", "us-east-1",
                            "service", kExampleCreds, k20150830T123600Z);
    EXPECT_EQ(HeaderOf(out, "Authorization"),
              "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
              "SignedHeaders=host;x-amz-date, "
              "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(DeliverySigV4Test, SignsTheBodyAndContentTypeAsInPostXWwwFormUrlencoded) {
    const auto out =
        SignV4("POST", "https://example.amazonaws.com/", {{"Content-Type", "application/x-www-form-urlencoded"}},
               "Param1=value1", "us-east-1", "service", kExampleCreds, k20150830T123600Z);
    EXPECT_EQ(HeaderOf(out, "Authorization"),
              "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
              "SignedHeaders=content-type;host;x-amz-date, "
              "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST(DeliverySigV4Test, SignsTheIamListUsersExampleOfTheDocumentation) {
    const auto out = SignV4("GET", "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
                            {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}, "", "us-east-1",
                            "iam", kExampleCreds, k20150830T123600Z);
    EXPECT_EQ(HeaderOf(out, "Authorization"),
              "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
              "SignedHeaders=content-type;host;x-amz-date, "
              "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

TEST(DeliverySigV4Test, TrimsAndCollapsesHeaderValuesAsInGetHeaderValueTrim) {
    const auto out = SignV4("GET", "https://example.amazonaws.com/",
                            {{"My-Header1", "  value1  "}, {"My-Header2", " \"a   b   c\" "}}, "", "us-east-1",
                            "service", kExampleCreds, k20150830T123600Z);
    EXPECT_EQ(HeaderOf(out, "Authorization"),
              "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
              "SignedHeaders=host;my-header1;my-header2;x-amz-date, "
              "Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736");
}

// The next literals were computed with botocore's SigV4Auth (an independent implementation) at authoring time.
TEST(DeliverySigV4Test, SignsANonDefaultPortAsPartOfTheHost) {
    const auto out = SignV4(
        "POST", "http://127.0.0.1:45123/", {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
        "Action=ListTopics&Version=2010-03-31", "ap-northeast-2", "sns", kExampleCreds, k20150830T123600Z);
    EXPECT_EQ(HeaderOf(out, "Authorization"),
              "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/ap-northeast-2/sns/aws4_request, "
              "SignedHeaders=content-type;host;x-amz-date, "
              "Signature=e7e40a4fea43d1eca392aec32aefb78b7018f2bd0d5c2fd2c71f0e8878ede66c");
    // The default port is not part of the host: both spellings sign the same.
    EXPECT_EQ(HeaderOf(SignV4("GET", "https://example.amazonaws.com:443/", {}, "", "us-east-1", "service",
                              kExampleCreds, k20150830T123600Z),
                       "Authorization"),
              HeaderOf(SignV4("GET", "https://example.amazonaws.com/", {}, "", "us-east-1", "service", kExampleCreds,
                              k20150830T123600Z),
                       "Authorization"));
}

TEST(DeliverySigV4Test, SignsTheSessionTokenAndReturnsIt) {
    AwsCredentials creds = kExampleCreds;
    creds.session_token = "SESSIONTOKEN/EXAMPLE+=";
    const auto out = SignV4("POST", "https://sns.ap-northeast-2.amazonaws.com/",
                            {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}},
                            "Action=ListTopics&Version=2010-03-31", "ap-northeast-2", "sns", creds, k20150830T123600Z);
    EXPECT_EQ(HeaderOf(out, "Authorization"),
              "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/ap-northeast-2/sns/aws4_request, "
              "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "
              "Signature=5507daecc8f398bcca55881a0f1a75aebd78d405b292133218c3ee354691e277");
    EXPECT_EQ(HeaderOf(out, "X-Amz-Security-Token"), "SESSIONTOKEN/EXAMPLE+=");
    for (const auto& [k, v] : out) EXPECT_EQ(v.find(creds.secret_access_key), std::string::npos) << k;
}

TEST(DeliverySigV4Test, NormalisesDotAndEmptyPathSegments) {
    const auto out = SignV4("GET", "https://example.amazonaws.com/example/../a/./b//c/", {}, "", "us-east-1", "service",
                            kExampleCreds, k20150830T123600Z);
    EXPECT_NE(HeaderOf(out, "Authorization")
                  .find("Signature=e831ebc7260d07fb5c2c3bab4448ff6f2091c5c3bc8749b79e53d01778633b5e"),
              std::string::npos);
}

TEST(DeliverySigV4Test, EncodesAsRfc3986) {
    EXPECT_EQ(AwsUriEncode("a b/c~d*e+f"), "a%20b%2Fc~d%2Ae%2Bf");
    EXPECT_EQ(AwsUriEncode("/a b/", true), "/a%20b/");
    EXPECT_EQ(AwsUriEncode("내"), "%EB%82%B4");
    EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// ---------------------------------------------------------------------------------------------------------------
// Addresses

struct AddressCase {
    const char* text;
    bool internal;
};

TEST(DeliveryAddressTest, ClassifiesIpLiterals) {
    const AddressCase cases[] = {
        {"127.0.0.1", true},
        {"127.255.255.254", true},
        {"0.0.0.0", true},
        {"0.1.2.3", true},
        {"10.0.0.1", true},
        {"10.255.255.255", true},
        {"100.64.0.1", true},
        {"100.127.255.255", true},
        {"100.128.0.1", false},  // just outside CGNAT
        {"100.63.255.255", false},
        {"169.254.169.254", true},  // cloud metadata
        {"172.16.0.1", true},
        {"172.31.255.255", true},
        {"172.32.0.1", false},
        {"172.15.255.255", false},
        {"192.0.0.8", true},
        {"192.0.2.1", false},  // documentation range: not internal, and harmless
        {"192.168.1.1", true},
        {"198.18.0.1", true},
        {"198.19.255.255", true},
        {"198.20.0.1", false},
        {"224.0.0.1", true},
        {"239.255.255.250", true},
        {"240.0.0.1", true},
        {"255.255.255.255", true},
        {"8.8.8.8", false},
        {"1.1.1.1", false},
        {"203.0.113.7", false},
        {"211.234.10.5", false},
        // Loose IPv4 spellings that inet_aton, getaddrinfo and curl accept.
        {"127.1", true},
        {"0x7f.1", true},
        {"0x7F000001", true},
        {"2130706433", true},
        {"0177.0.0.1", true},
        {"017700000001", true},
        {"10.1", true},
        {"134744072", false},  // 8.8.8.8
        {"0x8.0x8.0x8.0x8", false},
        // IPv6
        {"::", true},
        {"::1", true},
        {"fc00::1", true},
        {"fd12:3456:789a::1", true},
        {"fe80::1", true},
        {"fe80::1%eth0", true},
        {"febf::1", true},
        {"fec0::1", true},
        {"ff02::1", true},
        {"::ffff:127.0.0.1", true},
        {"::ffff:7f00:1", true},
        {"::ffff:10.1.2.3", true},
        {"::ffff:8.8.8.8", false},
        {"::127.0.0.1", true},  // IPv4-compatible
        {"::ffff:0:192.168.0.1", true},
        {"64:ff9b::10.0.0.1", true},
        {"64:ff9b::8.8.8.8", false},
        {"64:ff9b:1::1", true},
        {"2002:7f00:1::1", true},  // 6to4 of 127.0.0.1
        {"2002:808:808::1", false},
        {"2001:4860:4860::8888", false},
        {"2606:4700:4700::1111", false},
        // Not IP literals at all.
        {"", false},
        {"localhost", false},
        {"example.com", false},
        {"cafe", false},
        {"1.2.3.4.5", false},
        {"256.1.1.1", false},
        {"127.0.0.1 x", false},
        {"[::1]", false},
        {"::gg", false},
    };
    for (const auto& c : cases) EXPECT_EQ(IsInternalIp(c.text), c.internal) << c.text;
}

TEST(DeliveryAddressTest, ParsesLooseIpv4LikeInetAton) {
    EXPECT_EQ(ParseIpv4Loose("127.1"), "127.0.0.1");
    EXPECT_EQ(ParseIpv4Loose("0x7f.1"), "127.0.0.1");
    EXPECT_EQ(ParseIpv4Loose("2130706433"), "127.0.0.1");
    EXPECT_EQ(ParseIpv4Loose("0300.0250.1.1"), "192.168.1.1");
    EXPECT_EQ(ParseIpv4Loose("10.1.2"), "10.1.0.2");
    EXPECT_EQ(ParseIpv4Loose("8.8.8.8"), "8.8.8.8");
    EXPECT_EQ(ParseIpv4Loose("example.com"), std::nullopt);
    EXPECT_EQ(ParseIpv4Loose("4294967296"), std::nullopt);
    EXPECT_EQ(ParseIpv4Loose("1.2.3.256"), std::nullopt);
    EXPECT_EQ(ParseIpv4Loose("abc"), std::nullopt);
    EXPECT_EQ(ParseIpv4Loose(""), std::nullopt);
}

TEST(DeliveryAddressTest, ClassifiesHostNames) {
    const AddressCase cases[] = {
        {"localhost", true},
        {"LOCALHOST", true},
        {"localhost.", true},
        {"api.localhost", true},
        {"printer.local", true},
        {"db.internal", true},
        {"metadata.google.internal", true},
        {"nas.home.arpa", true},
        {"127.0.0.1", true},
        {"127.0.0.1.", true},
        {"[::1]", true},
        {"[::ffff:127.0.0.1]", true},
        {"[fe80::1]", true},
        {"0x7f.1", true},
        {"example.com", false},
        {"hooks.slack.com", false},
        {"localhost.example.com", false},
        {"notlocalhost", false},
        {"mylocal", false},
        {"internal.example.com", false},
        {"[2001:4860:4860::8888]", false},
        {"8.8.8.8", false},
        {"", false},
    };
    for (const auto& c : cases) EXPECT_EQ(IsInternalHostName(c.text), c.internal) << c.text;
}

// ---------------------------------------------------------------------------------------------------------------
// Webhook signature

TEST(DeliveryWebhookTest, SignatureMatchesAnIndependentlyComputedValue) {
    // printf '%s' '1700000000.{"alert_id":42,"symbol":"005930","price":"71000"}' |
    //     openssl dgst -sha256 -hmac 'whsec_test_secret'
    EXPECT_EQ(WebhookSignature("whsec_test_secret", 1700000000, R"({"alert_id":42,"symbol":"005930","price":"71000"})"),
              "sha256=baefd277debb19c5c6765b123dffd8639020033361408d8903db0ab6b009e48b");
    // printf '%s' '0.' | openssl dgst -sha256 -hmac ''
    EXPECT_EQ(WebhookSignature("", 0, ""), "sha256=b849d5a581847b281957065739df36df2463d1977ea8d6e1e4e6cf33fadc68c3");
}

TEST(DeliveryWebhookTest, SendsTheBodyWithSignedHeaders) {
    LoopbackServer server(204, "");
    WebhookMessage m;
    m.url = server.Url("/hooks/abc?token=t");
    m.secret = "whsec_test_secret";
    m.delivery_id = "dlv-0001";
    m.event = "alert.triggered";
    m.body = R"({"alert_id":42,"symbol":"005930","price":"71000"})";
    m.timestamp_s = 1700000000;
    const auto r = SendWebhook(m, /*allow_internal=*/true, 5000);
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->status, 204);
    const auto seen = server.Requests();
    ASSERT_EQ(seen.size(), 1u);
    const SeenRequest& q = seen[0];
    EXPECT_EQ(q.request_line, "POST /hooks/abc?token=t HTTP/1.1");
    EXPECT_EQ(q.body, m.body);
    EXPECT_EQ(q.Header("Content-Type"), "application/json");
    EXPECT_EQ(q.Header("User-Agent"), "InvestKing-Webhook/1");
    EXPECT_EQ(q.Header("X-InvestKing-Event"), "alert.triggered");
    EXPECT_EQ(q.Header("X-InvestKing-Delivery"), "dlv-0001");
    EXPECT_EQ(q.Header("Idempotency-Key"), "dlv-0001");
    EXPECT_EQ(q.Header("X-InvestKing-Timestamp"), "1700000000");
    EXPECT_EQ(q.Header("X-InvestKing-Signature"),
              "sha256=baefd277debb19c5c6765b123dffd8639020033361408d8903db0ab6b009e48b");
    EXPECT_EQ(q.Count("Expect"), 0);
}

TEST(DeliveryWebhookTest, RefusesAnInternalTargetUnlessAllowed) {
    LoopbackServer server;
    WebhookMessage m;
    m.url = server.Url();
    m.secret = "whsec_do_not_leak";
    m.body = "{}";
    const auto r = SendWebhook(m, /*allow_internal=*/false, 2000);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(r.error().message.find("whsec_do_not_leak"), std::string::npos);
    EXPECT_EQ(server.Accepted(), 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Post

TEST(DeliveryPostTest, DeliversHeadersAndBodyAndReturnsTheAnswer) {
    LoopbackServer server(200, "thanks");
    PostRequest r;
    r.url = server.Url("/in");
    r.headers = {{"Content-Type", "text/plain; charset=utf-8"}, {"X-Empty", ""}, {"X-Korean", "삼성전자"}};
    r.body = "[내일은 투자왕:09:31]삼성전자 71,000원입니다.";
    r.refuse_internal = false;
    const auto resp = Post(r);
    ASSERT_TRUE(resp.has_value()) << resp.error().message;
    EXPECT_EQ(resp->status, 200);
    EXPECT_EQ(resp->body, "thanks");
    const auto seen = server.Requests();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].request_line, "POST /in HTTP/1.1");
    EXPECT_EQ(seen[0].body, r.body);
    EXPECT_EQ(seen[0].Header("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_EQ(seen[0].Header("X-Empty"), "");
    EXPECT_EQ(seen[0].Header("X-Korean"), "삼성전자");
    EXPECT_EQ(seen[0].Header("Host"), "127.0.0.1:" + std::to_string(server.port()));
}

TEST(DeliveryPostTest, ReportsA500AsAStatusNotAnError) {
    LoopbackServer server(500, "boom");
    const auto resp = Post({.url = server.Url(), .body = "x", .refuse_internal = false});
    ASSERT_TRUE(resp.has_value()) << resp.error().message;
    EXPECT_EQ(resp->status, 500);
    EXPECT_EQ(resp->body, "boom");
}

TEST(DeliveryPostTest, KeepsAtMost64KiBOfTheAnswer) {
    LoopbackServer server(200, std::string(100 * 1024, 'a'));
    const auto resp = Post({.url = server.Url(), .refuse_internal = false});
    ASSERT_TRUE(resp.has_value()) << resp.error().message;
    EXPECT_EQ(resp->body.size(), kMaxResponseBodyBytes);
}

TEST(DeliveryPostTest, AClosedPortIsUnavailable) {
    const auto resp = Post({.url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/x",
                            .timeout_ms = 3000,
                            .refuse_internal = false});
    ASSERT_FALSE(resp.has_value());
    EXPECT_EQ(resp.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(resp.error().message.find("127.0.0.1"), std::string::npos) << resp.error().message;
}

TEST(DeliveryPostTest, ASilentServerTimesOutAsUnavailable) {
    // Listening but never accepting: the kernel completes the handshake, nobody answers.
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(listen(fd, 4), 0);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    const auto t0 = std::chrono::steady_clock::now();
    const auto resp = Post({.url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/",
                            .timeout_ms = 300,
                            .refuse_internal = false});
    const auto took = std::chrono::steady_clock::now() - t0;
    close(fd);
    ASSERT_FALSE(resp.has_value());
    EXPECT_EQ(resp.error().code, ErrorCode::kUnavailable);
    EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(DeliveryPostTest, RefusesInternalTargetsWithoutConnecting) {
    LoopbackServer server;
    const std::string port = std::to_string(server.port());
    for (const std::string host : {"127.0.0.1", "localhost", "LocalHost.", "[::1]", "[::ffff:127.0.0.1]", "0x7f.1",
                                   "2130706433", "127.1", "api.localhost"}) {
        const auto resp = Post({.url = "http://" + host + ":" + port + "/secret-path?token=s3cr3t"});
        ASSERT_FALSE(resp.has_value()) << host;
        EXPECT_EQ(resp.error().code, ErrorCode::kPermissionDenied) << host << ": " << resp.error().message;
        EXPECT_EQ(resp.error().message.find("s3cr3t"), std::string::npos) << resp.error().message;
        EXPECT_EQ(resp.error().message.find("secret-path"), std::string::npos) << resp.error().message;
    }
    EXPECT_EQ(server.Accepted(), 0);
}

TEST(DeliveryPostTest, RefusesANameWhenAnyOfItsAddressesIsInternal) {
    int lookups = 0;
    const auto resp = Post({.url = "https://hooks.example.com/x",
                            .resolver = [&](const std::string& host) -> Result<std::vector<std::string>> {
                                ++lookups;
                                EXPECT_EQ(host, "hooks.example.com");
                                return std::vector<std::string>{"203.0.113.5", "::ffff:10.0.0.7"};
                            }});
    ASSERT_FALSE(resp.has_value());
    EXPECT_EQ(resp.error().code, ErrorCode::kPermissionDenied) << resp.error().message;
    EXPECT_NE(resp.error().message.find("hooks.example.com"), std::string::npos) << resp.error().message;
    EXPECT_EQ(lookups, 1);
}

TEST(DeliveryPostTest, PinsCurlToTheCheckedAddresses) {
    // The name exists only in the injected answer: had curl resolved it again (where a rebinding DNS server could
    // answer 127.0.0.1), it would fail with "Could not resolve host". Instead it connects to the pinned address,
    // TEST-NET-1, which nothing answers here.
    int lookups = 0;
    const auto resp = Post({.url = "http://rebind.invalid:8080/x",
                            .timeout_ms = 300,
                            .resolver = [&](const std::string&) -> Result<std::vector<std::string>> {
                                ++lookups;
                                return std::vector<std::string>{"192.0.2.1"};
                            }});
    ASSERT_FALSE(resp.has_value());
    EXPECT_EQ(resp.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(resp.error().message.find("resolve"), std::string::npos) << resp.error().message;
    EXPECT_EQ(lookups, 1);
}

TEST(DeliveryPostTest, AFailedLookupIsUnavailable) {
    const auto resp = Post(
        {.url = "https://nowhere.invalid/x", .resolver = [](const std::string&) -> Result<std::vector<std::string>> {
             return MakeError(ErrorCode::kUnavailable, "no such name");
         }});
    ASSERT_FALSE(resp.has_value());
    EXPECT_EQ(resp.error().code, ErrorCode::kUnavailable);
}

TEST(DeliveryPostTest, RejectsOtherSchemesAndUserInfo) {
    for (const std::string url : {"ftp://example.com/x", "file:///etc/passwd", "gopher://example.com/",
                                  "dict://example.com/", "http://user:pw@example.com/", "http://user@example.com/",
                                  "https://:pw@example.com/", "example.com/no-scheme", "", "http://"}) {
        const auto resp = Post({.url = url, .refuse_internal = false});
        ASSERT_FALSE(resp.has_value()) << url;
        EXPECT_EQ(resp.error().code, ErrorCode::kInvalidArgument) << url << ": " << resp.error().message;
        if (url.find("pw") != std::string::npos) {
            EXPECT_EQ(resp.error().message.find("pw"), std::string::npos) << resp.error().message;
        }
    }
}

TEST(DeliveryPostTest, RejectsHeaderInjection) {
    LoopbackServer server;
    const auto resp = Post({.url = server.Url(), .headers = {{"X-A", "a\r\nX-Injected: 1"}}, .refuse_internal = false});
    ASSERT_FALSE(resp.has_value());
    EXPECT_EQ(resp.error().code, ErrorCode::kInvalidArgument);
    const auto bad_name = Post({.url = server.Url(), .headers = {{"X A", "1"}}, .refuse_internal = false});
    ASSERT_FALSE(bad_name.has_value());
    EXPECT_EQ(bad_name.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(server.Accepted(), 0);
}

TEST(DeliveryPostTest, IsSafeToCallFromManyThreads) {
    LoopbackServer server(200, "ok");
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 5; ++i) {
                const auto r = Post({.url = server.Url(), .body = "b", .refuse_internal = false});
                if (r && r->status == 200) ok.fetch_add(1);
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(ok.load(), 20);
}

// ---------------------------------------------------------------------------------------------------------------
// SNS without a server

TEST(DeliverySnsTest, RecognisesTopicArns) {
    EXPECT_TRUE(IsTopicArn("arn:aws:sns:ap-northeast-2:123456789012:price-alerts"));
    EXPECT_TRUE(IsTopicArn("arn:aws:sns:us-east-1:123456789012:Alerts_1.fifo"));
    EXPECT_TRUE(IsTopicArn("arn:aws:sns:ap-northeast-2:123456789012:" + std::string(256, 'a')));
    EXPECT_FALSE(IsTopicArn("arn:aws:sns:ap-northeast-2:123456789012:" + std::string(257, 'a')));
    EXPECT_FALSE(IsTopicArn("arn:aws:sns:ap-northeast-2:12345678901:t"));
    EXPECT_FALSE(IsTopicArn("arn:aws:sns:ap-northeast-2:1234567890123:t"));
    EXPECT_FALSE(IsTopicArn("arn:aws:sqs:ap-northeast-2:123456789012:t"));
    EXPECT_FALSE(IsTopicArn("arn:aws:sns:ap-northeast-2:123456789012:"));
    EXPECT_FALSE(IsTopicArn("arn:aws:sns:ap-northeast-2:123456789012:a.b"));
    EXPECT_FALSE(IsTopicArn("arn:aws:sns::123456789012:t"));
    EXPECT_FALSE(IsTopicArn("arn:aws:sns:ap-northeast-2:123456789012:t:sub-id"));
    EXPECT_FALSE(IsTopicArn(""));
}

TEST(DeliverySnsTest, RecognisesE164Numbers) {
    EXPECT_TRUE(IsE164PhoneNumber("+821012345678"));
    EXPECT_TRUE(IsE164PhoneNumber("+14155552671"));
    EXPECT_FALSE(IsE164PhoneNumber("01012345678"));
    EXPECT_FALSE(IsE164PhoneNumber("+0821012345678"));
    EXPECT_FALSE(IsE164PhoneNumber("+82 10 1234 5678"));
    EXPECT_FALSE(IsE164PhoneNumber("+8210123456789012"));
    EXPECT_FALSE(IsE164PhoneNumber("+"));
}

TEST(DeliverySnsTest, EncodesQueryFormsLikeTheAwsSdks) {
    EXPECT_EQ(AwsQueryBody("Publish", "2010-03-31", {{"Message", "삼성 71,000원 a+b~*/%20"}, {"Subject", "x&y=z"}}),
              "Action=Publish&Version=2010-03-31&Message=%EC%82%BC%EC%84%B1+71%2C000%EC%9B%90+a%2Bb~%2A%2F%2520"
              "&Subject=x%26y%3Dz");
}

TEST(DeliverySnsTest, ReadsXmlElementsAndEntities) {
    const std::string xml =
        "<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code>"
        "<Message>Topic &quot;a&amp;b&quot; &lt;x&gt; &#54620;&#xAE00; &bogus;</Message></Error>"
        "<RequestId>r</RequestId><MessageIdX>no</MessageIdX><MessageId attr=\"1\">id-1</MessageId><Empty/>"
        "</ErrorResponse>";
    EXPECT_EQ(XmlElementText(xml, "Code"), "NotFound");
    EXPECT_EQ(XmlElementText(xml, "Message"), "Topic \"a&b\" <x> 한글 &bogus;");
    EXPECT_EQ(XmlElementText(xml, "MessageId"), "id-1");
    EXPECT_EQ(XmlElementText(xml, "Empty"), "");
    EXPECT_EQ(XmlElementText(xml, "Missing"), std::nullopt);
}

TEST(DeliverySnsTest, ChecksArgumentsBeforeAnyRequest) {
    LoopbackServer server;
    SnsClient sns({.endpoint = server.Url("/"), .credentials = {"AKID", "SECRET", ""}});
    auto a = sns.PublishSms("01012345678", "hi");
    ASSERT_FALSE(a.has_value());
    EXPECT_EQ(a.error().code, ErrorCode::kInvalidArgument);
    auto b = sns.PublishToTopic("not-an-arn", "hi");
    ASSERT_FALSE(b.has_value());
    EXPECT_EQ(b.error().code, ErrorCode::kInvalidArgument);
    auto c = sns.PublishSms("+821012345678", "");
    ASSERT_FALSE(c.has_value());
    EXPECT_EQ(server.Accepted(), 0);
}

class DeliverySnsLoopbackTest : public ::testing::Test {
protected:
    static std::string Publish(int status, std::string body, ErrorCode* code, std::string* message,
                               std::vector<SeenRequest>* seen = nullptr) {
        LoopbackServer server(status, std::move(body));
        ManualClock clock(k20150830T123600Z * kNanosPerSecond);
        SnsClient sns({.endpoint = server.Url("/"),
                       .credentials = {"AKIDTEST", "very-secret-key", "session-token-value"},
                       .timeout_ms = 5000,
                       .clock = &clock});
        auto r = sns.PublishSms("+821012345678", "[내일은 투자왕:09:31]삼성전자 71,000원입니다.");
        if (seen != nullptr) *seen = server.Requests();
        if (r) return *r;
        *code = r.error().code;
        *message = r.error().message;
        return "";
    }
};

TEST_F(DeliverySnsLoopbackTest, PublishesASignedSmsFormAndReadsTheMessageId) {
    ErrorCode code{};
    std::string message;
    std::vector<SeenRequest> seen;
    const std::string id = Publish(200,
                                   "<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><PublishResult>"
                                   "<MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult>"
                                   "</PublishResponse>",
                                   &code, &message, &seen);
    EXPECT_EQ(id, "94f20ce6-13c5-43a0-9a9e-ca52d816e90b") << message;
    ASSERT_EQ(seen.size(), 1u);
    const SeenRequest& q = seen[0];
    EXPECT_EQ(q.request_line, "POST / HTTP/1.1");
    EXPECT_EQ(q.Header("Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
    EXPECT_EQ(q.Header("X-Amz-Date"), "20150830T123600Z");
    EXPECT_EQ(q.Header("X-Amz-Security-Token"), "session-token-value");
    EXPECT_EQ(q.Header("Authorization")
                  .rfind("AWS4-HMAC-SHA256 Credential=AKIDTEST/20150830/ap-northeast-2/sns/"
                         "aws4_request, SignedHeaders=content-type;host;x-amz-date;"
                         "x-amz-security-token, Signature=",
                         0),
              0u)
        << q.Header("Authorization");
    EXPECT_EQ(q.body,
              "Action=Publish&Version=2010-03-31&PhoneNumber=%2B821012345678&Message="
              "%5B%EB%82%B4%EC%9D%BC%EC%9D%80+%ED%88%AC%EC%9E%90%EC%99%95%3A09%3A31%5D%EC%82%BC%EC%84%B1%EC%A0%84"
              "%EC%9E%90+71%2C000%EC%9B%90%EC%9E%85%EB%8B%88%EB%8B%A4."
              "&MessageAttributes.entry.1.Name=AWS.SNS.SMS.SMSType"
              "&MessageAttributes.entry.1.Value.DataType=String"
              "&MessageAttributes.entry.1.Value.StringValue=Transactional");
    for (const auto& [k, v] : q.headers) EXPECT_EQ(v.find("very-secret-key"), std::string::npos) << k;
    EXPECT_EQ(q.body.find("very-secret-key"), std::string::npos);
}

TEST_F(DeliverySnsLoopbackTest, MapsAwsErrorsToCodes) {
    struct Case {
        int status;
        const char* aws_code;
        ErrorCode want;
    };
    const Case cases[] = {
        {404, "NotFound", ErrorCode::kInvalidArgument},
        {400, "InvalidParameter", ErrorCode::kInvalidArgument},
        {400, "Throttling", ErrorCode::kUnavailable},
        {429, "TooManyRequests", ErrorCode::kUnavailable},
        {500, "InternalError", ErrorCode::kUnavailable},
        {503, "ServiceUnavailable", ErrorCode::kUnavailable},
        {403, "SignatureDoesNotMatch", ErrorCode::kPermissionDenied},
        {403, "InvalidClientTokenId", ErrorCode::kPermissionDenied},
        {403, "AuthorizationError", ErrorCode::kPermissionDenied},
    };
    for (const auto& c : cases) {
        ErrorCode code{};
        std::string message;
        const std::string body = std::string("<ErrorResponse><Error><Type>Sender</Type><Code>") + c.aws_code +
                                 "</Code><Message>Something &amp; more</Message></Error></ErrorResponse>";
        EXPECT_EQ(Publish(c.status, body, &code, &message), "") << c.aws_code;
        EXPECT_EQ(code, c.want) << c.aws_code << ": " << message;
        EXPECT_NE(message.find(c.aws_code), std::string::npos) << message;
        EXPECT_NE(message.find("Something & more"), std::string::npos) << message;
        EXPECT_NE(message.find(std::to_string(c.status)), std::string::npos) << message;
        EXPECT_EQ(message.find("very-secret-key"), std::string::npos) << message;
    }
}

TEST_F(DeliverySnsLoopbackTest, AnAnswerWithoutMessageIdIsAnError) {
    ErrorCode code{};
    std::string message;
    EXPECT_EQ(Publish(200, "<PublishResponse/>", &code, &message), "");
    EXPECT_EQ(code, ErrorCode::kInternal);
}

TEST(DeliverySnsTest, AnUnreachableEndpointIsUnavailable) {
    SnsClient sns({.endpoint = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/",
                   .credentials = {"AKID", "very-secret-key", ""},
                   .timeout_ms = 3000});
    const auto r = sns.PublishToTopic("arn:aws:sns:ap-northeast-2:123456789012:t", "hi");
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
    EXPECT_EQ(r.error().message.find("very-secret-key"), std::string::npos);
}

}  // namespace
}  // namespace ik::alerts::delivery
