#pragma once
// What the gateway needs from the trading side, whatever runs it: the embedded pipeline in `serve`, or
// the Kafka round trip in the distributed gateway. Implementations are thread-safe; completions may run on any
// thread and only after the command's effects are durable.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "market/session.hpp"
#include "market/tick.hpp"
#include "trading/types.hpp"

namespace ik::gateway {

// Who a request or stream acts for. The account id is the user id.
struct Principal {
    std::int64_t user_id = 0;
    std::string role;  // "user" | "admin"
    bool via_api_key = false;  // authenticated with APCA key headers rather than a signed-in session
};

class TradingBackend {
public:
    using Done = std::function<void(const trading::CommandResult& result, const std::vector<trading::Event>& events)>;

    virtual ~TradingBackend() = default;
    // Applies a command; `done` gets its result and its own events once they are durable.
    virtual void Submit(trading::Command command, Done done) = 0;
    virtual market::SessionState session() const = 0;
};

}  // namespace ik::gateway
