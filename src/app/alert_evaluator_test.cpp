// The alert evaluator on a real SQLite data directory: ticks fire stored notifications once, changes from the API
// reach the index, a day roll moves the change levels, and a restart after a crash evaluates the durable ticks the
// evaluator had not reached, without storing any crossing twice.
#include "app/alert_evaluator.hpp"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "storage/data_dir.hpp"

namespace ik::app {
namespace {

constexpr auto kWait = std::chrono::seconds(30);

class AlertEvaluatorTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ =
            (std::filesystem::temp_directory_path() / ("ik-alert-eval-" + std::to_string(::getpid()) + "-" +
                                                       ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                .string();
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        for (const auto& info : market::DefaultUniverse()) ASSERT_TRUE(universe_.Upsert(info));
        kSamsung = universe_.Find("005930").value();
        Open();
    }
    void TearDown() override {
        data_.reset();
        std::filesystem::remove_all(dir_);
    }
    void Open() {
        data_.reset();
        auto data = storage::OpenDataDir(dir_);
        ASSERT_TRUE(data) << data.error().message;
        data_.emplace(std::move(*data));
        ASSERT_TRUE(data_->service->Migrate());
        store_ = dynamic_cast<storage::AlertStore*>(data_->service.get());
        ASSERT_NE(store_, nullptr);
        auto stocks = data_->service->UpsertStocks(universe_);
        ASSERT_TRUE(stocks) << stocks.error().message;
    }
    std::unique_ptr<AlertEvaluator> Evaluator() {
        return std::make_unique<AlertEvaluator>(*store_, universe_, clock_,
                                                [this](const std::vector<storage::NotificationRecord>& n) {
                                                    std::lock_guard lock(mutex_);
                                                    published_.insert(published_.end(), n.begin(), n.end());
                                                });
    }
    alerts::AlertId Create(alerts::Kind kind, std::int64_t level, alerts::Mode mode = alerts::Mode::kOnce,
                           std::string language = "ko") {
        storage::AlertRecord a;
        a.rule.user = 7;
        a.rule.symbol = kSamsung;
        a.rule.kind = kind;
        a.rule.level = level;
        a.rule.mode = mode;
        a.rule.channels = alerts::kInApp;
        a.language = std::move(language);
        a.created_at = a.updated_at = clock_.Now();
        auto id = store_->CreateAlert(a, 100);
        EXPECT_TRUE(id.has_value());
        return id.value_or(0);
    }
    // Ticks made durable first, as the pipeline does before its observer sees them.
    std::vector<market::Tick> Durable(std::initializer_list<std::pair<Timestamp, Won>> prices) {
        storage::WriteBatch batch;
        for (const auto& [ts, price] : prices) batch.ticks.push_back(market::Tick{kSamsung, ts, price, 0, 0, 10});
        EXPECT_TRUE(data_->service->Commit(batch));
        return batch.ticks;
    }
    std::vector<storage::NotificationRecord> Inbox() { return store_->ListNotifications(7, 100, 0).value(); }
    std::size_t Published() {
        std::lock_guard lock(mutex_);
        return published_.size();
    }

    static Timestamp At(int day, int hour, int minute) { return FromKst(Date{2026, 11, day}, hour, minute); }

    std::string dir_;
    market::Universe universe_;
    market::SymbolId kSamsung = 0;
    ManualClock clock_{At(26, 9, 0)};
    std::optional<storage::DataDir> data_;
    storage::AlertStore* store_ = nullptr;
    std::mutex mutex_;
    std::vector<storage::NotificationRecord> published_;
};

TEST_F(AlertEvaluatorTest, ATickThatCrossesALevelStoresOneNotificationAndDisarmsTheOnceAlert) {
    const auto up = Create(alerts::Kind::kPriceAtOrAbove, 72'000);
    auto ev = Evaluator();
    ASSERT_TRUE(ev->Start(true));
    ev->OnTicks(Durable({{At(26, 9, 1), 70'000}, {At(26, 9, 2), 71'900}}));
    ASSERT_TRUE(ev->Flush(kWait));
    EXPECT_TRUE(Inbox().empty());
    ev->OnTicks(Durable({{At(26, 9, 3), 72'100}, {At(26, 9, 4), 70'000}, {At(26, 9, 5), 73'000}}));
    ASSERT_TRUE(ev->Flush(kWait));
    auto inbox = Inbox();
    ASSERT_EQ(inbox.size(), 1U) << "once: the second crossing finds it disarmed";
    EXPECT_EQ(inbox[0].alert_id, up);
    EXPECT_EQ(inbox[0].price, 72'100);
    EXPECT_EQ(inbox[0].fired_at, At(26, 9, 3));
    EXPECT_EQ(inbox[0].message, "[내일은 투자왕:09:03]삼성전자 72,100원입니다.");
    EXPECT_EQ(store_->GetAlert(7, up).value()->status, "fired");
    EXPECT_EQ(Published(), 1U);
    EXPECT_EQ(ev->stats().rules, 0U);
    const auto marks = store_->LoadAlertMarks().value();
    ASSERT_EQ(marks.size(), 1U);
    EXPECT_EQ(marks[0].ts, At(26, 9, 5));
    EXPECT_EQ(marks[0].price, 73'000);
    EXPECT_EQ(marks[0].day_volume, 50);
}

TEST_F(AlertEvaluatorTest, ChangesFromTheApiReachTheIndexInOrder) {
    auto ev = Evaluator();
    ASSERT_TRUE(ev->Start(true));
    ev->OnTicks(Durable({{At(26, 9, 1), 70'000}}));
    const auto id = Create(alerts::Kind::kPriceAtOrBelow, 69'000, alerts::Mode::kRepeat, "en");
    ev->AlertChanged(store_->GetAlert(7, id).value().value());
    ev->OnTicks(Durable({{At(26, 9, 2), 68'900}}));
    ASSERT_TRUE(ev->Flush(kWait));
    ASSERT_EQ(Inbox().size(), 1U);
    EXPECT_EQ(Inbox()[0].message, "[InvestKing 09:02 KST] Samsung Electronics is at 68,900 KRW.");
    ev->AlertRemoved(7, id);
    ev->OnTicks(Durable({{At(26, 9, 3), 70'000}, {At(26, 9, 4), 68'000}}));
    ASSERT_TRUE(ev->Flush(kWait));
    EXPECT_EQ(Inbox().size(), 1U) << "removed from the index: no second firing";
}

TEST_F(AlertEvaluatorTest, ANewDayMovesTheChangeLevelsToTheLastTradeBeforeIt) {
    // +5 % of the configured previous close; after a day ends at 80,000 it means 84,000.
    const Won close = universe_.Get(kSamsung).previous_close;
    const auto id = Create(alerts::Kind::kChangePctAtOrAbove, 50'000, alerts::Mode::kRepeat);
    auto ev = Evaluator();
    ASSERT_TRUE(ev->Start(true));
    ev->OnTicks(Durable({{At(26, 10, 0), close}, {At(26, 15, 0), 80'000}}));
    ASSERT_TRUE(ev->Flush(kWait));
    const std::size_t before = Inbox().size();
    ev->OnTicks(Durable({{At(27, 9, 0), 83'900}, {At(27, 9, 1), 84'000}}));
    ASSERT_TRUE(ev->Flush(kWait));
    auto inbox = Inbox();
    ASSERT_EQ(inbox.size(), before + 1);
    EXPECT_EQ(inbox[0].alert_id, id);
    EXPECT_EQ(inbox[0].price, 84'000);
    EXPECT_EQ(inbox[0].message, "[내일은 투자왕:09:01]삼성전자 84,000원입니다. (전일 대비 +5.00%)");
    EXPECT_EQ(store_->LoadAlertMarks().value()[0].previous_close, 80'000);
    EXPECT_EQ(store_->LoadAlertMarks().value()[0].day_volume, 20) << "the day's volume restarted";
}

// A crash after the ticks were durable but before the evaluator stored what they fired: the restarted evaluator
// resumes after its mark, with the state it had, and fires each crossing once; evaluating the same ticks again
// (as a redelivery would) stores nothing more.
TEST_F(AlertEvaluatorTest, ARestartEvaluatesTheDurableTicksAfterTheMarkAndStoresNothingTwice) {
    const auto a = Create(alerts::Kind::kPriceAtOrAbove, 72'000);
    const auto b = Create(alerts::Kind::kPriceAtOrBelow, 69'000, alerts::Mode::kRepeat);
    {
        auto ev = Evaluator();
        ASSERT_TRUE(ev->Start(true));
        ev->OnTicks(Durable({{At(26, 9, 1), 70'000}}));
        ASSERT_TRUE(ev->Flush(kWait));
        ev->Stop();
    }
    // Durable, never evaluated (the process died first): a crossing of each alert.
    const auto missed = Durable({{At(26, 9, 2), 72'500}, {At(26, 9, 3), 68'500}});
    Open();  // as after the restart
    {
        auto ev = Evaluator();
        ASSERT_TRUE(ev->Start(true));
        auto inbox = Inbox();
        ASSERT_EQ(inbox.size(), 2U) << "both crossings found by the replay";
        EXPECT_EQ(inbox[1].alert_id, a);
        EXPECT_EQ(inbox[1].price, 72'500);
        EXPECT_EQ(inbox[0].alert_id, b);
        EXPECT_EQ(Published(), 2U);
        EXPECT_EQ(store_->GetAlert(7, a).value()->status, "fired");
        // The same ticks once more (e.g. redelivered by the bus): nothing new.
        ev->OnTicks(missed);
        ASSERT_TRUE(ev->Flush(kWait));
        EXPECT_EQ(Inbox().size(), 2U);
        ev->Stop();
    }
    Open();
    auto ev = Evaluator();
    ASSERT_TRUE(ev->Start(true));
    EXPECT_EQ(Inbox().size(), 2U) << "a second restart finds nothing left to evaluate";
    EXPECT_EQ(ev->stats().rules, 1U) << "the repeat alert is indexed again; the fired once alert is not";
}

}  // namespace
}  // namespace ik::app
