#include "bus/bus.hpp"

namespace ik::bus {

// Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), byte for byte: 32-bit arithmetic that wraps.
std::uint32_t Murmur2(std::string_view data) {
    constexpr std::uint32_t kSeed = 0x9747b28c;
    constexpr std::uint32_t kM = 0x5bd1e995;
    constexpr int kR = 24;
    const auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])); };
    const std::size_t length = data.size();
    std::uint32_t h = kSeed ^ static_cast<std::uint32_t>(length);
    const std::size_t whole = length / 4;
    for (std::size_t i = 0; i < whole; ++i) {
        const std::size_t i4 = i * 4;
        std::uint32_t k = byte(i4) | (byte(i4 + 1) << 8) | (byte(i4 + 2) << 16) | (byte(i4 + 3) << 24);
        k *= kM;
        k ^= k >> kR;
        k *= kM;
        h *= kM;
        h ^= k;
    }
    const std::size_t tail = length & ~std::size_t{3};
    switch (length % 4) {
        case 3:
            h ^= byte(tail + 2) << 16;
            [[fallthrough]];
        case 2:
            h ^= byte(tail + 1) << 8;
            [[fallthrough]];
        case 1:
            h ^= byte(tail);
            h *= kM;
            break;
        default:
            break;
    }
    h ^= h >> 13;
    h *= kM;
    h ^= h >> 15;
    return h;
}

std::int32_t PartitionFor(std::string_view key, std::int32_t partitions) {
    if (partitions <= 0) return 0;
    return static_cast<std::int32_t>((Murmur2(key) & 0x7fffffffU) % static_cast<std::uint32_t>(partitions));
}

}  // namespace ik::bus
