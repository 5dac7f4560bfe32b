#pragma once
// A small MessagePack codec (https://github.com/msgpack/msgpack/blob/master/spec.md) for the WebSocket
// market-data stream: Alpaca's data stream protocol speaks msgpack by default (alpaca-py asks for it), so the
// gateway writes trades, quotes and bars with MsgpackWriter and reads client actions with DecodeMsgpack.
// Decoding goes to boost::json::value so that the stream handlers see one shape whether the client chose JSON
// or msgpack. The decoder treats its input as hostile: every length is checked against the bytes left before
// anything is reserved, nesting is capped at kMsgpackMaxDepth and the value count at kMsgpackMaxElements.
// Thread safety: a MsgpackWriter is a plain value, used by one thread at a time; the free functions keep no
// shared state and may be called from any thread.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "common/error.hpp"

namespace ik::gateway {

// Containers nested deeper than this are rejected; it also bounds the decoder's recursion.
inline constexpr int kMsgpackMaxDepth = 64;
// Values (scalars, containers, map keys) in one decoded message; a bound on memory per message.
inline constexpr std::size_t kMsgpackMaxElements = 1'000'000;

// Appends msgpack to a string, always in the smallest encoding the spec allows for the value. The caller is
// responsible for the structure: after MapHeader(n) come n key/value pairs, after ArrayHeader(n) n values.
// Counts and lengths above 2^32-1 cannot be encoded and are a broken invariant (std::length_error).
class MsgpackWriter final {
public:
    void MapHeader(std::size_t n);
    void ArrayHeader(std::size_t n);
    void Str(std::string_view s);
    void Bin(std::string_view bytes);
    // Signed integers: positive/negative fixint, uint8..uint64 for v >= 0, int8..int64 for v < 0.
    void Int(std::int64_t v);
    void Uint(std::uint64_t v);
    // Always float64, so prices never lose precision to float32.
    void Double(double v);
    void Bool(bool v);
    void Nil();
    // Any JSON value, in the mapping EncodeMsgpack uses.
    void Value(const boost::json::value& v);
    // The timestamp extension type (-1): timestamp 32 for whole seconds in [0, 2^32), timestamp 64 for
    // seconds in [0, 2^34), timestamp 96 for times before 1970 (int64 nanoseconds end in 2262, well before
    // 2^34 seconds, so later times never need it).
    void Timestamp(std::int64_t ns_since_epoch);

    const std::string& data() const { return out_; }
    // Hands over the bytes written so far and leaves the writer empty, ready for the next message.
    std::string Take();

private:
    void Byte(std::uint8_t b);
    void BigEndian(std::uint64_t v, int bytes);
    // The header of a str/bin/array/map of n items: the fix form when n <= fix_max (fix_base | n), else the
    // 8/16/32-bit length form; an opcode of 0 means the type has no such form (no bin fix form, no map8).
    void LengthHeader(std::size_t n, std::uint8_t fix_base, std::size_t fix_max, std::uint8_t op8,
                      std::uint8_t op16, std::uint8_t op32);

    std::string out_;
};

// object -> map (string keys), array -> array, string -> str, int64/uint64 -> int, double -> float64,
// bool -> bool, null -> nil.
std::string EncodeMsgpack(const boost::json::value& v);

// Decodes exactly one msgpack value; bytes after it are an error. str and bin become strings (bytes as-is),
// timestamps (ext -1) become RFC 3339 UTC strings with trailing zeros of the fraction trimmed
// ("2026-11-25T01:02:03.123456789Z", "2026-11-25T01:02:03Z"), float32/float64 become double, integers become
// int64 unless above INT64_MAX (then uint64). Errors (kInvalidArgument, "msgpack: ..." with the byte offset):
// truncated input, trailing bytes, the reserved byte 0xc1, non-string or duplicate map keys, ext types other
// than timestamps, timestamps outside years 0000-9999, and the depth and element limits above.
Result<boost::json::value> DecodeMsgpack(std::string_view bytes);

}  // namespace ik::gateway
