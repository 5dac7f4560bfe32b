// Crash safety: `serve --load` places orders through the real pipeline; the test SIGKILLs it mid-run,
// restarts it on the same data directory, and checks that every acknowledged order and cancel is on disk
// and that `investking verify` finds every invariant intact. Repeated many times.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <cstdlib>
#include <set>

#include "integration/process.hpp"

namespace ik::testing {
namespace {

int Iterations() {
    const char* v = std::getenv("IK_CRASH_ITERATIONS");
    return v ? std::max(1, std::atoi(v)) : 10;
}

class Db {
public:
    explicit Db(const std::string& path) {
        if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
            throw std::runtime_error("cannot open " + path);
        }
    }
    ~Db() { sqlite3_close(db_); }
    // Status of every order, by id.
    std::map<long long, std::string> OrderStatuses() {
        std::map<long long, std::string> out;
        sqlite3_stmt* st = nullptr;
        sqlite3_prepare_v2(db_, "SELECT id, status FROM orders", -1, &st, nullptr);
        while (sqlite3_step(st) == SQLITE_ROW) {
            out[sqlite3_column_int64(st, 0)] = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
        }
        sqlite3_finalize(st);
        return out;
    }
    long long Count(const char* table) {
        sqlite3_stmt* st = nullptr;
        sqlite3_prepare_v2(db_, (std::string("SELECT COUNT(*) FROM ") + table).c_str(), -1, &st, nullptr);
        long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
        sqlite3_finalize(st);
        return n;
    }

private:
    sqlite3* db_ = nullptr;
};

TEST(CrashTest, EveryAcknowledgedOrderSurvivesSigkillAndVerifyStaysClean) {
    TempDir dir;
    const std::string data = dir / "data";
    const std::string ack = dir / "ack.log";
    const Env env = {{"INVESTKING_MARKET_TICK_INTERVAL_MS", "20"},
                     {"INVESTKING_LOG_LEVEL", "warn"},
                     {"INVESTKING_HTTP_LISTEN", "127.0.0.1:0"}};
    std::size_t acked_before = 0;
    long long fills_seen = 0;
    const int iterations = Iterations();
    for (int i = 0; i < iterations; ++i) {
        SCOPED_TRACE("iteration " + std::to_string(i));
        Child server({"serve", "--data-dir", data, "--load", "4000", "--load-accounts", "20", "--ack-log", ack}, env,
                     dir / ("serve-" + std::to_string(i) + ".log"));
        // Kill at a different point each time: after 100, 250, 400 … more acknowledged commands.
        const std::size_t target = acked_before + 100 + 150 * static_cast<std::size_t>(i % 4);
        const bool progressed = WaitFor(
            [&] { return !server.Running() || ReadLines(ack).size() >= target; }, std::chrono::seconds(120));
        ASSERT_TRUE(server.Running()) << "server exited early with " << server.exit_code() << ":\n"
                                      << ReadFile(dir / ("serve-" + std::to_string(i) + ".log"));
        ASSERT_TRUE(progressed) << "no progress: " << ReadLines(ack).size() << " acks";
        EXPECT_EQ(server.Kill(SIGKILL), -SIGKILL);

        auto verify = RunCli({"verify", "--data-dir", data}, env);
        ASSERT_EQ(verify.exit_code, 0) << verify.out << verify.err;
        ASSERT_NE(verify.out.find("verify: ok"), std::string::npos) << verify.out;

        const auto lines = ReadLines(ack);
        Db db(data + "/service.db");
        const auto statuses = db.OrderStatuses();
        std::size_t orders = 0, cancels = 0;
        for (const auto& line : lines) {
            const auto space = line.find(' ');
            ASSERT_NE(space, std::string::npos) << "torn ack line '" << line << "'";
            const std::string kind = line.substr(0, space);
            const long long id = std::stoll(line.substr(space + 1));
            auto it = statuses.find(id);
            ASSERT_NE(it, statuses.end()) << "acknowledged " << kind << " of order " << id << " is not on disk";
            if (kind == "cancel") {
                EXPECT_EQ(it->second, "canceled") << "order " << id;
                ++cancels;
            } else {
                ++orders;
            }
        }
        fills_seen = db.Count("fills");
        EXPECT_GT(lines.size(), acked_before) << "the run made no progress";
        acked_before = lines.size();
        std::printf("iteration %d: %zu acknowledged (%zu orders, %zu cancels), %lld fills on disk, verify ok\n", i,
                    lines.size(), orders, cancels, fills_seen);
    }
    EXPECT_GT(fills_seen, 0) << "the load should produce fills";
}

}  // namespace
}  // namespace ik::testing
