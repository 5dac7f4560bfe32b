// The Universe under concurrent readers and a run-time writer (the admin universe API adds and updates
// stocks while HTTP and stream threads read them), its capacity, and ids kept across updates. Labelled
// `concurrent` so the ThreadSanitizer build runs it (ctest -L concurrent).
#include <atomic>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "market/symbols.hpp"

namespace ik::market {
namespace {

std::string CodeOf(std::size_t i) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%06zu", i);
    return buf;
}

// Every record the writer publishes ties its fields together, so a torn or half-published record shows.
StockInfo Record(std::size_t i, int version) {
    StockInfo s;
    s.code = CodeOf(i);
    s.name_ko = "종목" + std::to_string(i);
    s.name_en = "v" + std::to_string(version);
    s.market = Exchange::kKosdaq;
    s.previous_close = 1'000 + version;
    return s;
}

bool Consistent(const StockInfo& s, std::size_t id) {
    return s.code == CodeOf(id) && s.name_ko == "종목" + std::to_string(id) &&
           s.name_en == "v" + std::to_string(s.previous_close - 1'000);
}

TEST(UniverseTest, ConcurrentReadersSeeWholeRecordsWhileAWriterAddsAndUpdates) {
    Universe u;
    constexpr std::size_t kStocks = 600;
    constexpr int kVersions = 5;
    std::atomic<bool> done{false};
    std::atomic<std::size_t> bad{0};
    std::atomic<std::size_t> reads{0};

    auto reader = [&](std::size_t salt) {
        std::size_t local = 0;
        while (!done.load(std::memory_order_acquire) || local < 1'000) {
            const std::size_t n = u.size();
            if (n == 0) continue;
            const std::size_t id = (local * 7919 + salt) % n;
            const StockInfo& held = u.Get(static_cast<SymbolId>(id));
            const std::string name_before = held.name_en;
            if (!Consistent(held, id)) ++bad;
            // Find sees every code whose id is below a size read before it.
            auto found = u.Find(CodeOf(id));
            if (!found || *found != id) ++bad;
            const ListingStatus st = u.status(static_cast<SymbolId>(id));
            if (st != ListingStatus::kInactive && st != ListingStatus::kActive && st != ListingStatus::kHalted) ++bad;
            // A record never changes once published: the writer publishes new ones instead.
            if (held.name_en != name_before) ++bad;
            if (local % 97 == 0) {
                const auto all = u.all();
                if (all.size() < n) ++bad;
                for (std::size_t i = 0; i < all.size(); ++i) {
                    if (!Consistent(all[i], i)) ++bad;
                }
            }
            ++local;
        }
        reads += local;
    };

    std::vector<std::thread> readers;
    for (std::size_t t = 0; t < 3; ++t) readers.emplace_back(reader, t * 131);
    std::thread writer([&] {
        for (std::size_t i = 0; i < kStocks; ++i) {
            auto id = u.Upsert(Record(i, 0));
            if (!id || *id != i) ++bad;
            // Update earlier stocks while adding new ones: new records, same ids.
            const std::size_t back = i / 2;
            const int version = static_cast<int>(i % kVersions) + 1;
            if (!u.Upsert(Record(back, version))) ++bad;
            const ListingStatus status = version % 2 == 0 ? ListingStatus::kHalted : ListingStatus::kActive;
            if (!u.SetStatus(static_cast<SymbolId>(back), status)) ++bad;
        }
        done.store(true, std::memory_order_release);
    });
    writer.join();
    for (auto& r : readers) r.join();

    EXPECT_EQ(bad.load(), 0u);
    EXPECT_GE(reads.load(), 3'000u);
    EXPECT_EQ(u.size(), kStocks);
    for (std::size_t i = 0; i < kStocks; ++i) {
        ASSERT_TRUE(Consistent(u.Get(static_cast<SymbolId>(i)), i)) << i;
        EXPECT_EQ(u.Find(CodeOf(i)).value(), i);
    }
}

TEST(UniverseTest, RefusesToAddBeyondItsCapacityButStillUpdates) {
    Universe u;
    for (std::size_t i = 0; i < Universe::kCapacity; ++i) {
        auto id = u.Upsert(Record(i, 0));
        ASSERT_TRUE(id) << i << ": " << id.error().message;
    }
    EXPECT_EQ(u.size(), Universe::kCapacity);
    auto refused = u.Upsert(Record(Universe::kCapacity, 0));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_NE(refused.error().message.find("16384"), std::string::npos) << refused.error().message;
    EXPECT_EQ(u.size(), Universe::kCapacity) << "nothing added";
    EXPECT_FALSE(u.Find(CodeOf(Universe::kCapacity)).has_value());

    auto updated = u.Upsert(Record(42, 3));
    ASSERT_TRUE(updated);
    EXPECT_EQ(*updated, 42u);
    EXPECT_EQ(u.Get(42).previous_close, 1'003);
}

TEST(UniverseTest, UpdatesKeepTheIdAndEarlierReferencesKeepTheirRecord) {
    Universe u;
    for (auto& s : DefaultUniverse()) ASSERT_TRUE(u.Upsert(s));
    const SymbolId samsung = u.Find("005930").value();
    const StockInfo& before = u.Get(samsung);
    EXPECT_EQ(u.status(samsung), ListingStatus::kInactive) << "a new stock is not tradable until told";

    StockInfo renamed = before;
    renamed.name_en = "Samsung Elec.";
    ASSERT_EQ(u.Upsert(renamed).value(), samsung);
    ASSERT_TRUE(u.SetPreviousClose(samsung, 250'000));
    ASSERT_TRUE(u.SetStatus(samsung, ListingStatus::kHalted));

    EXPECT_EQ(u.Find("005930").value(), samsung);
    EXPECT_EQ(u.size(), 5u);
    EXPECT_EQ(u.Get(samsung).name_en, "Samsung Elec.");
    EXPECT_EQ(u.Get(samsung).previous_close, 250'000);
    EXPECT_EQ(u.status(samsung), ListingStatus::kHalted);
    EXPECT_EQ(before.name_en, "Samsung Electronics") << "the old record is immutable and still alive";
    EXPECT_EQ(before.previous_close, 249'500);
    EXPECT_EQ(u.all().at(samsung).name_en, "Samsung Elec.");

    EXPECT_EQ(u.status(999), ListingStatus::kInactive);
    EXPECT_EQ(u.SetStatus(999, ListingStatus::kActive).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(u.SetPreviousClose(999, 1'000).error().code, ErrorCode::kNotFound);
    EXPECT_THROW((void)u.Get(999), std::out_of_range);

    Universe moved(std::move(u));
    EXPECT_EQ(moved.Find("005930").value(), samsung);
    EXPECT_EQ(moved.status(samsung), ListingStatus::kHalted);
    EXPECT_EQ(moved.Get(samsung).name_en, "Samsung Elec.");
}

TEST(UniverseTest, ListingStatusNamesRoundTrip) {
    for (auto s : {ListingStatus::kInactive, ListingStatus::kActive, ListingStatus::kHalted}) {
        EXPECT_EQ(ParseListingStatus(ListingStatusName(s)).value(), s);
    }
    EXPECT_FALSE(ParseListingStatus("Active"));
    EXPECT_FALSE(ParseListingStatus(""));
    EXPECT_FALSE(IsListed(ListingStatus::kInactive));
    EXPECT_TRUE(IsListed(ListingStatus::kHalted));
}

}  // namespace
}  // namespace ik::market
