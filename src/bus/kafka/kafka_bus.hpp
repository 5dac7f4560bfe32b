#pragma once
// The bus on Apache Kafka, through librdkafka. Producers are idempotent with acks=all (a Delivery means the
// in-sync replicas have the message, and retries never duplicate or reorder it) and partition with murmur2,
// as the Java clients do. Consumers join groups with automatic commits off: roles commit their offsets
// themselves, after what they did is durable. Topics are never created by accident (auto-creation is off in
// the clients; the broker should have it off too).
#include <chrono>
#include <memory>
#include <string>

#include "bus/bus.hpp"

namespace ik::bus {

struct KafkaOptions {
    std::string bootstrap;                                     // host:port[,host:port…]
    std::string client_id = "investking";
    std::int16_t replication = 1;                              // for topics this bus creates
    std::chrono::milliseconds connect_timeout{30'000};         // Connect() waits this long for the brokers
    std::chrono::milliseconds delivery_timeout{30'000};        // a message not durable by then has failed; 0: never
    std::chrono::milliseconds session_timeout{10'000};         // a silent group member loses its partitions
};

class KafkaBus final : public Bus {
public:
    // Connects, retrying until the cluster answers or `connect_timeout` passes (each attempt logged with
    // what it waits for); kUnavailable with the last error then.
    static Result<std::unique_ptr<KafkaBus>> Connect(const KafkaOptions& options, const Clock& clock);
    ~KafkaBus() override;

    Status CreateTopic(const TopicSpec& spec) override;
    Result<std::int32_t> Partitions(std::string_view topic) override;
    Result<std::int64_t> EndOffset(const TopicPartition& tp) override;
    Result<std::unique_ptr<Producer>> NewProducer() override;
    Result<std::unique_ptr<Consumer>> NewConsumer(ConsumerOptions options) override;

    struct Impl;

private:
    explicit KafkaBus(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace ik::bus
