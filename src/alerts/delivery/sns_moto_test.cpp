// The SNS client against a real moto server (the AWS emulator), started by the ctest fixture `moto_server`
// (scripts/moto) and found through IK_MOTO_URL. Messages are read back the two ways moto offers over HTTP: through an
// SQS queue subscribed to the topic (ReceiveMessage, signed like any AWS call), and through moto's own state dump
// GET /moto-api/data.json ({"sns": {"SMS": [{"message_id", "phone_number", "message"}], "Topic": [{"arn",
// "sent_notifications": [[id, message, subject, attributes, group_id], …]}]}}). The last test switches moto's IAM
// authentication on (POST /moto-api/reset-auth) so that moto recomputes every signature with botocore.
#include <curl/curl.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "alerts/delivery/http_post.hpp"
#include "alerts/delivery/sns.hpp"

namespace ik::alerts::delivery {
namespace {

constexpr std::string_view kRegion = "ap-northeast-2";
constexpr std::string_view kKoreanMessage = "[내일은 투자왕:09:31]삼성전자 71,000원입니다.";
// moto accepts any key while its IAM authentication is off (the state scripts/moto starts it in).
const AwsCredentials kAnyCreds{"AKIDMOTOTEST", "moto-test-secret", ""};

std::string Unique(std::string_view prefix) {
    static std::atomic<int> counter{0};
    return std::string(prefix) + "-" + std::to_string(getpid()) + "-" + std::to_string(counter.fetch_add(1));
}

size_t AppendTo(char* data, size_t size, size_t count, void* userp) {
    static_cast<std::string*>(userp)->append(data, size * count);
    return size * count;
}

// A plain GET for moto's own API (Post only posts).
Result<std::string> HttpGet(const std::string& url) {
    CURL* h = curl_easy_init();
    if (h == nullptr) return MakeError(ErrorCode::kInternal, "curl_easy_init");
    std::string body;
    long status = 0;
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROXY, "");
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10'000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &AppendTo);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    const CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    if (rc != CURLE_OK) return MakeError(ErrorCode::kUnavailable, std::string("GET: ") + curl_easy_strerror(rc));
    if (status != 200) return MakeError(ErrorCode::kUnavailable, "GET " + url + ": HTTP " + std::to_string(status));
    return body;
}

class SnsMotoTest : public ::testing::Test {
protected:
    void SetUp() override {
        const char* url = std::getenv("IK_MOTO_URL");
        ASSERT_TRUE(url != nullptr && *url != '\0')
            << "IK_MOTO_URL is not set. These tests need a moto server: run them through ctest (fixture moto_server, "
               "label moto), or start one with `scripts/moto start DIR PORT` and export "
               "IK_MOTO_URL=http://127.0.0.1:PORT";
        base_ = url;
        while (!base_.empty() && base_.back() == '/') base_.pop_back();
        // Whatever an earlier test left, start with IAM authentication off.
        ASSERT_TRUE(SetAuth("inf")) << "moto does not answer at " << base_;
    }

    void TearDown() override { SetAuth("inf"); }

    // POST /moto-api/reset-auth with the number of requests moto lets through before it checks signatures and IAM
    // policies ("0": from now on; "inf": never). Not form-encoded: moto reads the raw body, which Flask empties for a
    // form.
    bool SetAuth(const std::string& initial_no_auth_action_count) {
        const auto r = Post({.url = base_ + "/moto-api/reset-auth",
                             .headers = {{"Content-Type", "text/plain"}},
                             .body = initial_no_auth_action_count,
                             .timeout_ms = 10'000,
                             .refuse_internal = false});
        return r.has_value() && r->status == 200;
    }

    SnsClient Sns(const AwsCredentials& creds = kAnyCreds) const {
        return SnsClient({.region = std::string(kRegion), .endpoint = base_ + "/", .credentials = creds});
    }

    AwsQueryService Service(std::string service, std::string version, std::string region,
                            const AwsCredentials& creds = kAnyCreds) const {
        return {.endpoint = base_ + "/",
                .region = std::move(region),
                .service = std::move(service),
                .api_version = std::move(version),
                .credentials = creds};
    }
    AwsQueryService Sqs() const { return Service("sqs", "2012-11-05", std::string(kRegion)); }
    AwsQueryService Iam() const { return Service("iam", "2010-05-08", "us-east-1"); }

    // A new topic's ARN.
    std::string CreateTopic(const SnsClient& sns) {
        const auto xml = sns.Call("CreateTopic", {{"Name", Unique("ik-alerts")}});
        EXPECT_TRUE(xml.has_value()) << xml.error().message;
        if (!xml) return {};
        const auto arn = XmlElementText(*xml, "TopicArn");
        EXPECT_TRUE(arn && IsTopicArn(*arn)) << *xml;
        return arn.value_or("");
    }

    // A new SQS queue subscribed to topic_arn with raw delivery (the queue receives the message itself, not SNS's
    // JSON envelope). Returns the queue URL.
    std::string SubscribedQueue(const SnsClient& sns, const std::string& topic_arn) {
        const auto created = CallAwsQuery(Sqs(), "CreateQueue", {{"QueueName", Unique("ik-alerts-q")}});
        EXPECT_TRUE(created.has_value()) << created.error().message;
        if (!created) return {};
        const std::string queue_url = XmlElementText(*created, "QueueUrl").value_or("");
        EXPECT_FALSE(queue_url.empty()) << *created;
        const auto attrs =
            CallAwsQuery(Sqs(), "GetQueueAttributes", {{"QueueUrl", queue_url}, {"AttributeName.1", "QueueArn"}});
        EXPECT_TRUE(attrs.has_value()) << attrs.error().message;
        if (!attrs) return {};
        const std::string queue_arn = XmlElementText(*attrs, "Value").value_or("");
        EXPECT_TRUE(queue_arn.starts_with("arn:aws:sqs:")) << *attrs;
        const auto sub = sns.Call("Subscribe", {{"TopicArn", topic_arn},
                                                {"Protocol", "sqs"},
                                                {"Endpoint", queue_arn},
                                                {"Attributes.entry.1.key", "RawMessageDelivery"},
                                                {"Attributes.entry.1.value", "true"}});
        EXPECT_TRUE(sub.has_value()) << sub.error().message;
        return queue_url;
    }

    // The body of the next message on the queue; polls (long polls of 1 s) until a deadline.
    std::string ReceiveOne(const std::string& queue_url) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
        while (std::chrono::steady_clock::now() < deadline) {
            const auto xml =
                CallAwsQuery(Sqs(), "ReceiveMessage",
                             {{"QueueUrl", queue_url}, {"MaxNumberOfMessages", "1"}, {"WaitTimeSeconds", "1"}});
            EXPECT_TRUE(xml.has_value()) << xml.error().message;
            if (!xml) return {};
            if (auto body = XmlElementText(*xml, "Body")) return *body;
        }
        ADD_FAILURE() << "no message arrived on " << queue_url;
        return {};
    }

    // moto's state dump.
    boost::json::value MotoState() {
        const auto text = HttpGet(base_ + "/moto-api/data.json");
        EXPECT_TRUE(text.has_value()) << text.error().message;
        if (!text) return {};
        return boost::json::parse(*text);
    }

    std::string base_;
};

TEST_F(SnsMotoTest, TopicMessagesReachAnSqsSubscriberByteForByte) {
    const SnsClient sns = Sns();
    const std::string topic = CreateTopic(sns);
    ASSERT_FALSE(topic.empty());
    const std::string queue = SubscribedQueue(sns, topic);
    ASSERT_FALSE(queue.empty());

    const auto id = sns.PublishToTopic(topic, kKoreanMessage, "가격 알림");
    ASSERT_TRUE(id.has_value()) << id.error().message;
    EXPECT_FALSE(id->empty());
    EXPECT_EQ(ReceiveOne(queue), kKoreanMessage);

    // Characters that form encoding and XML must both carry: & < > " ' + = % ~ and a newline.
    const std::string tricky = "a&b<c>d\"e'f+g=h%20i~j\n둘째 줄 😀";
    ASSERT_TRUE(sns.PublishToTopic(topic, tricky).has_value());
    EXPECT_EQ(ReceiveOne(queue), tricky);
}

TEST_F(SnsMotoTest, TopicMessagesAreInMotosStateWithTheirSubject) {
    const SnsClient sns = Sns();
    const std::string topic = CreateTopic(sns);
    ASSERT_FALSE(topic.empty());
    const auto id = sns.PublishToTopic(topic, kKoreanMessage, "가격 알림");
    ASSERT_TRUE(id.has_value()) << id.error().message;

    const boost::json::value state = MotoState();
    bool found = false;
    for (const auto& t : state.at("sns").at("Topic").as_array()) {
        if (t.at("arn").as_string() != topic) continue;
        for (const auto& n : t.at("sent_notifications").as_array()) {
            const auto& entry = n.as_array();  // [message_id, message, subject, message_attributes, group_id]
            if (entry.at(0).as_string() != *id) continue;
            found = true;
            EXPECT_EQ(std::string(entry.at(1).as_string()), kKoreanMessage);
            EXPECT_EQ(std::string(entry.at(2).as_string()), "가격 알림");
        }
    }
    EXPECT_TRUE(found) << "message " << *id << " is not among " << topic << "'s sent notifications";
}

TEST_F(SnsMotoTest, SmsIsKeptByMotoWithPhoneNumberAndText) {
    const auto id = Sns().PublishSms("+821012345678", kKoreanMessage);
    ASSERT_TRUE(id.has_value()) << id.error().message;
    const boost::json::value state = MotoState();
    int matches = 0;
    for (const auto& sms : state.at("sns").at("SMS").as_array()) {
        if (sms.at("message_id").as_string() != *id) continue;
        ++matches;
        EXPECT_EQ(std::string(sms.at("phone_number").as_string()), "+821012345678");
        EXPECT_EQ(std::string(sms.at("message").as_string()), kKoreanMessage);
    }
    EXPECT_EQ(matches, 1) << "SMS " << *id << " not found in /moto-api/data.json";
}

TEST_F(SnsMotoTest, PublishingToAMissingTopicIsAPermanentErrorWithTheAwsCode) {
    const auto r = Sns().PublishToTopic("arn:aws:sns:ap-northeast-2:123456789012:" + Unique("missing"), "hi");
    ASSERT_FALSE(r.has_value());
    EXPECT_NE(r.error().code, ErrorCode::kUnavailable) << r.error().message;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << r.error().message;
    EXPECT_NE(r.error().message.find("NotFound"), std::string::npos) << r.error().message;
}

TEST_F(SnsMotoTest, InvalidParametersAreRefusedWithTheAwsCode) {
    // SNS limits a subject to 100 characters; moto checks it as well.
    const SnsClient sns = Sns();
    const std::string topic = CreateTopic(sns);
    ASSERT_FALSE(topic.empty());
    const auto r = sns.Call("Publish", {{"TopicArn", topic}, {"Message", "m"}, {"Subject", std::string(101, 's')}});
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << r.error().message;
    EXPECT_NE(r.error().message.find("InvalidParameter"), std::string::npos) << r.error().message;
}

TEST_F(SnsMotoTest, MotoVerifiesOurSignaturesOnceIamAuthIsOn) {
    // A user allowed SNS and SQS, with an access key, made while authentication is still off.
    const std::string user = Unique("ik-sns-user");
    ASSERT_TRUE(CallAwsQuery(Iam(), "CreateUser", {{"UserName", user}}).has_value());
    const auto policy = CallAwsQuery(
        Iam(), "PutUserPolicy",
        {{"UserName", user},
         {"PolicyName", "ik-sns"},
         {"PolicyDocument",
          R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sns:*"],"Resource":"*"}]})"}});
    ASSERT_TRUE(policy.has_value()) << policy.error().message;
    const auto key = CallAwsQuery(Iam(), "CreateAccessKey", {{"UserName", user}});
    ASSERT_TRUE(key.has_value()) << key.error().message;
    const AwsCredentials good{XmlElementText(*key, "AccessKeyId").value_or(""),
                              XmlElementText(*key, "SecretAccessKey").value_or(""), ""};
    ASSERT_FALSE(good.access_key_id.empty());
    ASSERT_FALSE(good.secret_access_key.empty());

    ASSERT_TRUE(SetAuth("0"));

    // Right key: moto recomputes the signature (botocore's SigV4) over what arrived and finds ours.
    const SnsClient sns = Sns(good);
    const std::string topic = CreateTopic(sns);
    ASSERT_FALSE(topic.empty());
    const auto published = sns.PublishToTopic(topic, kKoreanMessage, "가격 알림");
    EXPECT_TRUE(published.has_value()) << published.error().message;
    const auto sms = sns.PublishSms("+821012345678", kKoreanMessage);
    EXPECT_TRUE(sms.has_value()) << sms.error().message;
    // Every character class of the form encoding under the same check.
    const auto tricky = sns.PublishToTopic(topic, "a&b<c>d\"e'f+g=h%20i~j*k/l\n둘째 줄 😀");
    EXPECT_TRUE(tricky.has_value()) << tricky.error().message;

    // Wrong secret: refused, and the refusal does not echo it.
    AwsCredentials wrong = good;
    wrong.secret_access_key = "wrong-secret-0123456789";
    const auto refused = Sns(wrong).PublishToTopic(topic, "must not arrive");
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied) << refused.error().message;
    EXPECT_NE(refused.error().message.find("SignatureDoesNotMatch"), std::string::npos) << refused.error().message;
    EXPECT_EQ(refused.error().message.find(wrong.secret_access_key), std::string::npos);
    EXPECT_EQ(refused.error().message.find(good.secret_access_key), std::string::npos);

    // A key moto's IAM does not know.
    const auto unknown = Sns(kAnyCreds).PublishSms("+821012345678", "must not arrive");
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, ErrorCode::kPermissionDenied) << unknown.error().message;

    // A known key without the permission: the user may use SNS, not SQS.
    const auto denied = CallAwsQuery(Service("sqs", "2012-11-05", std::string(kRegion), good), "ListQueues", {});
    ASSERT_FALSE(denied.has_value());
    EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied) << denied.error().message;
}

}  // namespace
}  // namespace ik::alerts::delivery
