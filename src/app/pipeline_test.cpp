// The engine pipeline with the real group committer and SQLite files: many threads submitting at once.
// Labelled `concurrent`, so the ThreadSanitizer build runs it too.
#include "app/pipeline.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "storage/data_dir.hpp"

namespace ik::app {
namespace {

class PipelineTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = (std::filesystem::temp_directory_path() /
                ("ik-pipeline-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++)))
                   .string();
        std::filesystem::remove_all(dir_);
        Open();
    }
    void TearDown() override {
        Close();
        std::filesystem::remove_all(dir_);
    }

    void Open() {
        auto d = storage::OpenDataDir(dir_, storage::OpenOptions{});
        ASSERT_TRUE(d.has_value()) << d.error().message;
        data_.emplace(std::move(*d));
        ASSERT_TRUE(data_->service->Migrate().has_value());
        ASSERT_TRUE(data_->recommend->Migrate().has_value());
        market::Universe universe;
        for (auto& s : market::DefaultUniverse()) universe.Upsert(s);
        ASSERT_TRUE(data_->service->UpsertStocks(universe).has_value());
        engine_ = std::make_unique<trading::Engine>(trading::EngineOptions{});
        auto snap = data_->service->LoadEngineState();
        ASSERT_TRUE(snap.has_value()) << snap.error().message;
        engine_->Restore(*snap);
        committer_ = std::make_unique<storage::GroupCommitter>(*data_->service, data_->recommend.get());
        pipeline_ = std::make_unique<Pipeline>(*engine_, *committer_, 4096, data_->service.get());
        pipeline_->Start();
        std::vector<trading::Event> ignored;
        for (market::SymbolId id = 0; id < universe.size(); ++id) {
            ASSERT_TRUE(pipeline_->Execute(trading::ListSymbol{id, universe.Get(id).previous_close, 0,
                                                               universe.Get(id).code}).ok());
        }
    }

    void Close() {
        if (pipeline_) pipeline_->Stop();
        if (committer_) committer_->Stop();
        pipeline_.reset();
        committer_.reset();
        engine_.reset();
        data_.reset();
    }

    static inline int counter_ = 0;
    std::string dir_;
    std::optional<storage::DataDir> data_;
    std::unique_ptr<trading::Engine> engine_;
    std::unique_ptr<storage::GroupCommitter> committer_;
    std::unique_ptr<Pipeline> pipeline_;
};

constexpr market::SymbolId kSamsung = 3;  // 005930 in DefaultUniverse() order

market::Tick Liquid(Timestamp ts) {
    market::Tick t;
    t.symbol = kSamsung;
    t.ts = ts;
    t.bid = 249'500;
    t.ask = 250'000;
    t.price = 249'500;
    t.volume = 1'000'000;
    return t;
}

TEST_F(PipelineTest, ConcurrentSubmittersAreAllAcknowledgedDurablyAndBatched) {
    constexpr int kThreads = 8;
    constexpr int kPerThread = 150;
    for (trading::AccountId a = 1; a <= kThreads; ++a) {
        ASSERT_TRUE(pipeline_->Execute(trading::OpenAccount{a, 100'000'000, 0}).ok());
    }
    pipeline_->SubmitTick(Liquid(1));
    std::atomic<int> acked{0}, refused{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                trading::PlaceOrder p;
                p.account = static_cast<trading::AccountId>(t + 1);
                p.symbol = kSamsung;
                p.side = i % 3 == 2 ? trading::Side::kSell : trading::Side::kBuy;
                p.type = i % 2 ? trading::OrderType::kLimit : trading::OrderType::kMarket;
                if (p.type == trading::OrderType::kLimit) p.limit_price = 240'000;
                p.tif = trading::TimeInForce::kGtc;
                p.qty = 1;
                p.ts = i;
                auto r = pipeline_->Execute(p);
                (r.ok() ? acked : refused).fetch_add(1);
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(acked.load() + refused.load(), kThreads * kPerThread);
    EXPECT_GT(acked.load(), kThreads * kPerThread / 2);
    const auto stats = committer_->Stats();
    EXPECT_LT(stats.commits, stats.submissions) << "group commit should merge submissions";

    Close();
    Open();
    auto orders = data_->service->CountRows("orders");
    ASSERT_TRUE(orders.has_value());
    EXPECT_EQ(*orders, acked.load()) << "every acknowledged order is on disk, and nothing else";
    auto violations = data_->service->Verify();
    ASSERT_TRUE(violations.has_value()) << violations.error().message;
    for (const auto& v : *violations) ADD_FAILURE() << v.check << ": " << v.message;
}

TEST_F(PipelineTest, ConcurrentBuysCannotOverdrawOneAccount) {
    ASSERT_TRUE(pipeline_->Execute(trading::OpenAccount{1, 1'000'000, 0}).ok());
    std::atomic<int> accepted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 10; ++i) {
                trading::PlaceOrder p;
                p.account = 1;
                p.symbol = kSamsung;
                p.type = trading::OrderType::kLimit;
                p.tif = trading::TimeInForce::kGtc;
                p.qty = 1;
                p.limit_price = 200'000;  // 200,000 + 30 commission: four fit in 1,000,000
                if (pipeline_->Execute(p).ok()) accepted.fetch_add(1);
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(accepted.load(), 4);
    Close();
    Open();
    auto v = data_->service->Verify();
    ASSERT_TRUE(v.has_value());
    EXPECT_TRUE(v->empty());
    auto snap = data_->service->LoadEngineState();
    ASSERT_TRUE(snap.has_value());
    ASSERT_EQ(snap->accounts.size(), 1u);
    EXPECT_EQ(snap->accounts[0].reserved_cash, 4 * 200'030);
    EXPECT_EQ(snap->open_orders.size(), 4u);
}

TEST_F(PipelineTest, RestartResumesOpenOrdersAndIds) {
    ASSERT_TRUE(pipeline_->Execute(trading::OpenAccount{1, 10'000'000, 0}).ok());
    trading::PlaceOrder p;
    p.account = 1;
    p.symbol = kSamsung;
    p.type = trading::OrderType::kLimit;
    p.tif = trading::TimeInForce::kGtc;
    p.qty = 10;
    p.limit_price = 240'000;
    p.client_order_id = "mine-1";
    auto first = pipeline_->Execute(p);
    ASSERT_TRUE(first.ok());
    Close();
    Open();
    // The resting order survived, keeps its client id, and fills on the next crossing tick.
    p.qty = 1;
    auto dup = pipeline_->Execute(p);
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error->code, ErrorCode::kAlreadyExists);
    market::Tick t = Liquid(5);
    t.bid = 239'500;
    t.ask = 240'000;
    t.price = 240'000;
    std::vector<trading::Event> events;
    pipeline_->SubmitTick(t);
    p.client_order_id = "mine-2";
    auto second = pipeline_->Execute(p, &events);
    ASSERT_TRUE(second.ok());
    EXPECT_GT(second.order, first.order) << "ids continue after a restart";
    const trading::Order* o = engine_->FindOrder(first.order);
    EXPECT_EQ(o, nullptr) << "the first order should have filled and closed";
    Close();
    Open();
    // After another restart "mine-1" belongs to a closed order the engine no longer knows; reusing it is
    // refused cleanly, and the server keeps working.
    p.client_order_id = "mine-1";
    auto reused = pipeline_->Execute(p);
    ASSERT_FALSE(reused.ok());
    EXPECT_EQ(reused.error->code, ErrorCode::kAlreadyExists);
    EXPECT_FALSE(pipeline_->failed());
    p.client_order_id = "mine-3";
    EXPECT_TRUE(pipeline_->Execute(p).ok());
}

}  // namespace
}  // namespace ik::app
