#pragma once
// The wire format of the distributed mode's order path: gateways publish OrderRequests to `orders`, the engine
// that owns the account's partition applies them and publishes OrderUpdates to `order-updates`. Both are keyed
// by OrderKey(account), so one account's requests and updates stay in order.
//
// Compact JSON with "v":1. Money, quantities, ids and timestamps are JSON integers, never floating point:
// boost::json keeps int64 and uint64 exactly, so ids above 2^53 survive (a JavaScript reader would need a
// big-integer parser for them). Enums travel as the names their modules define. The decoders treat their input
// as hostile: anything malformed, out of range or oversized is kInvalidArgument naming the field, and they never
// throw. Unknown fields are ignored, so a later version may add fields without breaking older readers.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bus/bus.hpp"
#include "bus/topics.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "trading/types.hpp"

namespace ik::bus {

// Bounds the decoders enforce. Ids are chosen by our gateways, so a short, log-safe charset is enough.
inline constexpr std::size_t kMaxCorrelationIdLength = 64;  // correlation_id and reply_to: [A-Za-z0-9._:-]
inline constexpr std::size_t kMaxOrderMessageBytes = 4 * 1024 * 1024;
inline constexpr std::size_t kMaxEventsPerUpdate = 10'000;

// A command for the engine that owns the account's partition of `orders` (key: OrderKey(AccountOf(command))).
// Every Command alternative encodes, MarketTick included; which ones travel on `orders` is the roles' choice.
struct OrderRequest {
    std::string correlation_id;  // unique per request, chosen by the gateway; never empty
    std::string reply_to;        // the gateway instance that waits for the answer; may be empty
    Timestamp sent_at = 0;       // when the gateway published it
    trading::Command command;
    // The last StockInfos offset per partition the gateway had read when it sent this: the engine applies at
    // least those ticks first, so an order meets every price its sender could have seen (an injected tick
    // the gateway answered, above all). Optional; at most kMaxTickPartitions.
    std::vector<std::pair<std::int32_t, std::int64_t>> ticks_seen;
    // A barrier instead of a command (`command` is ignored and not sent): the engine owning the partition it was
    // sent to answers it once it has applied and committed the ticks of ticks_seen and every earlier request of
    // that partition, and publishes the answer after every other update of that round, on the same partition
    // number of `order-updates` (key: PartitionKey). A gateway that has the answers of all partitions has read
    // every update those caused (an injected tick's fills, above all).
    bool barrier = false;
};
// A message key that Kafka's partitioner puts on `partition` of `partitions`.
std::string PartitionKey(std::int32_t partition, std::int32_t partitions);
inline constexpr std::size_t kMaxTickPartitions = 1'024;

// What the engine did, published to `order-updates` (key: OrderKey(account)) once the state is durable.
// For a request: correlation_id and reply_to copied from it, result set, events = the command's own events.
// For fills caused by ticks or session changes: correlation_id empty, result nullopt, events only.
//
// An event's order, position and fill are sent only when its has_* flag is set (the engine leaves them default
// otherwise), and its ledger only up to `count` entries; the decoder restores the rest as defaults.
struct OrderUpdate {
    std::string correlation_id;
    std::string reply_to;
    trading::AccountId account = 0;
    std::optional<trading::CommandResult> result;
    std::vector<trading::Event> events;
};

// The message key of both topics: the account in decimal, so Kafka's partitioner puts an account's requests and
// updates on the same partition number of each.
std::string OrderKey(trading::AccountId account);

// The account a command acts for; 0 for the commands that are not per account (SessionChange, ListSymbol,
// HaltSymbol, MarketTick).
trading::AccountId AccountOf(const trading::Command& c);

std::string EncodeOrderRequest(const OrderRequest& r);
Result<OrderRequest> DecodeOrderRequest(std::string_view json);
std::string EncodeOrderUpdate(const OrderUpdate& u);
Result<OrderUpdate> DecodeOrderUpdate(std::string_view json);

// The order-path topics as the roles create them; the partition count bounds how many engines share the work.
TopicSpec OrdersSpec(std::int32_t partitions);
TopicSpec OrderUpdatesSpec(std::int32_t partitions);

}  // namespace ik::bus
