// GroupCommitter against real SQLite files: concurrent submitters, batching, draining on Stop, failures
// reported to every submitter of a transaction, tick copies to the recommend store, completion order. Run
// under ThreadSanitizer (ctest label `concurrent`).
#include "storage/group_commit.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "storage/data_dir.hpp"
#include "storage/test_events.hpp"

namespace ik::storage {
namespace {

using testing::EventBuilder;
using testing::TempDir;

OpenOptions Create() {
    OpenOptions o;
    o.migrate = true;
    return o;
}

// The real SQLite store with a gate in front of CommitGroup: the first commit waits inside until the test
// opens the gate, so the test can queue submissions behind it deterministically (no sleeps, no timing).
class GatedStore final : public ServiceStore {
public:
    explicit GatedStore(ServiceStore& store) : store_(store) {}

    Status CommitGroup(std::span<const WriteBatch> batches) override {
        {
            std::unique_lock lock(mutex_);
            if (!passed_first_) {
                passed_first_ = true;
                entered_ = true;
                cv_.notify_all();
                cv_.wait(lock, [this] { return open_; });
            }
        }
        return store_.CommitGroup(batches);
    }
    void WaitEntered() {
        std::unique_lock lock(mutex_);
        ASSERT_TRUE(cv_.wait_for(lock, std::chrono::seconds(30), [this] { return entered_; }));
    }
    void Open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        cv_.notify_all();
    }

    Status Migrate() override { return store_.Migrate(); }
    Result<int> SchemaVersion() override { return store_.SchemaVersion(); }
    int LatestSchemaVersion() const override { return store_.LatestSchemaVersion(); }
    Result<trading::EngineSnapshot> LoadEngineState() override { return store_.LoadEngineState(); }
    Result<std::map<std::int32_t, std::int64_t>> LoadConsumerOffsets(const std::string& consumer,
                                                                     const std::string& topic) override {
        return store_.LoadConsumerOffsets(consumer, topic);
    }
    Result<std::int64_t> CreateUser(const UserRecord& u) override { return store_.CreateUser(u); }
    Result<std::optional<UserRecord>> FindUserByName(const std::string& n) override { return store_.FindUserByName(n); }
    Result<std::optional<UserRecord>> FindUserById(std::int64_t id) override { return store_.FindUserById(id); }
    Result<bool> ClientOrderIdExists(trading::AccountId a, const std::string& c) override {
        return store_.ClientOrderIdExists(a, c);
    }
    Status UpsertStocks(const market::Universe& u) override { return store_.UpsertStocks(u); }
    Status InsertStock(market::SymbolId id, const market::StockInfo& s) override { return store_.InsertStock(id, s); }
    Result<std::vector<market::StockInfo>> LoadStocks() override { return store_.LoadStocks(); }
    Result<std::optional<trading::Order>> GetOrder(trading::OrderId id) override { return store_.GetOrder(id); }
    Result<std::optional<trading::Order>> GetOrderByClientOrderId(trading::AccountId a, const std::string& c) override {
        return store_.GetOrderByClientOrderId(a, c);
    }
    Result<std::vector<trading::Fill>> FillsOfOrder(trading::OrderId id) override { return store_.FillsOfOrder(id); }
    Result<std::vector<market::Bar>> LoadBars(market::SymbolId s, std::int64_t i, Timestamp f, Timestamp t) override {
        return store_.LoadBars(s, i, f, t);
    }
    Result<std::int64_t> CountRows(const std::string& table) override { return store_.CountRows(table); }
    Result<std::vector<Violation>> Verify() override { return store_.Verify(); }

private:
    ServiceStore& store_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool passed_first_ = false;
    bool entered_ = false;
    bool open_ = false;
};

// Counts completions and remembers failures; waitable with a deadline.
class Completions final {
public:
    GroupCommitter::Done Callback() {
        return [this](const Status& s, const WriteBatch&) {
            std::lock_guard lock(mutex_);
            ++done_;
            if (!s) errors_.push_back(s.error());
            cv_.notify_all();
        };
    }
    bool WaitFor(std::size_t n) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, std::chrono::seconds(60), [&] { return done_ >= n; });
    }
    std::size_t done() {
        std::lock_guard lock(mutex_);
        return done_;
    }
    std::vector<Error> errors() {
        std::lock_guard lock(mutex_);
        return errors_;
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::size_t done_ = 0;
    std::vector<Error> errors_;
};

TEST(GroupCommitTest, ConcurrentSubmittersAllCompleteDurably) {
    constexpr int kThreads = 8;
    constexpr int kOrdersPerThread = 40;
    TempDir tmp;
    GroupCommitterStats stats;
    {
        auto data = OpenDataDir(tmp.path(), Create());
        ASSERT_TRUE(data) << data.error().message;
        GroupCommitter committer(*data->service, data->recommend.get());
        std::atomic<int> failures{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                // Each thread is its own account with its own id range, and waits for each commit before the
                // next submission, like a request thread acknowledging a client.
                EventBuilder b(static_cast<std::uint64_t>(t + 1) * 1'000'000);
                const trading::AccountId account = static_cast<trading::AccountId>(t + 1);
                auto submit = [&](WriteBatch batch) {
                    std::promise<Status> promise;
                    auto future = promise.get_future();
                    committer.Submit(std::move(batch),
                                     [&](const Status& s, const WriteBatch&) { promise.set_value(s); });
                    if (!future.get()) failures.fetch_add(1);
                };
                submit(WriteBatch{{b.OpenAccount(account, 100'000'000)}, {}, {}});
                for (int i = 0; i < kOrdersPerThread; ++i) {
                    WriteBatch batch;
                    auto buy = b.AcceptBuy(account, 0, 1, 10'000);
                    batch.events.push_back(buy);
                    batch.events.push_back(b.Fill(buy.order.id, 1, 10'000));
                    batch.ticks.push_back(market::Tick{static_cast<market::SymbolId>(t), b.now(), 10'000, 0, 0, 1});
                    submit(std::move(batch));
                }
            });
        }
        for (auto& th : threads) th.join();
        EXPECT_EQ(failures.load(), 0);
        committer.Stop();
        stats = committer.Stats();
    }
    // Everything acknowledged is on disk after reopening, and consistent.
    OpenOptions must_exist;
    must_exist.create_if_missing = false;
    auto data = OpenDataDir(tmp.path(), must_exist);
    ASSERT_TRUE(data) << data.error().message;
    EXPECT_EQ(data->service->CountRows("accounts").value(), kThreads);
    EXPECT_EQ(data->service->CountRows("orders").value(), kThreads * kOrdersPerThread);
    EXPECT_EQ(data->service->CountRows("fills").value(), kThreads * kOrdersPerThread);
    EXPECT_EQ(data->service->CountRows("stock_infos").value(), kThreads * kOrdersPerThread);
    EXPECT_EQ(data->recommend->CountRows("stock_infos").value(), kThreads * kOrdersPerThread);
    auto violations = data->service->Verify();
    ASSERT_TRUE(violations);
    for (const auto& v : *violations) ADD_FAILURE() << v.check << ": " << v.message;

    const std::uint64_t submissions = kThreads * (kOrdersPerThread + 1);
    EXPECT_EQ(stats.submissions, submissions);
    EXPECT_EQ(stats.events, kThreads * (1 + 2 * kOrdersPerThread));
    EXPECT_EQ(stats.failed_commits, 0u);
    EXPECT_LE(stats.commits, submissions);
    EXPECT_LE(stats.max_submissions_per_commit, static_cast<std::uint64_t>(kThreads));
    std::uint64_t histogram_total = 0;
    for (auto n : stats.submissions_per_commit) histogram_total += n;
    EXPECT_EQ(histogram_total, stats.commits);
}

TEST(GroupCommitTest, QueuedSubmissionsShareOneTransaction) {
    TempDir tmp;
    auto data = OpenDataDir(tmp.path(), Create());
    ASSERT_TRUE(data);
    GatedStore gated(*data->service);
    GroupCommitter committer(gated, data->recommend.get());
    EventBuilder b;
    Completions completions;
    committer.Submit(WriteBatch{{b.OpenAccount(1, 100'000'000)}, {}, {}}, completions.Callback());
    gated.WaitEntered();  // the writer is parked in its first commit
    constexpr int kQueued = 100;
    for (int i = 0; i < kQueued; ++i) {
        committer.Submit(WriteBatch{{b.AcceptBuy(1, 0, 1, 10'000)}, {}, {}}, completions.Callback());
    }
    gated.Open();
    ASSERT_TRUE(completions.WaitFor(kQueued + 1));
    EXPECT_TRUE(completions.errors().empty());
    const auto stats = committer.Stats();
    EXPECT_EQ(stats.commits, 2u);  // the first alone, then all 100 in one transaction
    EXPECT_EQ(stats.submissions, kQueued + 1u);
    EXPECT_EQ(stats.max_submissions_per_commit, static_cast<std::uint64_t>(kQueued));
    EXPECT_DOUBLE_EQ(stats.AverageSubmissionsPerCommit(), (kQueued + 1) / 2.0);
    EXPECT_EQ(stats.submissions_per_commit[0], 1u);  // bucket ≤ 1
    EXPECT_EQ(stats.submissions_per_commit[7], 1u);  // bucket 65 … 128
    EXPECT_EQ(data->service->CountRows("orders").value(), kQueued);
}

TEST(GroupCommitTest, MaxBatchEventsBoundsATransaction) {
    TempDir tmp;
    auto data = OpenDataDir(tmp.path(), Create());
    ASSERT_TRUE(data);
    GroupCommitterOptions options;
    options.max_batch_events = 6;
    GatedStore gated(*data->service);
    GroupCommitter committer(gated, nullptr, options);
    EventBuilder b;
    Completions completions;
    committer.Submit(WriteBatch{{b.OpenAccount(1, 100'000'000)}, {}, {}}, completions.Callback());
    gated.WaitEntered();
    for (int i = 0; i < 10; ++i) {  // 10 submissions of 3 events: two fit in a transaction
        WriteBatch batch;
        for (int j = 0; j < 3; ++j) batch.events.push_back(b.AcceptBuy(1, 0, 1, 10'000));
        committer.Submit(std::move(batch), completions.Callback());
    }
    // A single submission above the budget is committed alone, not split.
    WriteBatch big;
    for (int j = 0; j < 9; ++j) big.events.push_back(b.AcceptBuy(1, 0, 1, 10'000));
    committer.Submit(std::move(big), completions.Callback());
    gated.Open();
    ASSERT_TRUE(completions.WaitFor(12));
    const auto stats = committer.Stats();
    EXPECT_EQ(stats.commits, 1u + 5u + 1u);
    EXPECT_EQ(stats.max_events_per_commit, 9u);
    EXPECT_EQ(data->service->CountRows("orders").value(), 39);
}

TEST(GroupCommitTest, StopDrainsEverythingSubmittedBefore) {
    TempDir tmp;
    constexpr int kSubmissions = 500;
    Completions completions;
    {
        auto data = OpenDataDir(tmp.path(), Create());
        ASSERT_TRUE(data);
        GroupCommitter committer(*data->service, data->recommend.get());
        EventBuilder b;
        committer.Submit(WriteBatch{{b.OpenAccount(1, 100'000'000)}, {}, {}}, completions.Callback());
        for (int i = 0; i < kSubmissions; ++i) {
            committer.Submit(WriteBatch{{b.AcceptBuy(1, 0, 1, 10'000)}, {market::Tick{1, i, 10'000, 0, 0, 1}}, {}},
                             completions.Callback());
        }
        committer.Stop();  // returns only when all of the above are committed
        EXPECT_EQ(completions.done(), kSubmissions + 1u);
        EXPECT_TRUE(completions.errors().empty());

        Completions late;
        committer.Submit(WriteBatch{{b.AcceptBuy(1, 0, 1, 10'000)}, {}, {}}, late.Callback());
        ASSERT_EQ(late.done(), 1u);  // at once, on the caller's thread
        ASSERT_EQ(late.errors().size(), 1u);
        EXPECT_EQ(late.errors()[0].code, ErrorCode::kUnavailable);
        committer.Stop();  // idempotent
    }
    OpenOptions must_exist;
    must_exist.create_if_missing = false;
    auto data = OpenDataDir(tmp.path(), must_exist);
    ASSERT_TRUE(data);
    EXPECT_EQ(data->service->CountRows("orders").value(), kSubmissions);
    EXPECT_EQ(data->recommend->CountRows("stock_infos").value(), kSubmissions);
}

TEST(GroupCommitTest, CompletionsRunInSubmissionOrder) {
    TempDir tmp;
    auto data = OpenDataDir(tmp.path(), Create());
    ASSERT_TRUE(data);
    std::mutex mutex;
    std::vector<int> order;
    {
        GroupCommitter committer(*data->service, data->recommend.get());
        EventBuilder b;
        committer.Submit(WriteBatch{{b.OpenAccount(1, 100'000'000)}, {}, {}}, nullptr);
        for (int i = 0; i < 300; ++i) {
            committer.Submit(WriteBatch{{b.AcceptBuy(1, 0, 1, 10'000)}, {}, {}},
                             [&, i](const Status& s, const WriteBatch&) {
                                 EXPECT_TRUE(s);
                                 std::lock_guard lock(mutex);
                                 order.push_back(i);
                             });
        }
    }  // the destructor stops: commits and completes everything first
    std::lock_guard lock(mutex);
    ASSERT_EQ(order.size(), 300u);
    for (int i = 0; i < 300; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
}

TEST(GroupCommitTest, AFailedTransactionFailsEverySubmissionInIt) {
    TempDir tmp;
    auto data = OpenDataDir(tmp.path(), Create());
    ASSERT_TRUE(data);
    GatedStore gated(*data->service);
    GroupCommitter committer(gated, data->recommend.get());
    EventBuilder b;
    Completions opened;
    Completions completions;
    committer.Submit(WriteBatch{{b.OpenAccount(1, 100'000'000)}, {}, {}}, opened.Callback());
    gated.WaitEntered();
    committer.Submit(WriteBatch{{b.AcceptBuy(1, 0, 1, 10'000)}, {market::Tick{0, 1, 10'000, 0, 0, 1}}, {}},
                     completions.Callback());
    auto bad = b.Deposit(1, 100);
    bad.ledger.entries[0].amount = 101;  // unbalanced: the whole transaction must be refused
    committer.Submit(WriteBatch{{bad}, {}, {}}, completions.Callback());
    committer.Submit(WriteBatch{{b.AcceptBuy(1, 0, 1, 10'000)}, {}, {}}, completions.Callback());
    gated.Open();
    ASSERT_TRUE(opened.WaitFor(1));
    EXPECT_TRUE(opened.errors().empty());
    ASSERT_TRUE(completions.WaitFor(3));
    const auto errors = completions.errors();
    ASSERT_EQ(errors.size(), 3u);
    for (const auto& e : errors) EXPECT_EQ(e.code, ErrorCode::kInvalidArgument) << e.message;
    EXPECT_EQ(data->service->CountRows("orders").value(), 0);
    EXPECT_EQ(data->service->CountRows("stock_infos").value(), 0);
    committer.Stop();
    EXPECT_EQ(data->recommend->CountRows("stock_infos").value(), 0);  // no tick copy of a failed commit
    EXPECT_EQ(committer.Stats().failed_commits, 1u);
}

}  // namespace
}  // namespace ik::storage
