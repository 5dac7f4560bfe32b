#include "gateway/msgpack.hpp"

#include <bit>
#include <chrono>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <utility>

#include <boost/json.hpp>

namespace ik::gateway {

namespace json = boost::json;

namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
constexpr std::uint64_t kMax34Bits = (std::uint64_t{1} << 34) - 1;
constexpr std::int8_t kTimestampExtType = -1;
// RFC 3339 has four-digit years only: 0000-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
constexpr std::int64_t kMinRfc3339Seconds = -62'167'219'200;
constexpr std::int64_t kMaxRfc3339Seconds = 253'402'300'799;

void EncodeValue(MsgpackWriter& w, const json::value& v) {
    switch (v.kind()) {
        case json::kind::null:
            w.Nil();
            return;
        case json::kind::bool_:
            w.Bool(v.get_bool());
            return;
        case json::kind::int64:
            w.Int(v.get_int64());
            return;
        case json::kind::uint64:
            w.Uint(v.get_uint64());
            return;
        case json::kind::double_:
            w.Double(v.get_double());
            return;
        case json::kind::string:
            w.Str(v.get_string());
            return;
        case json::kind::array:
            w.ArrayHeader(v.get_array().size());
            for (const auto& item : v.get_array()) EncodeValue(w, item);
            return;
        case json::kind::object:
            w.MapHeader(v.get_object().size());
            for (const auto& [key, item] : v.get_object()) {
                w.Str(key);
                EncodeValue(w, item);
            }
            return;
    }
}

// "2026-11-25T01:02:03.123456789Z" with trailing zeros of the fraction trimmed (and no fraction at all for
// whole seconds), the shape Alpaca's streams use. The caller has range-checked seconds and nanos.
std::string FormatRfc3339(std::int64_t seconds, std::uint32_t nanos) {
    // Floor division: times before 1970 belong to the previous day, not day 0.
    std::int64_t days = seconds / 86'400;
    std::int64_t second_of_day = seconds % 86'400;
    if (second_of_day < 0) {
        second_of_day += 86'400;
        --days;
    }
    const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
    char buf[48];
    int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                          static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                          static_cast<int>(second_of_day / 3600), static_cast<int>(second_of_day / 60 % 60),
                          static_cast<int>(second_of_day % 60));
    std::string out(buf, static_cast<std::size_t>(n));
    if (nanos != 0) {
        n = std::snprintf(buf, sizeof buf, ".%09u", static_cast<unsigned>(nanos));
        std::string_view fraction(buf, static_cast<std::size_t>(n));
        while (fraction.back() == '0') fraction.remove_suffix(1);
        out += fraction;
    }
    out += 'Z';
    return out;
}

// One pass over the input. Every read is preceded by a check against the bytes left, and every reservation
// is bounded by both the bytes left and the remaining element budget, so hostile headers cannot make it
// allocate more than a small multiple of the input size.
class Decoder final {
public:
    explicit Decoder(std::string_view in) : in_(in) {}

    Result<json::value> Document() {
        if (in_.empty()) return Fail("msgpack: empty input");
        auto v = Value(0);
        if (!v) return v;
        if (pos_ != in_.size()) {
            return Fail("msgpack: " + std::to_string(in_.size() - pos_) + " trailing bytes at offset " +
                        std::to_string(pos_));
        }
        return v;
    }

private:
    static std::unexpected<Error> Fail(std::string message) {
        return MakeError(ErrorCode::kInvalidArgument, std::move(message));
    }

    // detail says what was declared against what is left, when a header claimed more than the input holds.
    static std::unexpected<Error> Truncated(std::string_view what, std::size_t start, std::string_view detail = {}) {
        std::string message = "msgpack: truncated " + std::string(what) + " at offset " + std::to_string(start);
        if (!detail.empty()) message += " (" + std::string(detail) + ")";
        return Fail(std::move(message));
    }

    std::string BytesDeclared(std::uint64_t n) const {
        return std::to_string(n) + " bytes declared, " + std::to_string(Left()) + " left";
    }

    std::size_t Left() const { return in_.size() - pos_; }

    std::uint8_t Peek() const { return static_cast<std::uint8_t>(in_[pos_]); }

    // A big-endian unsigned field of 1, 2, 4 or 8 bytes (a length, a count or a number).
    Result<std::uint64_t> Field(int bytes, std::string_view what, std::size_t start) {
        if (Left() < static_cast<std::size_t>(bytes)) return Truncated(what, start);
        std::uint64_t v = 0;
        for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<std::uint8_t>(in_[pos_++]);
        return v;
    }

    // Charges n more values against the per-message budget before anything is reserved for them.
    Status Budget(std::uint64_t n, std::size_t start) {
        if (n > kMsgpackMaxElements - elements_) {
            return Fail("msgpack: more than " + std::to_string(kMsgpackMaxElements) + " values at offset " +
                        std::to_string(start));
        }
        elements_ += static_cast<std::size_t>(n);
        return {};
    }

    Result<json::value> Value(int depth) {
        const std::size_t start = pos_;
        if (Left() == 0) return Truncated("value", start);
        // Containers charge their items up front; only the top-level value is charged here.
        if (depth == 0) {
            if (auto ok = Budget(1, start); !ok) return std::unexpected(std::move(ok.error()));
        }
        const std::uint8_t b = Peek();
        ++pos_;
        if (b <= 0x7f) return json::value(static_cast<std::int64_t>(b));
        if (b >= 0xe0) return json::value(static_cast<std::int64_t>(static_cast<std::int8_t>(b)));
        if ((b & 0xf0) == 0x80) return Map(b & 0x0f, start, depth);
        if ((b & 0xf0) == 0x90) return Array(b & 0x0f, start, depth);
        if ((b & 0xe0) == 0xa0) return Bytes(b & 0x1f, "str", start);
        switch (b) {
            case 0xc0:
                return json::value(nullptr);
            case 0xc1:
                return Fail("msgpack: reserved byte 0xc1 at offset " + std::to_string(start));
            case 0xc2:
                return json::value(false);
            case 0xc3:
                return json::value(true);
            case 0xc4:
            case 0xc5:
            case 0xc6: {
                auto n = Field(1 << (b - 0xc4), "bin", start);
                if (!n) return std::unexpected(std::move(n.error()));
                return Bytes(*n, "bin", start);
            }
            case 0xc7:
            case 0xc8:
            case 0xc9: {
                auto n = Field(1 << (b - 0xc7), "ext", start);
                if (!n) return std::unexpected(std::move(n.error()));
                return Ext(*n, start);
            }
            case 0xca: {
                auto bits = Field(4, "float32", start);
                if (!bits) return std::unexpected(std::move(bits.error()));
                return json::value(static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(*bits))));
            }
            case 0xcb: {
                auto bits = Field(8, "float64", start);
                if (!bits) return std::unexpected(std::move(bits.error()));
                return json::value(std::bit_cast<double>(*bits));
            }
            case 0xcc:
            case 0xcd:
            case 0xce:
            case 0xcf: {
                auto v = Field(1 << (b - 0xcc), "uint", start);
                if (!v) return std::unexpected(std::move(v.error()));
                // int64 whenever it fits, so that 10 reads back the same whether sent as fixint or uint64.
                if (*v <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
                    return json::value(static_cast<std::int64_t>(*v));
                }
                return json::value(*v);
            }
            case 0xd0:
            case 0xd1:
            case 0xd2:
            case 0xd3: {
                const int bytes = 1 << (b - 0xd0);
                auto v = Field(bytes, "int", start);
                if (!v) return std::unexpected(std::move(v.error()));
                // Sign-extend from the field's width.
                const int shift = 64 - 8 * bytes;
                return json::value(static_cast<std::int64_t>(*v << shift) >> shift);
            }
            case 0xd4:
            case 0xd5:
            case 0xd6:
            case 0xd7:
            case 0xd8:
                return Ext(std::uint64_t{1} << (b - 0xd4), start);
            case 0xd9:
            case 0xda:
            case 0xdb: {
                auto n = Field(1 << (b - 0xd9), "str", start);
                if (!n) return std::unexpected(std::move(n.error()));
                return Bytes(*n, "str", start);
            }
            case 0xdc:
            case 0xdd: {
                auto n = Field(b == 0xdc ? 2 : 4, "array", start);
                if (!n) return std::unexpected(std::move(n.error()));
                return Array(*n, start, depth);
            }
            case 0xde:
            case 0xdf: {
                auto n = Field(b == 0xde ? 2 : 4, "map", start);
                if (!n) return std::unexpected(std::move(n.error()));
                return Map(*n, start, depth);
            }
            default:
                break;
        }
        // Every byte value is covered above; this only guards against a slip in the table.
        return Fail("msgpack: unknown type byte at offset " + std::to_string(start));
    }

    Result<json::value> Bytes(std::uint64_t n, std::string_view what, std::size_t start) {
        if (n > Left()) {
            return Truncated(what, start, BytesDeclared(n));
        }
        if (n > json::string::max_size()) {
            return Fail("msgpack: " + std::string(what) + " too long at offset " + std::to_string(start));
        }
        json::string s(in_.data() + pos_, static_cast<std::size_t>(n));
        pos_ += static_cast<std::size_t>(n);
        return json::value(std::move(s));
    }

    Status EnterContainer(std::uint64_t items, std::uint64_t min_bytes, std::string_view what, std::size_t start,
                          int depth) {
        if (depth >= kMsgpackMaxDepth) {
            return Fail("msgpack: nesting deeper than " + std::to_string(kMsgpackMaxDepth) + " at offset " +
                        std::to_string(start));
        }
        // Each item takes at least one byte, so a count the input cannot hold is caught before reserving.
        if (min_bytes > Left()) {
            return Truncated(what, start,
                             std::to_string(items) + " entries declared, " + std::to_string(Left()) + " bytes left");
        }
        return Budget(min_bytes, start);
    }

    Result<json::value> Array(std::uint64_t n, std::size_t start, int depth) {
        if (auto ok = EnterContainer(n, n, "array", start, depth); !ok) return std::unexpected(std::move(ok.error()));
        json::array arr;
        arr.reserve(static_cast<std::size_t>(n));
        for (std::uint64_t i = 0; i < n; ++i) {
            auto item = Value(depth + 1);
            if (!item) return item;
            arr.push_back(std::move(*item));
        }
        return json::value(std::move(arr));
    }

    Result<json::value> Map(std::uint64_t n, std::size_t start, int depth) {
        if (auto ok = EnterContainer(n, 2 * n, "map", start, depth); !ok) return std::unexpected(std::move(ok.error()));
        json::object obj;
        obj.reserve(static_cast<std::size_t>(n));
        for (std::uint64_t i = 0; i < n; ++i) {
            const std::size_t key_start = pos_;
            if (Left() == 0) return Truncated("map", start);
            const std::uint8_t kb = Peek();
            if ((kb & 0xe0) != 0xa0 && kb != 0xd9 && kb != 0xda && kb != 0xdb) {
                return Fail("msgpack: map key at offset " + std::to_string(key_start) + " is not a string");
            }
            auto key = Value(depth + 1);
            if (!key) return key;
            // Last-wins would let a client smuggle a second value past whoever read the first; reject instead.
            if (obj.contains(key->get_string())) {
                return Fail("msgpack: duplicate map key at offset " + std::to_string(key_start));
            }
            auto item = Value(depth + 1);
            if (!item) return item;
            obj.emplace(key->get_string(), std::move(*item));
        }
        return json::value(std::move(obj));
    }

    // An ext body of n bytes after its type byte; only the timestamp type (-1) is part of the protocol.
    Result<json::value> Ext(std::uint64_t n, std::size_t start) {
        auto type_byte = Field(1, "ext", start);
        if (!type_byte) return std::unexpected(std::move(type_byte.error()));
        if (n > Left()) {
            return Truncated("ext", start, BytesDeclared(n));
        }
        const auto type = static_cast<std::int8_t>(*type_byte);
        if (type != kTimestampExtType) {
            return Fail("msgpack: unsupported ext type " + std::to_string(type) + " at offset " +
                        std::to_string(start));
        }
        std::int64_t seconds = 0;
        std::uint64_t nanos = 0;
        if (n == 4) {
            seconds = static_cast<std::int64_t>(*Field(4, "timestamp", start));
        } else if (n == 8) {
            const std::uint64_t v = *Field(8, "timestamp", start);
            nanos = v >> 34;
            seconds = static_cast<std::int64_t>(v & kMax34Bits);
        } else if (n == 12) {
            nanos = *Field(4, "timestamp", start);
            seconds = static_cast<std::int64_t>(*Field(8, "timestamp", start));
        } else {
            return Fail("msgpack: timestamp of " + std::to_string(n) + " bytes at offset " + std::to_string(start) +
                        " (expected 4, 8 or 12)");
        }
        if (nanos >= static_cast<std::uint64_t>(kNanosPerSecond)) {
            return Fail("msgpack: timestamp nanoseconds " + std::to_string(nanos) + " out of range at offset " +
                        std::to_string(start));
        }
        if (seconds < kMinRfc3339Seconds || seconds > kMaxRfc3339Seconds) {
            return Fail("msgpack: timestamp " + std::to_string(seconds) + "s outside years 0000-9999 at offset " +
                        std::to_string(start));
        }
        return json::value(FormatRfc3339(seconds, static_cast<std::uint32_t>(nanos)));
    }

    std::string_view in_;
    std::size_t pos_ = 0;
    std::size_t elements_ = 0;
};

}  // namespace

void MsgpackWriter::Byte(std::uint8_t b) { out_.push_back(static_cast<char>(b)); }

void MsgpackWriter::BigEndian(std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) Byte(static_cast<std::uint8_t>(v >> (8 * i)));
}

void MsgpackWriter::LengthHeader(std::size_t n, std::uint8_t fix_base, std::size_t fix_max, std::uint8_t op8,
                                 std::uint8_t op16, std::uint8_t op32) {
    if (fix_max > 0 && n <= fix_max) {
        Byte(static_cast<std::uint8_t>(fix_base | n));
    } else if (op8 != 0 && n <= 0xff) {
        Byte(op8);
        BigEndian(n, 1);
    } else if (n <= 0xffff) {
        Byte(op16);
        BigEndian(n, 2);
    } else if (n <= 0xffff'ffff) {
        Byte(op32);
        BigEndian(n, 4);
    } else {
        throw std::length_error("msgpack: " + std::to_string(n) + " items exceed the format's 2^32-1 limit");
    }
}

void MsgpackWriter::MapHeader(std::size_t n) { LengthHeader(n, 0x80, 15, 0, 0xde, 0xdf); }

void MsgpackWriter::ArrayHeader(std::size_t n) { LengthHeader(n, 0x90, 15, 0, 0xdc, 0xdd); }

void MsgpackWriter::Str(std::string_view s) {
    LengthHeader(s.size(), 0xa0, 31, 0xd9, 0xda, 0xdb);
    out_.append(s);
}

void MsgpackWriter::Bin(std::string_view bytes) {
    LengthHeader(bytes.size(), 0, 0, 0xc4, 0xc5, 0xc6);
    out_.append(bytes);
}

void MsgpackWriter::Int(std::int64_t v) {
    if (v >= 0) {
        Uint(static_cast<std::uint64_t>(v));
    } else if (v >= -32) {
        Byte(static_cast<std::uint8_t>(v));  // negative fixint: the two's-complement byte itself
    } else if (v >= std::numeric_limits<std::int8_t>::min()) {
        Byte(0xd0);
        BigEndian(static_cast<std::uint64_t>(v), 1);
    } else if (v >= std::numeric_limits<std::int16_t>::min()) {
        Byte(0xd1);
        BigEndian(static_cast<std::uint64_t>(v), 2);
    } else if (v >= std::numeric_limits<std::int32_t>::min()) {
        Byte(0xd2);
        BigEndian(static_cast<std::uint64_t>(v), 4);
    } else {
        Byte(0xd3);
        BigEndian(static_cast<std::uint64_t>(v), 8);
    }
}

void MsgpackWriter::Uint(std::uint64_t v) {
    if (v <= 0x7f) {
        Byte(static_cast<std::uint8_t>(v));
    } else if (v <= 0xff) {
        Byte(0xcc);
        BigEndian(v, 1);
    } else if (v <= 0xffff) {
        Byte(0xcd);
        BigEndian(v, 2);
    } else if (v <= 0xffff'ffff) {
        Byte(0xce);
        BigEndian(v, 4);
    } else {
        Byte(0xcf);
        BigEndian(v, 8);
    }
}

void MsgpackWriter::Double(double v) {
    Byte(0xcb);
    BigEndian(std::bit_cast<std::uint64_t>(v), 8);
}

void MsgpackWriter::Bool(bool v) { Byte(v ? 0xc3 : 0xc2); }

void MsgpackWriter::Nil() { Byte(0xc0); }

void MsgpackWriter::Timestamp(std::int64_t ns_since_epoch) {
    // Floor division so that the nanoseconds field is always in [0, 1e9), as the spec requires.
    std::int64_t seconds = ns_since_epoch / kNanosPerSecond;
    std::int64_t nanos = ns_since_epoch % kNanosPerSecond;
    if (nanos < 0) {
        nanos += kNanosPerSecond;
        --seconds;
    }
    const auto ext_type = static_cast<std::uint8_t>(kTimestampExtType);
    if (seconds >= 0 && static_cast<std::uint64_t>(seconds) <= kMax34Bits) {
        if (nanos == 0 && static_cast<std::uint64_t>(seconds) <= 0xffff'ffff) {
            Byte(0xd6);  // timestamp 32: fixext 4
            Byte(ext_type);
            BigEndian(static_cast<std::uint64_t>(seconds), 4);
        } else {
            Byte(0xd7);  // timestamp 64: fixext 8, nanoseconds in the upper 30 bits, seconds in the lower 34
            Byte(ext_type);
            BigEndian((static_cast<std::uint64_t>(nanos) << 34) | static_cast<std::uint64_t>(seconds), 8);
        }
    } else {
        Byte(0xc7);  // timestamp 96: ext 8 of 12 bytes, unsigned 32-bit nanoseconds then signed 64-bit seconds
        Byte(12);
        Byte(ext_type);
        BigEndian(static_cast<std::uint64_t>(nanos), 4);
        BigEndian(static_cast<std::uint64_t>(seconds), 8);
    }
}

void MsgpackWriter::Value(const json::value& v) { EncodeValue(*this, v); }

std::string MsgpackWriter::Take() {
    std::string out = std::move(out_);
    out_.clear();  // a moved-from string is valid but unspecified; make "empty" a promise
    return out;
}

std::string EncodeMsgpack(const json::value& v) {
    MsgpackWriter w;
    EncodeValue(w, v);
    return w.Take();
}

Result<json::value> DecodeMsgpack(std::string_view bytes) { return Decoder(bytes).Document(); }

}  // namespace ik::gateway
