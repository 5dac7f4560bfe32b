#pragma once
// Group commit: many producers submit WriteBatches; one writer thread drains whatever is queued, writes it to
// the service store in ONE transaction ended by ONE fsync, and only then reports success to each submitter,
// so "acknowledged" always means "durable" while hundreds of requests share a disk flush. Completions run on
// a second thread, so the writer starts the next transaction while the last one's submitters are being woken
// (on a 2-core machine that overlap is worth a third of the throughput). After completing a commit, that
// thread also copies its ticks into the recommend store (the embedded stand-in for the original's Kafka sink);
// failures there are logged and counted, never reported to submitters.
// Thread-safe: Submit, Stats and Stop may be called from any thread. Owns its two threads; borrows the stores,
// which must outlive it.
#include <array>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "storage/store.hpp"

namespace ik::storage {

struct GroupCommitterOptions {
    // A transaction takes queued submissions until their events reach this many (a single larger submission
    // is committed alone, never split). Bounds the latency one commit adds to the next.
    std::size_t max_batch_events = 4'096;
};

struct GroupCommitterStats {
    // Upper bounds (inclusive) of the buckets of submissions_per_commit; the last bucket is open-ended.
    static constexpr std::array<std::uint64_t, 12> kBucketBounds = {
        1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, std::numeric_limits<std::uint64_t>::max()};

    std::uint64_t submissions = 0;     // batches handed to Submit and committed (or failed)
    std::uint64_t commits = 0;         // service transactions (each one fsync)
    std::uint64_t failed_commits = 0;  // service transactions that failed (their submitters got the error)
    std::uint64_t events = 0;          // engine events written
    std::uint64_t ticks = 0;           // ticks written to the service store
    std::uint64_t max_submissions_per_commit = 0;
    std::uint64_t max_events_per_commit = 0;
    std::uint64_t recommend_failures = 0;  // tick copies to the recommend store that failed
    std::array<std::uint64_t, kBucketBounds.size()> submissions_per_commit{};  // histogram

    double AverageSubmissionsPerCommit() const {
        return commits == 0 ? 0.0 : static_cast<double>(submissions) / static_cast<double>(commits);
    }
    double AverageEventsPerCommit() const {
        return commits == 0 ? 0.0 : static_cast<double>(events) / static_cast<double>(commits);
    }
};

class GroupCommitter final {
public:
    // Called on the completion thread with the commit's outcome and the batch as it was written, in commit
    // order; keep it short (hand off, notify, return): the next submitters' completions wait behind it.
    using Done = std::function<void(const Status&, const WriteBatch&)>;

    // Starts the writer and completion threads. `recommend` may be null (no tick copy).
    GroupCommitter(ServiceStore& service, RecommendStore* recommend, GroupCommitterOptions options = {});
    ~GroupCommitter();  // Stop()
    GroupCommitter(const GroupCommitter&) = delete;
    GroupCommitter& operator=(const GroupCommitter&) = delete;

    // Queues a batch; `done` runs once it is durable (ok) or its transaction failed (the error, which the
    // caller should treat as fatal: the engine state is ahead of the disk). After Stop(), `done` runs at once
    // with kUnavailable. Batches from one thread are committed in submission order.
    void Submit(WriteBatch batch, Done done);

    // Commits and completes everything submitted before the call, then joins both threads. Idempotent.
    void Stop();

    GroupCommitterStats Stats() const;

private:
    struct Pending {
        WriteBatch batch;
        Done done;
    };
    // One finished transaction, handed from the writer to the completion thread.
    struct Completed {
        Status status;
        std::vector<Done> dones;
        std::vector<WriteBatch> batches;  // dones[i] belongs to batches[i]; ticks go to the recommend store
    };

    void RunWriter();
    void RunCompleter();
    void RecordCommit(std::size_t submissions, std::size_t events, std::size_t ticks, bool ok);

    ServiceStore& service_;
    RecommendStore* recommend_;
    const GroupCommitterOptions options_;

    mutable std::mutex mutex_;  // guards queue_ and stopping_
    std::condition_variable wake_;
    std::deque<Pending> queue_;
    bool stopping_ = false;

    std::mutex done_mutex_;  // guards completed_ and writer_finished_
    std::condition_variable done_wake_;
    std::deque<Completed> completed_;
    bool writer_finished_ = false;

    mutable std::mutex stats_mutex_;
    GroupCommitterStats stats_;

    std::mutex stop_mutex_;  // serialises Stop() callers around join()
    // Last: started after every other member is initialised.
    std::thread completer_;
    std::thread writer_;
};

}  // namespace ik::storage
