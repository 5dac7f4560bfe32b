// The embedded server with an injected clock: sessions follow the clock, and a new trading day starts
// from the last trade.
#include "app/embedded.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

namespace ik::app {
namespace {

// Polls `ready` under a deadline; the injected market clock moves 10 ms per poll, so simulated time passes.
bool WaitFor(ManualClock& clock, const std::function<bool()>& ready) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!ready()) {
        if (std::chrono::steady_clock::now() > end) return false;
        clock.Advance(10 * 1'000'000);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));  // poll interval under a deadline
    }
    return true;
}

class EmbeddedServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = (std::filesystem::temp_directory_path() / ("ik-embedded-" + std::to_string(::getpid()))).string();
        std::filesystem::remove_all(dir_);
        options_.data_dir = dir_;
        options_.config.market.session = market::SessionMode::kKrx;
        options_.config.market.tick_interval_ms = 5;
        options_.config.http.listen.port = 0;  // any free port
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string dir_;
    ServeOptions options_;
};

TEST_F(EmbeddedServerTest, FollowsTheKrxSessionsOfTheInjectedClock) {
    ManualClock clock(FromKst({2026, 11, 26}, 10, 0));  // Thursday, continuous session
    EmbeddedServer server(options_, clock);
    ASSERT_TRUE(server.Start().has_value());
    ASSERT_TRUE(WaitFor(clock, [&] { return server.pipeline().stats().ticks >= 20; })) << server.ActivityLine();
    EXPECT_NE(server.ActivityLine().find("session=continuous"), std::string::npos);

    clock.Set(FromKst({2026, 11, 26}, 15, 25));  // closing auction
    ASSERT_TRUE(WaitFor(clock, [&] { return server.ActivityLine().find("session=closing_auction") != std::string::npos; }));
    clock.Set(FromKst({2026, 11, 28}, 10, 0));  // Saturday: closed
    ASSERT_TRUE(WaitFor(clock, [&] { return server.ActivityLine().find("session=closed") != std::string::npos; }));
    // Thursday's last trades (the market is closed, so they stay put): " CODE=PRICE" in the activity line.
    std::map<std::string, Won> thursday;
    {
        std::istringstream words(server.ActivityLine());
        for (std::string w; words >> w;) {
            const auto eq = w.find('=');
            if (eq == 6 && market::IsValidCode(w.substr(0, 6))) thursday[w.substr(0, 6)] = std::stoll(w.substr(7));
        }
    }
    ASSERT_EQ(thursday.size(), 5u) << server.ActivityLine();
    clock.Set(FromKst({2026, 11, 30}, 9, 0));  // Monday's open: continuous again, prices flow
    const auto ticks = server.pipeline().stats().ticks;
    ASSERT_TRUE(WaitFor(clock, [&] { return server.pipeline().stats().ticks >= ticks + 20; })) << server.ActivityLine();
    EXPECT_NE(server.ActivityLine().find("session=continuous"), std::string::npos);
    // The new day's reference price is the last trade, in the stock master too.
    for (const auto& [code, price] : thursday) {
        EXPECT_EQ(server.universe().Get(*server.universe().Find(code)).previous_close, price) << code;
    }
    server.Stop();
}

TEST_F(EmbeddedServerTest, ANewTradingDayStartsFromTheLastTrade) {
    std::vector<Won> last_prices;
    std::string first_run;
    {
        ManualClock clock(FromKst({2026, 11, 26}, 10, 0));
        EmbeddedServer server(options_, clock);
        ASSERT_TRUE(server.Start().has_value());
        ASSERT_TRUE(WaitFor(clock, [&] { return server.pipeline().stats().ticks >= 200; }));
        // The walk reverts to the close, so after a given number of steps every symbol may sit at its old close
        // by chance (and how many steps run depends on the machine's load). A last trade an hour later, two
        // ticks above, makes at least one move certain; the clock no longer advances, so nothing follows it.
        const auto hynix = server.universe().Find("000660");
        ASSERT_TRUE(hynix.has_value());
        const Won forced = server.universe().Get(*hynix).previous_close + 2'000;
        const auto r = server.pipeline().Execute(
            trading::MarketTick{market::Tick{*hynix, clock.Now() + 3'600 * kNanosPerSecond, forced, forced - 1'000, forced, 10}});
        ASSERT_TRUE(r.ok());
        first_run = server.ActivityLine();
        server.Stop();
    }
    {
        // Read what was stored: the last trade of each symbol on Thursday.
        auto data = storage::OpenDataDir(dir_, storage::OpenOptions{});
        ASSERT_TRUE(data.has_value()) << data.error().message;
        auto snap = data->service->LoadEngineState();
        ASSERT_TRUE(snap.has_value());
        ASSERT_EQ(snap->last_ticks.size(), 5u);
        for (const auto& t : snap->last_ticks) {
            if (t.symbol >= last_prices.size()) last_prices.resize(t.symbol + 1);
            last_prices[t.symbol] = t.price;
        }
    }
    ManualClock friday(FromKst({2026, 11, 27}, 8, 30));  // before Friday's open
    EmbeddedServer server(options_, friday);
    ASSERT_TRUE(server.Start().has_value());
    int moved = 0;
    std::string seen;
    for (market::SymbolId id = 0; id < server.universe().size(); ++id) {
        seen += " " + server.universe().Get(id).code + "=" + std::to_string(server.universe().Get(id).previous_close) +
                "/" + std::to_string(last_prices[id]);
        EXPECT_EQ(server.universe().Get(id).previous_close, last_prices[id]) << server.universe().Get(id).code;
        for (const auto& d : market::DefaultUniverse()) {
            if (d.code == server.universe().Get(id).code && d.previous_close != last_prices[id]) ++moved;
        }
    }
    EXPECT_GT(moved, 0) << "200 simulated ticks should have moved some price; first run: " << first_run << "; second:" << seen;
    server.Stop();
}

}  // namespace
}  // namespace ik::app
