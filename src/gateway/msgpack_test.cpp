// The msgpack codec: exact bytes at every encoding boundary, round trips through boost::json, the timestamp
// extension, and a decoder that rejects hostile or broken input with an error instead of crashing.
#include "gateway/msgpack.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <boost/json.hpp>

namespace ik::gateway {
namespace {

namespace json = boost::json;

// "cd 01 00": the bytes as space-separated lower-case hex, so that failures show readable diffs.
std::string Hex(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        if (!out.empty()) out += ' ';
        out += kDigits[c >> 4];
        out += kDigits[c & 0x0f];
    }
    return out;
}

// The inverse of Hex, for writing hand-made inputs.
std::string Bytes(std::string_view hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size();) {
        if (hex[i] == ' ') {
            ++i;
            continue;
        }
        out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
        i += 2;
    }
    return out;
}

std::string EncodeInt(std::int64_t v) {
    MsgpackWriter w;
    w.Int(v);
    return Hex(w.data());
}

std::string EncodeTimestamp(std::int64_t ns) {
    MsgpackWriter w;
    w.Timestamp(ns);
    return Hex(w.data());
}

std::string DecodeError(std::string_view bytes) {
    auto v = DecodeMsgpack(bytes);
    if (v) return "decoded " + json::serialize(*v);
    EXPECT_EQ(v.error().code, ErrorCode::kInvalidArgument);
    return v.error().message;
}

// Nested arrays, depth levels deep, with a 1 in the innermost one.
std::string NestedArrays(int depth) {
    MsgpackWriter w;
    for (int i = 0; i < depth; ++i) w.ArrayHeader(1);
    w.Int(1);
    return w.Take();
}

constexpr std::int64_t kSecond = 1'000'000'000;
// 2026-11-25T01:02:03.123456789Z
constexpr std::int64_t kTradeTime = 1'795'568'523 * kSecond + 123'456'789;

TEST(MsgpackTest, EncodesIntegersInSmallestForm) {
    EXPECT_EQ(EncodeInt(0), "00");
    EXPECT_EQ(EncodeInt(127), "7f");
    EXPECT_EQ(EncodeInt(128), "cc 80");
    EXPECT_EQ(EncodeInt(255), "cc ff");
    EXPECT_EQ(EncodeInt(256), "cd 01 00");
    EXPECT_EQ(EncodeInt(65535), "cd ff ff");
    EXPECT_EQ(EncodeInt(65536), "ce 00 01 00 00");
    EXPECT_EQ(EncodeInt(4294967295), "ce ff ff ff ff");
    EXPECT_EQ(EncodeInt(4294967296), "cf 00 00 00 01 00 00 00 00");
    EXPECT_EQ(EncodeInt(std::numeric_limits<std::int64_t>::max()), "cf 7f ff ff ff ff ff ff ff");
    EXPECT_EQ(EncodeInt(-1), "ff");
    EXPECT_EQ(EncodeInt(-32), "e0");
    EXPECT_EQ(EncodeInt(-33), "d0 df");
    EXPECT_EQ(EncodeInt(-128), "d0 80");
    EXPECT_EQ(EncodeInt(-129), "d1 ff 7f");
    EXPECT_EQ(EncodeInt(-32768), "d1 80 00");
    EXPECT_EQ(EncodeInt(-32769), "d2 ff ff 7f ff");
    EXPECT_EQ(EncodeInt(std::numeric_limits<std::int32_t>::min()), "d2 80 00 00 00");
    EXPECT_EQ(EncodeInt(std::int64_t{std::numeric_limits<std::int32_t>::min()} - 1), "d3 ff ff ff ff 7f ff ff ff");
    EXPECT_EQ(EncodeInt(std::numeric_limits<std::int64_t>::min()), "d3 80 00 00 00 00 00 00 00");
}

TEST(MsgpackTest, EncodesUnsignedIntegersInSmallestForm) {
    MsgpackWriter w;
    w.Uint(127);
    w.Uint(128);
    w.Uint(std::numeric_limits<std::uint64_t>::max());
    EXPECT_EQ(Hex(w.data()), "7f cc 80 cf ff ff ff ff ff ff ff ff");
}

TEST(MsgpackTest, DecodesIntegersBackToTheSameValues) {
    for (std::int64_t v : {std::int64_t{0}, std::int64_t{127}, std::int64_t{128}, std::int64_t{255}, std::int64_t{256},
                           std::int64_t{65535}, std::int64_t{65536}, std::int64_t{4294967295},
                           std::int64_t{4294967296}, std::int64_t{-1}, std::int64_t{-32}, std::int64_t{-33},
                           std::int64_t{-128}, std::int64_t{-129}, std::int64_t{-32768}, std::int64_t{-32769},
                           std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()}) {
        MsgpackWriter w;
        w.Int(v);
        auto decoded = DecodeMsgpack(w.data());
        ASSERT_TRUE(decoded) << v << ": " << decoded.error().message;
        ASSERT_TRUE(decoded->is_int64()) << v;
        EXPECT_EQ(decoded->get_int64(), v);
    }
}

TEST(MsgpackTest, DecodesUint64AboveInt64MaxAsUint64) {
    auto big = DecodeMsgpack(Bytes("cf ff ff ff ff ff ff ff ff"));
    ASSERT_TRUE(big);
    ASSERT_TRUE(big->is_uint64());
    EXPECT_EQ(big->get_uint64(), std::numeric_limits<std::uint64_t>::max());

    auto fits = DecodeMsgpack(Bytes("cf 7f ff ff ff ff ff ff ff"));
    ASSERT_TRUE(fits);
    ASSERT_TRUE(fits->is_int64());
    EXPECT_EQ(fits->get_int64(), std::numeric_limits<std::int64_t>::max());
}

TEST(MsgpackTest, EncodesStringsWithTheShortestLengthHeader) {
    struct Case {
        std::size_t length;
        std::string header;
    };
    for (const auto& [length, header] : std::vector<Case>{{0, "a0"},
                                                          {31, "bf"},
                                                          {32, "d9 20"},
                                                          {255, "d9 ff"},
                                                          {256, "da 01 00"},
                                                          {65535, "da ff ff"},
                                                          {65536, "db 00 01 00 00"}}) {
        const std::string s(length, 'x');
        MsgpackWriter w;
        w.Str(s);
        const std::size_t header_bytes = (header.size() + 1) / 3;
        ASSERT_EQ(w.data().size(), header_bytes + length) << length;
        EXPECT_EQ(Hex(w.data().substr(0, header_bytes)), header) << length;
        EXPECT_EQ(w.data().substr(header_bytes), s) << length;

        auto decoded = DecodeMsgpack(w.data());
        ASSERT_TRUE(decoded) << length << ": " << decoded.error().message;
        EXPECT_EQ(decoded->as_string(), s) << length;
    }
}

TEST(MsgpackTest, EncodesBinaryWithBinHeadersAndDecodesItToAString) {
    MsgpackWriter w;
    w.Bin(std::string("\x00\xff", 2));
    EXPECT_EQ(Hex(w.data()), "c4 02 00 ff");
    auto decoded = DecodeMsgpack(w.data());
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->as_string(), json::string_view("\x00\xff", 2));

    MsgpackWriter medium;
    medium.Bin(std::string(256, 'b'));
    EXPECT_EQ(Hex(medium.data().substr(0, 3)), "c5 01 00");
    MsgpackWriter large;
    large.Bin(std::string(65536, 'b'));
    EXPECT_EQ(Hex(large.data().substr(0, 5)), "c6 00 01 00 00");
}

TEST(MsgpackTest, EncodesArraysAndMapsWithTheShortestHeader) {
    struct Case {
        std::size_t count;
        std::string array_header;
        std::string map_header;
    };
    const std::vector<Case> cases = {{0, "90", "80"},
                                     {15, "9f", "8f"},
                                     {16, "dc 00 10", "de 00 10"},
                                     {65535, "dc ff ff", "de ff ff"},
                                     {65536, "dd 00 01 00 00", "df 00 01 00 00"}};
    for (const auto& [count, array_header, map_header] : cases) {
        json::array arr;
        json::object obj;
        for (std::size_t i = 0; i < count; ++i) {
            arr.emplace_back(static_cast<std::int64_t>(i));
            obj["k" + std::to_string(i)] = i % 2 == 0;
        }
        const std::string arr_bytes = EncodeMsgpack(arr);
        const std::string obj_bytes = EncodeMsgpack(obj);
        EXPECT_EQ(Hex(arr_bytes.substr(0, (array_header.size() + 1) / 3)), array_header) << count;
        EXPECT_EQ(Hex(obj_bytes.substr(0, (map_header.size() + 1) / 3)), map_header) << count;

        auto arr_back = DecodeMsgpack(arr_bytes);
        ASSERT_TRUE(arr_back) << count << ": " << arr_back.error().message;
        EXPECT_EQ(*arr_back, json::value(arr)) << count;
        auto obj_back = DecodeMsgpack(obj_bytes);
        ASSERT_TRUE(obj_back) << count << ": " << obj_back.error().message;
        EXPECT_EQ(*obj_back, json::value(obj)) << count;
    }
}

TEST(MsgpackTest, EncodesDoublesAsFloat64AndScalarsAsSingleBytes) {
    MsgpackWriter w;
    w.Double(1.5);
    w.Double(-0.0);
    w.Bool(true);
    w.Bool(false);
    w.Nil();
    EXPECT_EQ(Hex(w.data()), "cb 3f f8 00 00 00 00 00 00 cb 80 00 00 00 00 00 00 00 c3 c2 c0");

    auto d = DecodeMsgpack(Bytes("cb 3f f8 00 00 00 00 00 00"));
    ASSERT_TRUE(d);
    ASSERT_TRUE(d->is_double());
    EXPECT_EQ(d->get_double(), 1.5);
}

TEST(MsgpackTest, DecodesFloat32ToDouble) {
    auto d = DecodeMsgpack(Bytes("ca 3f c0 00 00"));
    ASSERT_TRUE(d);
    ASSERT_TRUE(d->is_double());
    EXPECT_EQ(d->get_double(), 1.5);
}

TEST(MsgpackTest, TakeHandsOverTheBytesAndLeavesTheWriterEmpty) {
    MsgpackWriter w;
    w.Nil();
    EXPECT_EQ(w.Take(), "\xc0");
    EXPECT_TRUE(w.data().empty());
    w.Bool(true);
    EXPECT_EQ(Hex(w.data()), "c3");
}

TEST(MsgpackTest, EncodesTimestampsIn32BitsForWholeSecondsThatFit) {
    EXPECT_EQ(EncodeTimestamp(0), "d6 ff 00 00 00 00");
    EXPECT_EQ(EncodeTimestamp(1 * kSecond), "d6 ff 00 00 00 01");
    EXPECT_EQ(EncodeTimestamp(4294967295 * kSecond), "d6 ff ff ff ff ff");
}

TEST(MsgpackTest, EncodesTimestampsIn64BitsWithNanosecondsOrSecondsBeyond32Bits) {
    EXPECT_EQ(EncodeTimestamp(1 * kSecond + 1), "d7 ff 00 00 00 04 00 00 00 01");
    EXPECT_EQ(EncodeTimestamp(4294967296 * kSecond), "d7 ff 00 00 00 01 00 00 00 00");
    EXPECT_EQ(EncodeTimestamp(999'999'999), "d7 ff ee 6b 27 fc 00 00 00 00");
    EXPECT_EQ(EncodeTimestamp(kTradeTime), "d7 ff 1d 6f 34 54 6b 06 33 8b");
}

TEST(MsgpackTest, EncodesTimestampsIn96BitsBefore1970) {
    // -1 ns is one nanosecond before the epoch: seconds -1, nanoseconds 999999999.
    EXPECT_EQ(EncodeTimestamp(-1), "c7 0c ff 3b 9a c9 ff ff ff ff ff ff ff ff ff");
    EXPECT_EQ(EncodeTimestamp(-kSecond), "c7 0c ff 00 00 00 00 ff ff ff ff ff ff ff ff");
    EXPECT_EQ(EncodeTimestamp(std::numeric_limits<std::int64_t>::min()),
              "c7 0c ff 08 a7 f2 00 ff ff ff fd da 3e 82 fb");
}

TEST(MsgpackTest, DecodesTimestampsToRfc3339WithTrimmedNanoseconds) {
    struct Case {
        std::int64_t ns;
        std::string text;
    };
    for (const auto& [ns, text] : std::vector<Case>{
             {0, "1970-01-01T00:00:00Z"},
             {kTradeTime, "2026-11-25T01:02:03.123456789Z"},
             {kTradeTime - 123'456'789, "2026-11-25T01:02:03Z"},
             {kTradeTime - 123'456'789 + 500'000'000, "2026-11-25T01:02:03.5Z"},
             {kTradeTime - 123'456'789 + 120'000, "2026-11-25T01:02:03.00012Z"},
             {4294967296 * kSecond, "2106-02-07T06:28:16Z"},
             {-1, "1969-12-31T23:59:59.999999999Z"},
             {-86'400 * kSecond, "1969-12-31T00:00:00Z"},
             {std::numeric_limits<std::int64_t>::min(), "1677-09-21T00:12:43.145224192Z"},
             {std::numeric_limits<std::int64_t>::max(), "2262-04-11T23:47:16.854775807Z"},
         }) {
        MsgpackWriter w;
        w.Timestamp(ns);
        auto decoded = DecodeMsgpack(w.data());
        ASSERT_TRUE(decoded) << ns << ": " << decoded.error().message;
        EXPECT_EQ(decoded->as_string(), text) << ns;
    }
}

TEST(MsgpackTest, DecodesTimestamp96AtTheEdgesOfFourDigitYears) {
    // 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z are the RFC 3339 extremes.
    auto first = DecodeMsgpack(Bytes("c7 0c ff 00 00 00 00 ff ff ff f1 86 8b 84 00"));
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_EQ(first->as_string(), "0000-01-01T00:00:00Z");
    auto last = DecodeMsgpack(Bytes("c7 0c ff 3b 9a c9 ff 00 00 00 3a ff f4 41 7f"));
    ASSERT_TRUE(last) << last.error().message;
    EXPECT_EQ(last->as_string(), "9999-12-31T23:59:59.999999999Z");

    EXPECT_EQ(DecodeError(Bytes("c7 0c ff 00 00 00 00 00 00 00 3a ff f4 41 80")),
              "msgpack: timestamp 253402300800s outside years 0000-9999 at offset 0");
    EXPECT_EQ(DecodeError(Bytes("c7 0c ff 00 00 00 00 ff ff ff f1 86 8b 83 ff")),
              "msgpack: timestamp -62167219201s outside years 0000-9999 at offset 0");
}

TEST(MsgpackTest, RejectsMalformedTimestamps) {
    EXPECT_EQ(DecodeError(Bytes("c7 0c ff 3b 9a ca 00 00 00 00 00 00 00 00 00")),
              "msgpack: timestamp nanoseconds 1000000000 out of range at offset 0");
    EXPECT_EQ(DecodeError(Bytes("d5 ff 00 01")), "msgpack: timestamp of 2 bytes at offset 0 (expected 4, 8 or 12)");
}

TEST(MsgpackTest, RoundTripsANestedJsonDocument) {
    const json::value doc = json::parse(R"({
        "action": "subscribe",
        "trades": ["005930", "000660"],
        "quotes": [],
        "bars": ["*"],
        "limits": {"max": 18446744073709551615, "min": -9223372036854775808, "zero": 0, "ratio": 0.125},
        "flags": [true, false, null],
        "nested": {"a": {"b": {"c": [1, [2, [3, {"d": "e"}]]]}}},
        "unicode": "삼성전자",
        "empty": {}
    })");
    const std::string bytes = EncodeMsgpack(doc);
    auto back = DecodeMsgpack(bytes);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, doc);
    EXPECT_TRUE(back->at("limits").at("max").is_uint64());
    EXPECT_TRUE(back->at("limits").at("ratio").is_double());
    // Encoding is deterministic: the decoded document encodes to the same bytes.
    EXPECT_EQ(Hex(EncodeMsgpack(*back)), Hex(bytes));
}

TEST(MsgpackTest, DecodesAnAlpacaTradeMessageWithATimestamp) {
    MsgpackWriter w;
    w.ArrayHeader(1);
    w.MapHeader(5);
    w.Str("T");
    w.Str("t");
    w.Str("S");
    w.Str("005930");
    w.Str("p");
    w.Int(75000);
    w.Str("s");
    w.Int(10);
    w.Str("t");
    w.Timestamp(kTradeTime);

    auto decoded = DecodeMsgpack(w.data());
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(*decoded,
              json::parse(R"([{"T":"t","S":"005930","p":75000,"s":10,"t":"2026-11-25T01:02:03.123456789Z"}])"));

    // The same message with the time as a string survives EncodeMsgpack -> DecodeMsgpack unchanged.
    EXPECT_EQ(DecodeMsgpack(EncodeMsgpack(*decoded)).value(), *decoded);
}

TEST(MsgpackTest, RejectsEmptyInput) { EXPECT_EQ(DecodeError(""), "msgpack: empty input"); }

TEST(MsgpackTest, RejectsEveryTruncatedPrefixOfAValidMessage) {
    MsgpackWriter w;
    w.ArrayHeader(2);
    w.MapHeader(6);
    w.Str("T");
    w.Str("q");
    w.Str("S");
    w.Str(std::string(40, 'S'));
    w.Str("bp");
    w.Double(74900.5);
    w.Str("bs");
    w.Int(-70000);
    w.Str("t");
    w.Timestamp(kTradeTime);
    w.Str("raw");
    w.Bin(std::string(300, '\x01'));
    w.Int(std::numeric_limits<std::int64_t>::min());
    const std::string message = w.Take();
    ASSERT_TRUE(DecodeMsgpack(message));
    for (std::size_t n = 0; n < message.size(); ++n) {
        auto v = DecodeMsgpack(std::string_view(message).substr(0, n));
        ASSERT_FALSE(v) << "prefix of " << n << " bytes decoded";
        EXPECT_EQ(v.error().code, ErrorCode::kInvalidArgument);
        EXPECT_TRUE(v.error().message.starts_with("msgpack: ")) << v.error().message;
    }
}

TEST(MsgpackTest, NamesWhatWasTruncatedAndWhere) {
    EXPECT_EQ(DecodeError(Bytes("92 01")), "msgpack: truncated array at offset 0 (2 entries declared, 1 bytes left)");
    EXPECT_EQ(DecodeError(Bytes("92 92 01 01")), "msgpack: truncated value at offset 4");
    EXPECT_EQ(DecodeError(Bytes("92 01 cd 01")), "msgpack: truncated uint at offset 2");
    EXPECT_EQ(DecodeError(Bytes("a3 61 62")), "msgpack: truncated str at offset 0 (3 bytes declared, 2 left)");
}

TEST(MsgpackTest, RejectsTrailingBytes) {
    EXPECT_EQ(DecodeError(Bytes("c0 c0")), "msgpack: 1 trailing bytes at offset 1");
    EXPECT_EQ(DecodeError(Bytes("91 01 02 03")), "msgpack: 2 trailing bytes at offset 2");
}

TEST(MsgpackTest, RejectsMapKeysThatAreNotStrings) {
    EXPECT_EQ(DecodeError(Bytes("81 01 02")), "msgpack: map key at offset 1 is not a string");
    // bin is turned into a string elsewhere, but a key must be a real str.
    EXPECT_EQ(DecodeError(Bytes("81 c4 01 61 02")), "msgpack: map key at offset 1 is not a string");
}

TEST(MsgpackTest, RejectsDuplicateMapKeys) {
    EXPECT_EQ(DecodeError(Bytes("82 a1 61 01 a1 61 02")), "msgpack: duplicate map key at offset 4");
}

TEST(MsgpackTest, AcceptsNestingOf64AndRejects65) {
    auto deep = DecodeMsgpack(NestedArrays(64));
    ASSERT_TRUE(deep) << deep.error().message;
    EXPECT_EQ(DecodeError(NestedArrays(65)), "msgpack: nesting deeper than 64 at offset 64");

    MsgpackWriter maps;
    for (int i = 0; i < 65; ++i) {
        maps.MapHeader(1);
        maps.Str("k");
    }
    maps.Nil();
    EXPECT_EQ(DecodeError(maps.data()), "msgpack: nesting deeper than 64 at offset 192");
}

TEST(MsgpackTest, RejectsHugeDeclaredLengthsQuicklyWithoutAllocating) {
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(DecodeError(Bytes("db ff ff ff ff 61 62 63")),
              "msgpack: truncated str at offset 0 (4294967295 bytes declared, 3 left)");
    EXPECT_EQ(DecodeError(Bytes("c6 ff ff ff ff 61 62 63")),
              "msgpack: truncated bin at offset 0 (4294967295 bytes declared, 3 left)");
    EXPECT_EQ(DecodeError(Bytes("dd ff ff ff ff 01 02 03")),
              "msgpack: truncated array at offset 0 (4294967295 entries declared, 3 bytes left)");
    EXPECT_EQ(DecodeError(Bytes("df ff ff ff ff 01 02 03")),
              "msgpack: truncated map at offset 0 (4294967295 entries declared, 3 bytes left)");
    EXPECT_EQ(DecodeError(Bytes("c9 ff ff ff ff ff 01 02 03")),
              "msgpack: truncated ext at offset 0 (4294967295 bytes declared, 3 left)");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
}

TEST(MsgpackTest, RejectsMoreThanAMillionValues) {
    MsgpackWriter w;
    w.ArrayHeader(kMsgpackMaxElements);
    for (std::size_t i = 0; i < kMsgpackMaxElements; ++i) w.Nil();
    EXPECT_EQ(DecodeError(w.data()), "msgpack: more than 1000000 values at offset 0");

    MsgpackWriter ok;
    ok.ArrayHeader(kMsgpackMaxElements - 1);
    for (std::size_t i = 0; i + 1 < kMsgpackMaxElements; ++i) ok.Nil();
    auto decoded = DecodeMsgpack(ok.data());
    ASSERT_TRUE(decoded) << decoded.error().message;
    EXPECT_EQ(decoded->as_array().size(), kMsgpackMaxElements - 1);
}

TEST(MsgpackTest, RejectsExtTypesOtherThanTimestamps) {
    EXPECT_EQ(DecodeError(Bytes("d4 05 00")), "msgpack: unsupported ext type 5 at offset 0");
    EXPECT_EQ(DecodeError(Bytes("c7 02 80 00 00")), "msgpack: unsupported ext type -128 at offset 0");
}

TEST(MsgpackTest, RejectsTheReservedByte) {
    EXPECT_EQ(DecodeError(Bytes("c1")), "msgpack: reserved byte 0xc1 at offset 0");
    EXPECT_EQ(DecodeError(Bytes("92 01 c1")), "msgpack: reserved byte 0xc1 at offset 2");
}

TEST(MsgpackTest, SurvivesRandomBytes) {
    std::mt19937_64 rng(20261125);
    std::uniform_int_distribution<int> length(0, 64);
    std::uniform_int_distribution<int> byte(0, 255);
    std::size_t decoded = 0;
    for (int i = 0; i < 20'000; ++i) {
        std::string buf(static_cast<std::size_t>(length(rng)), '\0');
        for (char& c : buf) c = static_cast<char>(byte(rng));
        auto v = DecodeMsgpack(buf);
        if (v) {
            ++decoded;
        } else {
            EXPECT_TRUE(v.error().message.starts_with("msgpack: ")) << v.error().message;
        }
    }
    // Not a property of the codec, just a sign that the loop exercised the success path too.
    EXPECT_GT(decoded, 0u);
}

TEST(MsgpackTest, SurvivesMutationsOfAValidMessage) {
    MsgpackWriter w;
    w.ArrayHeader(2);
    w.MapHeader(4);
    w.Str("T");
    w.Str("b");
    w.Str("o");
    w.Double(75000.25);
    w.Str("v");
    w.Uint(1u << 20);
    w.Str("t");
    w.Timestamp(kTradeTime);
    w.ArrayHeader(3);
    w.Int(-1000);
    w.Bin("xyz");
    w.Timestamp(-5);
    const std::string message = w.Take();
    ASSERT_TRUE(DecodeMsgpack(message));

    std::mt19937_64 rng(7);
    std::uniform_int_distribution<std::size_t> position(0, message.size() - 1);
    std::uniform_int_distribution<int> byte(0, 255);
    for (int i = 0; i < 20'000; ++i) {
        std::string buf = message;
        for (int flips = 1 + i % 3; flips > 0; --flips) buf[position(rng)] = static_cast<char>(byte(rng));
        auto v = DecodeMsgpack(buf);
        if (!v) {
            EXPECT_TRUE(v.error().message.starts_with("msgpack: ")) << v.error().message;
        }
    }
}

}  // namespace
}  // namespace ik::gateway
