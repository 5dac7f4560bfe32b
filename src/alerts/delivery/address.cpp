#include "alerts/delivery/address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <cstring>

namespace ik::alerts::delivery {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ToLower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = Lower(c);
    return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// a.b.c.d as four bytes in network order.
bool IsInternalV4(const std::array<std::uint8_t, 4>& a) {
    const std::uint32_t v =
        (std::uint32_t{a[0]} << 24) | (std::uint32_t{a[1]} << 16) | (std::uint32_t{a[2]} << 8) | std::uint32_t{a[3]};
    struct Net {
        std::uint32_t base;
        int bits;
    };
    static constexpr Net kInternal[] = {
        {0x00000000, 8},   // 0.0.0.0/8 "this network"
        {0x0A000000, 8},   // 10/8
        {0x64400000, 10},  // 100.64/10 CGNAT
        {0x7F000000, 8},   // 127/8 loopback
        {0xA9FE0000, 16},  // 169.254/16 link-local (cloud metadata lives here)
        {0xAC100000, 12},  // 172.16/12
        {0xC0000000, 24},  // 192.0.0/24 IETF protocol assignments
        {0xC0A80000, 16},  // 192.168/16
        {0xC6120000, 15},  // 198.18/15 benchmarking
        {0xE0000000, 4},   // 224/4 multicast
        {0xF0000000, 4},   // 240/4 reserved, includes 255.255.255.255
    };
    for (const Net& n : kInternal) {
        const std::uint32_t mask = n.bits == 0 ? 0 : ~std::uint32_t{0} << (32 - n.bits);
        if ((v & mask) == n.base) return true;
    }
    return false;
}

std::array<std::uint8_t, 4> V4At(const std::uint8_t* p) { return {p[0], p[1], p[2], p[3]}; }

bool AllZero(const std::uint8_t* p, int n) {
    for (int i = 0; i < n; ++i) {
        if (p[i] != 0) return false;
    }
    return true;
}

bool IsInternalV6(const std::uint8_t* b) {
    // ::/96 covers :: (unspecified), ::1 (loopback) and the deprecated IPv4-compatible ::a.b.c.d; all three map to
    // 0.0.0.0/8 or to the embedded address.
    if (AllZero(b, 12)) return IsInternalV4(V4At(b + 12));
    // ::ffff:a.b.c.d (IPv4-mapped) and ::ffff:0:a.b.c.d (IPv4-translated).
    if (AllZero(b, 10) && b[10] == 0xff && b[11] == 0xff) return IsInternalV4(V4At(b + 12));
    if (AllZero(b, 8) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0) return IsInternalV4(V4At(b + 12));
    // 64:ff9b::/96 NAT64 well-known prefix.
    static constexpr std::uint8_t kNat64[12] = {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    if (std::memcmp(b, kNat64, sizeof kNat64) == 0) return IsInternalV4(V4At(b + 12));
    // 64:ff9b:1::/48 local-use NAT64 (RFC 8215): only meaningful inside one network.
    if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0x00 && b[5] == 0x01) return true;
    // 2002::/16 6to4 carries an IPv4 address in bits 16..48.
    if (b[0] == 0x20 && b[1] == 0x02) return IsInternalV4(V4At(b + 2));
    if ((b[0] & 0xfe) == 0xfc) return true;                  // fc00::/7 unique local
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return true;  // fe80::/10 link-local
    if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return true;  // fec0::/10 site-local (deprecated)
    if (b[0] == 0xff) return true;                           // ff00::/8 multicast
    return false;
}

}  // namespace

std::optional<std::string> ParseIpv4Loose(std::string_view text) {
    // inet_aton stops at whitespace and ignores what follows; restricting the alphabet first keeps "127.0.0.1 x" (not
    // a host name anyone can resolve) from being read as an address, and keeps names such as "cafe" out.
    if (text.empty() || text.size() > 64) return std::nullopt;
    bool has_digit = false;
    for (char c : text) {
        const char l = Lower(c);
        if (l >= '0' && l <= '9') {
            has_digit = true;
        } else if (!((l >= 'a' && l <= 'f') || l == 'x' || l == '.')) {
            return std::nullopt;
        }
    }
    if (!has_digit) return std::nullopt;
    // A hex part must start with 0x; inet_aton rejects "ff.1" itself, but a leading digit check keeps names like
    // "a.b" out cheaply.
    if (Lower(text.front()) < '0' || Lower(text.front()) > '9') return std::nullopt;
    const std::string z(text);
    in_addr addr{};
    if (inet_aton(z.c_str(), &addr) == 0) return std::nullopt;
    char out[INET_ADDRSTRLEN] = {};
    if (inet_ntop(AF_INET, &addr, out, sizeof out) == nullptr) return std::nullopt;
    return std::string(out);
}

bool IsInternalIp(std::string_view ip_literal) {
    std::string_view text = ip_literal;
    if (text.find(':') != std::string_view::npos) {
        // A scoped address ("fe80::1%eth0"): the zone does not change which network the address is in.
        if (const auto pct = text.find('%'); pct != std::string_view::npos) text = text.substr(0, pct);
        const std::string z(text);
        in6_addr a6{};
        if (inet_pton(AF_INET6, z.c_str(), &a6) != 1) return false;
        return IsInternalV6(a6.s6_addr);
    }
    const auto dotted = ParseIpv4Loose(text);
    if (!dotted) return false;
    in_addr a4{};
    if (inet_pton(AF_INET, dotted->c_str(), &a4) != 1) return false;
    std::array<std::uint8_t, 4> bytes{};
    std::memcpy(bytes.data(), &a4.s_addr, 4);
    return IsInternalV4(bytes);
}

bool IsInternalHostName(std::string_view host) {
    while (!host.empty() && host.back() == '.') host.remove_suffix(1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty()) return false;
    if (IsInternalIp(host)) return true;
    const std::string h = ToLower(host);
    for (std::string_view name : {"localhost", "local", "internal", "home.arpa"}) {
        if (h == name) return true;
        if (EndsWith(h, "." + std::string(name))) return true;
    }
    return false;
}

}  // namespace ik::alerts::delivery
