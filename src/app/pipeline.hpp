#pragma once
// The embedded sequencer: one engine thread applies commands and ticks in arrival order, hands each
// batch of resulting events to the group committer, and reports a command's result only after the batch
// holding its events is durable. Submit() is thread-safe; completions run on the committer's thread.
// A failed commit leaves the engine ahead of the disk, so the pipeline stops accepting work and reports
// the failure (the process must restart and reload).
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "market/bars.hpp"
#include "storage/group_commit.hpp"
#include "trading/engine.hpp"

namespace ik::app {

struct PipelineStats {
    std::uint64_t commands = 0;
    std::uint64_t ticks = 0;
    std::uint64_t batches = 0;
    std::uint64_t events = 0;
    std::uint64_t max_queue_depth = 0;
};

class Pipeline final {
public:
    // Called once the command's effects are durable (or with an error if they were refused or could not
    // be stored). `events` are the command's own events.
    using Done = std::function<void(const trading::CommandResult& result, const std::vector<trading::Event>& events)>;
    using FatalHandler = std::function<void(const Error&)>;

    // `history`, when given, is asked whether a client order id was used before this process started (the
    // engine only remembers ids since start-up); it must be safe to call from submitting threads.
    Pipeline(trading::Engine& engine, storage::GroupCommitter& committer, std::size_t max_batch = 4096,
             storage::ServiceStore* history = nullptr);
    ~Pipeline();
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    void Start();
    // Applies everything already submitted, waits for it to be durable, then stops the thread.
    void Stop();

    void Submit(trading::Command command, Done done);
    // A tick has no completion; it is stored (stock_infos, bars) with the batch it lands in.
    void SubmitTick(const market::Tick& tick);
    // Blocking convenience for tools and tests.
    trading::CommandResult Execute(trading::Command command, std::vector<trading::Event>* events = nullptr);

    void SetFatalHandler(FatalHandler handler) { fatal_ = std::move(handler); }
    // Sees every batch once it is durable, before the batch's commands are answered (market caches, streams).
    // Runs on the committer's thread; set before Start().
    using CommitObserver = std::function<void(const storage::WriteBatch& batch)>;
    void SetCommitObserver(CommitObserver observer) { observer_ = std::move(observer); }
    bool failed() const { return failed_.load(); }
    PipelineStats stats() const;
    std::size_t queue_depth() const;

private:
    struct Request {
        trading::Command command;
        Done done;
    };
    void Run();

    trading::Engine& engine_;
    storage::GroupCommitter& committer_;
    std::size_t max_batch_;
    storage::ServiceStore* history_;
    market::BarAggregator bars_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<Request> queue_;
    bool stopping_ = false;
    std::atomic<bool> failed_{false};
    std::thread thread_;
    FatalHandler fatal_;
    CommitObserver observer_;
    PipelineStats stats_;
};

}  // namespace ik::app
