#pragma once
// The bus in memory: one process's topics as vectors, consumer groups with committed offsets and partition
// ownership handed over the way Kafka's eager rebalance does it (a partition moves to its new owner only
// after the old owner has run on_revoked and let go of it, at its next Poll or Close). Nothing survives the
// process; the embedded server and the bus contract tests use it. A member that stops polling keeps its
// partitions (there is no session timeout), so callers Close() consumers they are done with.
#include <memory>

#include "bus/bus.hpp"

namespace ik::bus {

class InProcBus final : public Bus {
public:
    explicit InProcBus(const Clock& clock);
    ~InProcBus() override;

    Status CreateTopic(const TopicSpec& spec) override;
    Result<std::int32_t> Partitions(std::string_view topic) override;
    Result<std::int64_t> EndOffset(const TopicPartition& tp) override;
    Result<std::unique_ptr<Producer>> NewProducer() override;
    Result<std::unique_ptr<Consumer>> NewConsumer(ConsumerOptions options) override;

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace ik::bus
