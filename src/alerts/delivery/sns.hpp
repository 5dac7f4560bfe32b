#pragma once
// Amazon SNS over its Query API (form-encoded POST signed with SigV4, XML answers): SMS to a phone number and
// messages to a topic. The generic CallAwsQuery below also reaches other Query-protocol services (SQS, IAM) of the
// same endpoint, which the moto tests use. SnsClient is immutable after construction and thread-safe; each call is
// one synchronous HTTP request.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alerts/delivery/sigv4.hpp"
#include "common/error.hpp"
#include "common/time.hpp"

namespace ik::alerts::delivery {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct SnsConfig {
    std::string region = "ap-northeast-2";
    std::string endpoint;  // empty = https://sns.<region>.amazonaws.com/; trusted configuration (may be loopback)
    AwsCredentials credentials;
    int timeout_ms = 10'000;
    const Clock* clock = nullptr;  // signing time; nullptr = the system clock. Not owned; must outlive the client.
};

// One Query-protocol service endpoint.
struct AwsQueryService {
    std::string endpoint;     // full URL, e.g. https://sns.ap-northeast-2.amazonaws.com/
    std::string region;       // the credential scope's region
    std::string service;      // the credential scope's service: "sns", "sqs", "iam"
    std::string api_version;  // Version=…, e.g. "2010-03-31" for SNS
    AwsCredentials credentials;
    int timeout_ms = 10'000;
    const Clock* clock = nullptr;
};

// "Action=<action>&Version=<version>&k1=v1&…", every name and value percent-encoded per RFC 3986 (UTF-8 bytes as
// %XX; A-Z a-z 0-9 - . _ ~ as they are) except that a space is '+', as application/x-www-form-urlencoded and the AWS
// SDKs (botocore, aws-sdk-go-v2) write it: moto checks signatures over the form re-encoded that way.
std::string AwsQueryBody(std::string_view action, std::string_view version, const QueryParams& params);

// POSTs the signed form and returns the raw response body of a 2xx answer. Errors: the transport's (kUnavailable for
// network failures, kInvalidArgument for a bad endpoint URL); HTTP 5xx, 429 and AWS throttling codes → kUnavailable
// (retryable); authentication and authorisation failures → kPermissionDenied; other answers → kInvalidArgument. The
// message carries the service, action, HTTP status and the AWS <Code> and <Message>, never a credential.
Result<std::string> CallAwsQuery(const AwsQueryService& service, std::string_view action, const QueryParams& params);

// The text of the first <name>…</name> element in xml, entities (&amp; &lt; &#…;) decoded. Minimal: no CDATA, no
// namespace prefixes; enough for AWS Query answers.
std::optional<std::string> XmlElementText(std::string_view xml, std::string_view name);

// arn:aws:sns:<region>:<12 digits>:<name>, name of 1…256 characters from [A-Za-z0-9_-], optionally ending ".fifo".
bool IsTopicArn(std::string_view arn);

// "+" and 7 to 15 digits, the first not 0 (E.164: country code and subscriber number).
bool IsE164PhoneNumber(std::string_view phone);

class SnsClient final {
public:
    explicit SnsClient(SnsConfig c);

    // A transactional SMS (MessageAttributes AWS.SNS.SMS.SMSType = Transactional). Returns the MessageId.
    Result<std::string> PublishSms(std::string_view phone_e164, std::string_view message) const;

    // Publishes to a topic (subject omitted when empty). Returns the MessageId.
    Result<std::string> PublishToTopic(std::string_view topic_arn, std::string_view message,
                                       std::string_view subject = {}) const;

    // Any other SNS action (CreateTopic, Subscribe, …): the raw XML body of the answer.
    Result<std::string> Call(std::string_view action, const QueryParams& params) const;

private:
    Result<std::string> Publish(const QueryParams& params) const;

    AwsQueryService service_;
};

}  // namespace ik::alerts::delivery
