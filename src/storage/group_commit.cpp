#include "storage/group_commit.hpp"

#include <algorithm>

#include "common/log.hpp"
#include "common/thread_name.hpp"

namespace ik::storage {

GroupCommitter::GroupCommitter(ServiceStore& service, RecommendStore* recommend, GroupCommitterOptions options)
    : service_(service),
      recommend_(recommend),
      options_(options),
      completer_([this] {
          NameThisThread("ik-complete");
          RunCompleter();
      }),
      writer_([this] {
          NameThisThread("ik-commit");
          RunWriter();
      }) {}

GroupCommitter::~GroupCommitter() { Stop(); }

void GroupCommitter::Submit(WriteBatch batch, Done done) {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            queue_.push_back(Pending{std::move(batch), std::move(done)});
            wake_.notify_one();
            return;
        }
    }
    if (done) done(MakeError(ErrorCode::kUnavailable, "storage is shutting down; the batch was not written"), batch);
}

void GroupCommitter::Stop() {
    std::lock_guard stop_lock(stop_mutex_);
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (writer_.joinable()) writer_.join();  // everything queued is committed and handed to the completer
    {
        std::lock_guard lock(done_mutex_);
        writer_finished_ = true;
    }
    done_wake_.notify_one();
    if (completer_.joinable()) completer_.join();  // and completed
}

GroupCommitterStats GroupCommitter::Stats() const {
    std::lock_guard lock(stats_mutex_);
    return stats_;
}

void GroupCommitter::RunWriter() {
    auto log = GetLogger("storage");
    std::vector<WriteBatch> batches;
    for (;;) {
        batches.clear();
        std::vector<Done> dones;
        std::size_t events = 0;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and everything submitted before Stop() is committed
            // Take everything queued, up to the event budget; the first submission always goes.
            while (!queue_.empty()) {
                const std::size_t next = queue_.front().batch.events.size();
                if (!batches.empty() && events + next > options_.max_batch_events) break;
                events += next;
                batches.push_back(std::move(queue_.front().batch));
                dones.push_back(std::move(queue_.front().done));
                queue_.pop_front();
            }
        }

        Status status = service_.CommitGroup(batches);
        if (!status) {
            log->error("event=group_commit_failed submissions={} events={} code={} error=\"{}\"", batches.size(),
                       events, ErrorCodeName(status.error().code), status.error().message);
        }
        std::size_t tick_count = 0;
        for (const WriteBatch& b : batches) tick_count += b.ticks.size();
        // Counted before the completions run, so a submitter that saw its batch done also sees it in Stats().
        RecordCommit(batches.size(), events, tick_count, static_cast<bool>(status));
        {
            std::lock_guard lock(done_mutex_);
            completed_.push_back(Completed{std::move(status), std::move(dones), std::move(batches)});
        }
        batches = {};
        done_wake_.notify_one();
    }
}

void GroupCommitter::RunCompleter() {
    auto log = GetLogger("storage");
    std::deque<Completed> work;
    std::vector<market::Tick> ticks;
    for (;;) {
        {
            std::unique_lock lock(done_mutex_);
            done_wake_.wait(lock, [this] { return writer_finished_ || !completed_.empty(); });
            if (completed_.empty()) return;  // the writer has finished and everything is completed
            work.swap(completed_);
        }
        ticks.clear();
        for (Completed& c : work) {
            for (std::size_t i = 0; i < c.dones.size(); ++i) {
                if (c.dones[i]) c.dones[i](c.status, c.batches[i]);
            }
            if (c.status && recommend_ != nullptr) {
                for (const WriteBatch& b : c.batches) ticks.insert(ticks.end(), b.ticks.begin(), b.ticks.end());
            }
        }
        work.clear();
        // One recommend transaction for every commit completed in this round.
        if (!ticks.empty()) {
            if (auto ok = recommend_->AppendTicks(ticks); !ok) {
                {
                    std::lock_guard lock(stats_mutex_);
                    stats_.recommend_failures += 1;
                }
                log->warn("event=recommend_ticks_failed ticks={} code={} error=\"{}\"", ticks.size(),
                          ErrorCodeName(ok.error().code), ok.error().message);
            }
        }
    }
}

void GroupCommitter::RecordCommit(std::size_t submissions, std::size_t events, std::size_t ticks, bool ok) {
    std::lock_guard lock(stats_mutex_);
    stats_.submissions += submissions;
    stats_.commits += 1;
    if (!ok) stats_.failed_commits += 1;
    stats_.events += events;
    stats_.ticks += ticks;
    stats_.max_submissions_per_commit = std::max<std::uint64_t>(stats_.max_submissions_per_commit, submissions);
    stats_.max_events_per_commit = std::max<std::uint64_t>(stats_.max_events_per_commit, events);
    const auto& bounds = GroupCommitterStats::kBucketBounds;
    const auto bucket = std::lower_bound(bounds.begin(), bounds.end(), static_cast<std::uint64_t>(submissions));
    stats_.submissions_per_commit[static_cast<std::size_t>(bucket - bounds.begin())] += 1;
}

}  // namespace ik::storage
