#include "alerts/delivery/sns.hpp"

#include <algorithm>
#include <cstdint>

#include "alerts/delivery/http_post.hpp"

namespace ik::alerts::delivery {
namespace {

constexpr std::string_view kSnsVersion = "2010-03-31";
constexpr std::size_t kMaxErrorTextBytes = 400;

// AWS error codes that mean "slow down and retry" across services (the SDKs' retry tables).
bool IsThrottlingCode(std::string_view code) {
    for (std::string_view c : {"Throttling",
                               "ThrottlingException",
                               "ThrottledException",
                               "RequestThrottledException",
                               "RequestThrottled",
                               "TooManyRequestsException",
                               "ProvisionedThroughputExceededException",
                               "TransactionInProgressException",
                               "RequestLimitExceeded",
                               "BandwidthLimitExceeded",
                               "SlowDown",
                               "PriorRequestNotComplete",
                               "EC2ThrottledException",
                               "KMSThrottling",
                               "KMSThrottlingException",
                               "RequestTimeout",
                               "RequestTimeoutException",
                               "ServiceUnavailable",
                               "InternalFailure",
                               "InternalError"}) {
        if (code == c) return true;
    }
    return false;
}

bool IsAuthCode(std::string_view code) {
    for (std::string_view c : {"AuthorizationError", "AccessDenied", "AccessDeniedException", "InvalidClientTokenId",
                               "SignatureDoesNotMatch", "IncompleteSignature", "MissingAuthenticationToken",
                               "MissingAuthenticationTokenException", "ExpiredToken", "ExpiredTokenException",
                               "UnrecognizedClientException", "InvalidAccessKeyId", "AuthFailure", "InvalidSecurity",
                               "OptInRequired", "KMSAccessDenied", "KMSAccessDeniedException"}) {
        if (code == c) return true;
    }
    return false;
}

void AppendUtf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// A numeric character reference's code point, or nothing when it is not a valid one.
std::optional<std::uint32_t> CharRef(std::string_view digits, int base) {
    if (digits.empty() || digits.size() > 8) return std::nullopt;
    std::uint32_t v = 0;
    for (char c : digits) {
        int d = -1;
        if (c >= '0' && c <= '9') d = c - '0';
        if (base == 16 && c >= 'a' && c <= 'f') d = c - 'a' + 10;
        if (base == 16 && c >= 'A' && c <= 'F') d = c - 'A' + 10;
        if (d < 0) return std::nullopt;
        v = v * static_cast<std::uint32_t>(base) + static_cast<std::uint32_t>(d);
    }
    if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return std::nullopt;
    return v;
}

std::string XmlUnescape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '&') {
            out += s[i];
            continue;
        }
        const auto semi = s.find(';', i);
        if (semi == s.npos || semi - i > 12) {
            out += s[i];
            continue;
        }
        const std::string_view ent = s.substr(i + 1, semi - i - 1);
        std::optional<std::uint32_t> cp;
        if (ent == "amp")
            cp = '&';
        else if (ent == "lt")
            cp = '<';
        else if (ent == "gt")
            cp = '>';
        else if (ent == "quot")
            cp = '"';
        else if (ent == "apos")
            cp = '\'';
        else if (ent.size() > 2 && ent[0] == '#' && (ent[1] == 'x' || ent[1] == 'X'))
            cp = CharRef(ent.substr(2), 16);
        else if (ent.size() > 1 && ent[0] == '#')
            cp = CharRef(ent.substr(1), 10);
        if (!cp) {
            out += s[i];
            continue;
        }
        AppendUtf8(out, *cp);
        i = semi;
    }
    return out;
}

// Printable, one line and bounded: error texts end up in logs and API answers.
std::string Excerpt(std::string_view s) {
    std::size_t n = std::min(s.size(), kMaxErrorTextBytes);
    // Cut on a UTF-8 character boundary (AWS messages may be localised).
    while (n < s.size() && n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    std::string out;
    for (char c : s.substr(0, n)) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    if (n < s.size()) out += "...";
    return out;
}

std::int64_t NowSeconds(const Clock* clock) {
    if (clock != nullptr) return clock->Now() / kNanosPerSecond;
    return SystemClock().Now() / kNanosPerSecond;
}

std::string FormEncode(std::string_view text) {
    std::string out = AwsUriEncode(text);
    // "%20" → "+": AWS decodes either, but emulators that check signatures (moto) hash the form as they re-encode it
    // from its parsed fields, the way botocore sends it, with '+' for a space.
    std::string::size_type pos = 0;
    while ((pos = out.find("%20", pos)) != std::string::npos) out.replace(pos, 3, "+");
    return out;
}

}  // namespace

std::string AwsQueryBody(std::string_view action, std::string_view version, const QueryParams& params) {
    std::string body = "Action=" + FormEncode(action) + "&Version=" + FormEncode(version);
    for (const auto& [k, v] : params) {
        body += '&';
        body += FormEncode(k);
        body += '=';
        body += FormEncode(v);
    }
    return body;
}

std::optional<std::string> XmlElementText(std::string_view xml, std::string_view name) {
    const std::string open = "<" + std::string(name);
    const std::string close = "</" + std::string(name) + ">";
    std::size_t pos = 0;
    while ((pos = xml.find(open, pos)) != xml.npos) {
        const std::size_t after = pos + open.size();
        if (after >= xml.size()) return std::nullopt;
        const char next = xml[after];
        if (next == '>' || next == ' ' || next == '\t' || next == '\n' || next == '\r' || next == '/') {
            const auto gt = xml.find('>', after);
            if (gt == xml.npos) return std::nullopt;
            if (xml[gt - 1] == '/') return std::string();  // <name/>
            const auto end = xml.find(close, gt + 1);
            if (end == xml.npos) return std::nullopt;
            return XmlUnescape(xml.substr(gt + 1, end - gt - 1));
        }
        pos = after;  // <NameSuffix…>: a different element
    }
    return std::nullopt;
}

bool IsTopicArn(std::string_view arn) {
    constexpr std::string_view kPrefix = "arn:aws:sns:";
    if (!arn.starts_with(kPrefix)) return false;
    arn.remove_prefix(kPrefix.size());
    const auto c1 = arn.find(':');
    if (c1 == arn.npos || c1 == 0) return false;
    const std::string_view region = arn.substr(0, c1);
    if (!std::all_of(region.begin(), region.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; })) {
        return false;
    }
    arn.remove_prefix(c1 + 1);
    if (arn.size() < 13 || arn[12] != ':') return false;
    if (!std::all_of(arn.begin(), arn.begin() + 12, [](char c) { return c >= '0' && c <= '9'; })) return false;
    std::string_view name = arn.substr(13);
    if (name.ends_with(".fifo")) name.remove_suffix(5);
    if (name.empty() || name.size() > 256) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

bool IsE164PhoneNumber(std::string_view phone) {
    if (phone.size() < 8 || phone.size() > 16 || phone[0] != '+' || phone[1] == '0') return false;
    return std::all_of(phone.begin() + 1, phone.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<std::string> CallAwsQuery(const AwsQueryService& service, std::string_view action, const QueryParams& params) {
    PostRequest r;
    r.url = service.endpoint;
    r.body = AwsQueryBody(action, service.api_version, params);
    r.timeout_ms = service.timeout_ms;
    // The endpoint is configuration, not user input: a loopback emulator or a VPC endpoint is legitimate.
    r.refuse_internal = false;
    r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    for (auto& h : SignV4("POST", r.url, r.headers, r.body, service.region, service.service, service.credentials,
                          NowSeconds(service.clock))) {
        r.headers.push_back(std::move(h));
    }
    auto response = Post(r);
    const std::string what = service.service + " " + std::string(action);
    if (!response) return MakeError(response.error().code, what + ": " + response.error().message);
    if (response->status >= 200 && response->status < 300) return std::move(response->body);

    const std::string code = XmlElementText(response->body, "Code").value_or("");
    const std::string message = XmlElementText(response->body, "Message").value_or("");
    std::string text = what + ": HTTP " + std::to_string(response->status);
    if (!code.empty()) text += " " + code;
    if (!message.empty()) text += ": " + Excerpt(message);
    if (code.empty() && message.empty() && !response->body.empty()) text += ": " + Excerpt(response->body);
    const long status = response->status;
    if (status >= 500 || status == 429 || IsThrottlingCode(code)) return MakeError(ErrorCode::kUnavailable, text);
    if (status == 401 || status == 403 || IsAuthCode(code)) return MakeError(ErrorCode::kPermissionDenied, text);
    return MakeError(ErrorCode::kInvalidArgument, text);
}

SnsClient::SnsClient(SnsConfig c) {
    service_.endpoint = c.endpoint.empty() ? "https://sns." + c.region + ".amazonaws.com/" : std::move(c.endpoint);
    service_.region = std::move(c.region);
    service_.service = "sns";
    service_.api_version = std::string(kSnsVersion);
    service_.credentials = std::move(c.credentials);
    service_.timeout_ms = c.timeout_ms;
    service_.clock = c.clock;
}

Result<std::string> SnsClient::PublishSms(std::string_view phone_e164, std::string_view message) const {
    if (!IsE164PhoneNumber(phone_e164)) {
        return MakeError(ErrorCode::kInvalidArgument, "SMS needs an E.164 phone number (+ and 7 to 15 digits)");
    }
    if (message.empty()) return MakeError(ErrorCode::kInvalidArgument, "empty SMS message");
    return Publish({
        {"PhoneNumber", std::string(phone_e164)},
        {"Message", std::string(message)},
        {"MessageAttributes.entry.1.Name", "AWS.SNS.SMS.SMSType"},
        {"MessageAttributes.entry.1.Value.DataType", "String"},
        {"MessageAttributes.entry.1.Value.StringValue", "Transactional"},
    });
}

Result<std::string> SnsClient::PublishToTopic(std::string_view topic_arn, std::string_view message,
                                              std::string_view subject) const {
    if (!IsTopicArn(topic_arn)) return MakeError(ErrorCode::kInvalidArgument, "not an SNS topic ARN");
    if (message.empty()) return MakeError(ErrorCode::kInvalidArgument, "empty topic message");
    QueryParams params = {{"TopicArn", std::string(topic_arn)}, {"Message", std::string(message)}};
    if (!subject.empty()) params.emplace_back("Subject", std::string(subject));
    return Publish(params);
}

Result<std::string> SnsClient::Call(std::string_view action, const QueryParams& params) const {
    return CallAwsQuery(service_, action, params);
}

Result<std::string> SnsClient::Publish(const QueryParams& params) const {
    auto body = CallAwsQuery(service_, "Publish", params);
    if (!body) return std::unexpected(body.error());
    auto id = XmlElementText(*body, "MessageId");
    if (!id || id->empty()) return MakeError(ErrorCode::kInternal, "sns Publish: the answer has no MessageId");
    return std::move(*id);
}

}  // namespace ik::alerts::delivery
