// Verify() of the SQLite store where it is SQLite's own: corrupt pages. The invariant checks (clean data, each
// corrupted row, an old schema) are the VerifyContract / StoreContract suites in store_contract_test.cpp.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "storage/data_dir.hpp"
#include "storage/test_events.hpp"

namespace ik::storage {
namespace {

using testing::EventBuilder;
using testing::TempDir;

TEST(SqliteVerifyTest, ReportsCorruptPagesAsAnIntegrityViolation) {
    TempDir tmp;
    OpenOptions o;
    o.migrate = true;
    {
        auto data = OpenDataDir(tmp.path(), o);
        ASSERT_TRUE(data);
        EventBuilder b;
        WriteBatch batch;
        batch.events.push_back(b.OpenAccount(1, 100'000'000));
        for (int i = 0; i < 300; ++i) {
            auto buy = b.AcceptBuy(1, 0, 1, 10'000);
            batch.events.push_back(buy);
            batch.events.push_back(b.Fill(buy.order.id, 1, 10'000));
        }
        ASSERT_TRUE(data->service->Commit(batch));
    }
    const std::string path = tmp.File("service.db");
    const auto size = std::filesystem::file_size(path);
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(static_cast<std::streamoff>(size / 2));
        const std::string junk(2 * 4096, '\x3c');
        f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
    }
    o.create_if_missing = false;
    o.migrate = false;
    o.quick_check = false;  // open anyway, as a long-running server would have, and let Verify find it
    auto data = OpenDataDir(tmp.path(), o);
    ASSERT_TRUE(data) << data.error().message;
    auto violations = data->service->Verify();
    ASSERT_TRUE(violations) << violations.error().message;
    ASSERT_FALSE(violations->empty());
    EXPECT_EQ((*violations)[0].check, "integrity") << (*violations)[0].message;
    EXPECT_NE((*violations)[0].message.find("service.db"), std::string::npos) << (*violations)[0].message;
}

}  // namespace
}  // namespace ik::storage
