#pragma once
// Classification of webhook targets as internal (loopback, private, link-local, multicast, reserved) so that a user's
// webhook URL cannot make the server talk to itself or to its network (SSRF). Pure functions; thread-safe.
#include <optional>
#include <string>
#include <string_view>

namespace ik::alerts::delivery {

// An IPv4 address in any spelling that inet_aton (and therefore getaddrinfo and curl) accepts: dotted quad, fewer
// parts ("127.1"), a single number ("2130706433"), hexadecimal or octal parts ("0x7f.1", "0177.0.0.1"). Returns the
// dotted quad, or nothing when text is not such a literal (only digits, letters a-f, 'x' and dots may appear).
std::optional<std::string> ParseIpv4Loose(std::string_view text);

// True when ip_literal is an IPv4 literal (loose spellings included) or an IPv6 literal (a zone such as "%eth0" is
// ignored) in a range that is not reachable on the public internet: this host, private networks, CGNAT, link-local,
// benchmarking, multicast, reserved, broadcast; IPv6 unspecified, loopback, unique-local, link- and site-local,
// multicast; and IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64 (64:ff9b::/96) and 6to4 addresses that embed
// an internal IPv4 address. False for any text that is not an IP literal.
bool IsInternalIp(std::string_view ip_literal);

// True for an internal IP literal (an IPv6 one may be in brackets) and for the names that always resolve locally:
// localhost, *.localhost, *.local, *.internal, *.home.arpa. Case-insensitive; trailing dots are ignored.
bool IsInternalHostName(std::string_view host);

}  // namespace ik::alerts::delivery
