#pragma once
// The price-alert evaluator (the original's alarm server), in `serve` and in the `alerts` role: one thread keeps
// the AlertIndex of every armed alert, evaluates each durable tick against it, and stores what fired — the
// notifications, the once alerts disarmed, the outbox deliveries — together with its per-stock marks in one
// transaction (AlertStore::RecordFirings). Then it hands the new notifications on (the WebSocket push) and wakes
// the delivery worker.
//
// Exactly once: a mark says up to which tick a stock was evaluated and with what state (last price, day volume,
// previous close). After a crash, Start() restores that state and evaluates the stored ticks after the mark, so a
// crossing that was durable but not yet evaluated still fires, and one already stored is not stored again (the
// store keeps one notification per alert and crossing time). A new KST date on a stock's tick starts its day:
// the volume restarts and the previous close becomes the last trade before it.
//
// Thread-safe: ticks and alert changes may be submitted from any thread; they are applied in submission order.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include "alerts/index.hpp"
#include "alerts/message.hpp"
#include "common/time.hpp"
#include "gateway/api.hpp"
#include "gateway/streams.hpp"
#include "market/symbols.hpp"
#include "storage/store.hpp"

namespace ik::app {

struct AlertEvaluatorStats {
    std::uint64_t ticks = 0;          // evaluated, replayed ones included
    std::uint64_t notifications = 0;  // stored
    std::uint64_t commits = 0;
    std::uint64_t rules = 0;  // in the index now
};

class AlertEvaluator final : public gateway::Api::AlertListener {
public:
    // Gets the notifications of each commit, on the evaluator's thread, after they are durable.
    using Published = std::function<void(const std::vector<storage::NotificationRecord>&)>;

    // `mark_interval`: how often the marks of ticks that fired nothing are stored (with every firing they are,
    // always). 0 = with every batch, which the alerts role needs (its offsets are committed after each batch);
    // `serve` replays the stored ticks after a mark, so an older mark only means a longer replay there.
    AlertEvaluator(storage::AlertStore& store, const market::Universe& universe, const Clock& clock,
                   Published published, std::chrono::milliseconds mark_interval = std::chrono::milliseconds(0));
    ~AlertEvaluator();
    AlertEvaluator(const AlertEvaluator&) = delete;
    AlertEvaluator& operator=(const AlertEvaluator&) = delete;

    // Loads the armed alerts and the marks; with `replay_stored_ticks` (serve: the ticks are in the same
    // database) evaluates the stored ticks after each mark first. Then starts the thread.
    Status Start(bool replay_stored_ticks);
    void Stop();

    // Durable ticks, in their order.
    void OnTicks(std::span<const market::Tick> ticks);
    // An alert created or changed: armed ones are (re)indexed, others leave the index.
    void Upsert(const storage::AlertRecord& alert);
    void Remove(alerts::AlertId id);
    // Every armed alert as stored now: the index drops what is not among them and takes what it lacks or holds in
    // an older version (a change message that never arrived). Queued like the other changes.
    void Reconcile(std::vector<storage::AlertRecord> armed);
    // The API's changes (Api::AlertListener).
    void AlertChanged(const storage::AlertRecord& alert) override { Upsert(alert); }
    void AlertRemoved(std::int64_t, alerts::AlertId id) override { Remove(id); }
    // Waits until everything submitted before the call is evaluated and stored; false on timeout or failure.
    bool Flush(std::chrono::milliseconds timeout);

    AlertEvaluatorStats stats() const;

private:
    struct Change {
        alerts::AlertId remove = 0;        // when no rule
        std::optional<alerts::Rule> rule;  // (re)index
        std::string language;              // of the rule's messages
    };
    void Run();
    void Apply(const Change& change);
    void ApplyArmed(const std::vector<storage::AlertRecord>& armed);
    // Evaluates ticks; appends firings and records the touched stocks' marks.
    void Evaluate(std::span<const market::Tick> ticks, std::vector<storage::FiringRecord>& firings);
    // Stores firings and marks, retrying while the store fails (the evaluation is not repeated); false when
    // stopped before it succeeded.
    bool Store(std::vector<storage::FiringRecord>& firings);
    Status Replay();

    storage::AlertStore& store_;
    const market::Universe& universe_;
    const Clock& clock_;
    Published published_;
    std::chrono::milliseconds mark_interval_;
    std::chrono::steady_clock::time_point marks_stored_{};

    // The evaluator thread's own.
    alerts::AlertIndex index_;
    std::unordered_map<market::SymbolId, std::int64_t> day_;           // KST day number of each stock's last tick
    std::unordered_map<market::SymbolId, Timestamp> last_ts_;          // time of each stock's last evaluated tick
    std::unordered_map<market::SymbolId, storage::AlertMark> marks_;   // touched since the last commit
    std::unordered_map<alerts::AlertId, alerts::Language> languages_;  // rules not in Korean
    std::unordered_map<alerts::AlertId, Timestamp> versions_;          // of the indexed rules
    std::vector<alerts::Firing> fired_;

    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::condition_variable done_cv_;
    using Armed = std::vector<storage::AlertRecord>;
    std::deque<std::variant<std::vector<market::Tick>, Change, Armed>> queue_;
    std::uint64_t submitted_ = 0;  // queue entries ever submitted
    std::uint64_t done_ = 0;       // … of which evaluated and stored
    bool stopping_ = false;
    std::thread thread_;
    std::atomic<std::uint64_t> ticks_{0}, notifications_{0}, commits_{0}, rules_{0};
};

// Pushes the in-app ones among `notes` to their users' streams, each with its user's unread count.
void PushInApp(storage::AlertStore& store, gateway::StreamHub& streams,
               const std::vector<storage::NotificationRecord>& notes);

}  // namespace ik::app
