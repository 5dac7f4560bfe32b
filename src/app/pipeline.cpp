#include "app/pipeline.hpp"

#include <algorithm>
#include <future>

#include "common/log.hpp"
#include "common/thread_name.hpp"

namespace ik::app {

Pipeline::Pipeline(trading::Engine& engine, storage::GroupCommitter& committer, std::size_t max_batch,
                   storage::ServiceStore* history)
    : engine_(engine), committer_(committer), max_batch_(max_batch), history_(history) {}

namespace {
// The client order id a command would claim, if any.
const std::string* ClaimedClientOrderId(const trading::Command& c, trading::AccountId& account) {
    if (const auto* p = std::get_if<trading::PlaceOrder>(&c); p && !p->client_order_id.empty()) {
        account = p->account;
        return &p->client_order_id;
    }
    if (const auto* r = std::get_if<trading::ReplaceOrder>(&c); r && !r->client_order_id.empty()) {
        account = r->account;
        return &r->client_order_id;
    }
    return nullptr;
}
}  // namespace

Pipeline::~Pipeline() { Stop(); }

void Pipeline::Start() {
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] {
        NameThisThread("ik-engine");
        Run();
    });
}

void Pipeline::Stop() {
    {
        std::lock_guard lock(mutex_);
        if (!thread_.joinable()) return;
        stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

void Pipeline::Submit(trading::Command command, Done done) {
    if (failed_.load()) {
        if (done) done({Error{ErrorCode::kUnavailable, "storage failed; the server must restart"}, 0}, {});
        return;
    }
    // Ids used before start-up are only on disk; ids used since are known to the engine. Checking here keeps
    // a reused id from reaching the store's unique index, where it would fail a whole batch.
    trading::AccountId account = 0;
    if (const std::string* id = history_ ? ClaimedClientOrderId(command, account) : nullptr) {
        auto used = history_->ClientOrderIdExists(account, *id);
        if (!used || *used) {
            if (done) {
                done({used ? Error{ErrorCode::kAlreadyExists, "client_order_id must be unique"} : used.error(), 0}, {});
            }
            return;
        }
    }
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(Request{std::move(command), std::move(done)});
        stats_.max_queue_depth = std::max<std::uint64_t>(stats_.max_queue_depth, queue_.size());
    }
    cv_.notify_one();
}

void Pipeline::SubmitTick(const market::Tick& tick) { Submit(trading::MarketTick{tick}, nullptr); }

trading::CommandResult Pipeline::Execute(trading::Command command, std::vector<trading::Event>* events) {
    std::promise<trading::CommandResult> promise;
    auto future = promise.get_future();
    Submit(std::move(command), [&](const trading::CommandResult& r, const std::vector<trading::Event>& ev) {
        if (events) *events = ev;
        promise.set_value(r);
    });
    return future.get();
}

PipelineStats Pipeline::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

std::size_t Pipeline::queue_depth() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

namespace {
struct Completion {
    Pipeline::Done done;
    trading::CommandResult result;
    std::vector<trading::Event> events;
};
}  // namespace

void Pipeline::Run() {
    auto log = GetLogger("pipeline");
    std::vector<Request> work;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty() && stopping_) break;
            const std::size_t n = std::min(queue_.size(), max_batch_);
            work.clear();
            for (std::size_t i = 0; i < n; ++i) {
                work.push_back(std::move(queue_.front()));
                queue_.pop_front();
            }
        }
        storage::WriteBatch batch;
        auto completions = std::make_shared<std::vector<Completion>>();
        completions->reserve(work.size());
        std::uint64_t commands = 0, ticks = 0;
        std::vector<market::SymbolId> ticked;
        for (Request& r : work) {
            const std::size_t first = batch.events.size();
            if (const auto* t = std::get_if<trading::MarketTick>(&r.command)) {
                ++ticks;
                batch.ticks.push_back(t->tick);
                ticked.push_back(t->tick.symbol);
                bars_.Add(t->tick, batch.bars);
            } else {
                ++commands;
            }
            trading::CommandResult result = engine_.Apply(r.command, batch.events);
            if (r.done) {
                Completion c{std::move(r.done), std::move(result), {}};
                c.events.assign(batch.events.begin() + static_cast<std::ptrdiff_t>(first), batch.events.end());
                completions->push_back(std::move(c));
            }
        }
        // Keep each ticked symbol's still-open minute bar on disk too, so charts survive restarts mid-minute
        // (once per symbol; a bar completed in this batch is already in batch.bars and has a different start).
        std::sort(ticked.begin(), ticked.end());
        ticked.erase(std::unique(ticked.begin(), ticked.end()), ticked.end());
        for (const market::SymbolId symbol : ticked) {
            if (auto bar = bars_.Current(symbol)) batch.bars.push_back(*bar);
        }
        {
            std::lock_guard lock(mutex_);
            stats_.commands += commands;
            stats_.ticks += ticks;
            stats_.batches += 1;
            stats_.events += batch.events.size();
        }
        // Even a batch with nothing to write goes through the committer: its refusals may rest on state from
        // an earlier batch that is still being written, and completions must keep their order.
        committer_.Submit(
            std::move(batch), [this, completions, log](const Status& status, const storage::WriteBatch& written) {
                if (!status) {
                    const bool first = !failed_.exchange(true);
                    for (auto& c : *completions) {
                        c.done({Error{ErrorCode::kUnavailable, "not stored: " + status.error().message}, 0}, {});
                    }
                    if (first) {
                        log->critical("event=commit_failed error=\"{}\"", status.error().message);
                        if (fatal_) fatal_(status.error());
                    }
                    return;
                }
                if (observer_ && !written.empty()) observer_(written);
                for (auto& c : *completions) c.done(c.result, c.events);
            });
    }
}

}  // namespace ik::app
