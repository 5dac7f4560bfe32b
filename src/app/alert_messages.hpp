#pragma once
// The wire format of price alerts in the distributed mode:
//   - `alert-changes` (key: the user id): a gateway stored an alert (created, changed, re-armed or deleted); the
//     alerts role reads the alert back from the database and re-indexes it. Only ids travel: the database is
//     the truth, and a change message that is read late still ends in the current state.
//   - `notifications` (key: the user id): the alerts role stored a notification; gateways push it to the user's
//     /stream connections.
// Compact JSON with "v":1, integers for ids, money and times; the decoders treat their input as hostile (a bad
// message is kInvalidArgument naming the field, never an exception).
#include <cstdint>
#include <string>
#include <string_view>

#include "bus/bus.hpp"
#include "common/error.hpp"
#include "market/symbols.hpp"
#include "storage/store.hpp"

namespace ik::app {

inline constexpr std::string_view kAlertChangesTopic = "alert-changes";
bus::TopicSpec AlertChangesSpec();   // 3 partitions
bus::TopicSpec NotificationsSpec();  // 6 partitions

struct AlertChangeMessage {
    std::int64_t user_id = 0;
    alerts::AlertId alert_id = 0;
};
std::string EncodeAlertChange(const AlertChangeMessage& m);
Result<AlertChangeMessage> DecodeAlertChange(std::string_view json);

// The notification with its stock as a code (ids are per process).
std::string EncodeNotification(const storage::NotificationRecord& n, const market::Universe& universe);
// kNotFound when the code is not (yet) in `universe`.
Result<storage::NotificationRecord> DecodeNotification(std::string_view json, const market::Universe& universe);

}  // namespace ik::app
