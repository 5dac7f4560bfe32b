#pragma once
// The event bus the roles talk over: topics split into partitions, each an append-only log of keyed
// messages. Producers append (a message's partition follows from its key, Kafka's murmur2 partitioner, so
// every producer agrees); consumers read in groups, each partition owned by one member of a group at a time,
// and say themselves how far they got (manual offsets: a role commits its offset only once what it did with
// the messages is durable, or keeps offsets in its own database and starts from them on assignment).
//
// Implementations: inproc/ (in memory, for one process and for tests) and kafka/ (librdkafka against a Kafka
// broker). Both pass the same contract test suite (bus_contract_test.hpp).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "common/time.hpp"

namespace ik::bus {

struct TopicPartition {
    std::string topic;
    std::int32_t partition = 0;
    friend bool operator==(const TopicPartition&, const TopicPartition&) = default;
    friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
};

// A position in a partition: `offset` is the next message to read (as Kafka commits it).
struct TopicPartitionOffset {
    TopicPartition tp;
    std::int64_t offset = 0;
    friend bool operator==(const TopicPartitionOffset&, const TopicPartitionOffset&) = default;
};

struct Message {
    TopicPartition tp;
    std::int64_t offset = 0;
    std::string key;
    std::string value;
    Timestamp timestamp = 0;  // when the bus accepted it
};

struct TopicSpec {
    std::string name;
    std::int32_t partitions = 1;
    bool compacted = false;  // keep the latest message per key (the stock master)
};

// Where a message landed, once the bus has it durably (Kafka: acks=all from the in-sync replicas).
struct Delivery {
    TopicPartition tp;
    std::int64_t offset = 0;
};

// Kafka's default partitioner (murmur2 of the key, made positive, modulo the partition count); librdkafka's
// `murmur2_random` and the Java client compute the same.
std::int32_t PartitionFor(std::string_view key, std::int32_t partitions);
// The offsets to commit once `read` is handled: per partition, one past the last message read.
std::vector<TopicPartitionOffset> NextOffsets(std::span<const Message> read);
std::uint32_t Murmur2(std::string_view data);

class Producer {
public:
    virtual ~Producer() = default;
    // Appends and waits until the message is durable, or fails (unknown topic, broker unreachable past the
    // delivery timeout). Messages with the same key from one producer keep their order.
    virtual Result<Delivery> Send(std::string_view topic, std::string_view key, std::string_view value) = 0;
    // Appends without waiting; `done` runs once the message is durable or has failed, on a thread of the
    // producer or inside Flush() (never inside SendAsync). Order per key is kept, retries included (idempotent
    // producer).
    virtual void SendAsync(std::string_view topic, std::string_view key, std::string_view value,
                           std::function<void(Result<Delivery>)> done) = 0;
    // Waits until every message sent so far is durable or failed; kUnavailable when the time ran out first.
    virtual Status Flush(std::chrono::milliseconds timeout) = 0;
    // An error once the producer cannot send any more (Kafka: a fatal error of the idempotent producer, whose
    // guarantees are then gone); the owner should stop, or make a new producer.
    virtual Status Health() = 0;
};

struct ConsumerOptions {
    std::string group;                // consumers of one group share the partitions; groups are independent
    std::vector<std::string> topics;  // subscribed topics (all of their partitions)
    // Where a partition starts when the group has no committed offset for it and on_assigned says nothing.
    enum class Start : std::uint8_t { kEarliest, kLatest } start = Start::kEarliest;
    // Called inside Poll() when partitions become this member's: it may return starting offsets for some of
    // them (a role that keeps its offsets in its own database); the others start at the group's committed
    // offset, or at `start`.
    std::function<std::vector<TopicPartitionOffset>(std::span<const TopicPartition>)> on_assigned;
    // Called inside Poll() (or Close()) when partitions stop being this member's, before another member may
    // read them: the place to finish and commit what was read from them.
    std::function<void(std::span<const TopicPartition>)> on_revoked;
};

class Consumer {
public:
    virtual ~Consumer() = default;
    // Up to `max` messages from the assigned partitions, waiting up to `timeout` for the first; in offset
    // order per partition. Rebalances (and their callbacks) happen inside Poll().
    virtual Result<std::vector<Message>> Poll(std::chrono::milliseconds timeout, std::size_t max = 500) = 0;
    // Stores, for the group, the next offsets to read; returns once the bus has them durably.
    virtual Status Commit(std::span<const TopicPartitionOffset> next) = 0;
    // The group's committed offset of a partition (nullopt when none).
    virtual Result<std::optional<std::int64_t>> Committed(const TopicPartition& tp) = 0;
    // The partitions this member owns now.
    virtual std::vector<TopicPartition> Assignment() = 0;
    // Leaves the group (on_revoked runs first); the other members take the partitions over.
    virtual void Close() = 0;
};

class Bus {
public:
    virtual ~Bus() = default;
    // Creates a topic; kAlreadyExists if one of that name exists (whatever its settings).
    virtual Status CreateTopic(const TopicSpec& spec) = 0;
    // The partition count of a topic; kNotFound for an unknown topic.
    virtual Result<std::int32_t> Partitions(std::string_view topic) = 0;
    // The offset the next message appended to a partition will get (Kafka's high watermark): where a reader that
    // wants everything from now on starts, decided now rather than whenever its first fetch happens.
    virtual Result<std::int64_t> EndOffset(const TopicPartition& tp) = 0;
    virtual Result<std::unique_ptr<Producer>> NewProducer() = 0;
    virtual Result<std::unique_ptr<Consumer>> NewConsumer(ConsumerOptions options) = 0;
};

}  // namespace ik::bus
