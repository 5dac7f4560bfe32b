// OpenDataDir on real directories: creation, must-exist, locking, files that are not databases or are
// corrupt, schemas from a newer binary, read-only inspection beside a writer.
#include "storage/data_dir.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include <gtest/gtest.h>

#include "storage/test_events.hpp"

namespace ik::storage {
namespace {

namespace fs = std::filesystem;
using testing::EventBuilder;
using testing::ExecSql;
using testing::QuerySql;
using testing::TempDir;

OpenOptions Create() {
    OpenOptions o;
    o.create_if_missing = true;
    o.migrate = true;
    return o;
}

OpenOptions MustExist() {
    OpenOptions o;
    o.create_if_missing = false;
    return o;
}

bool Contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

void Overwrite(const std::string& path, std::uintmax_t offset, const std::string& bytes) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A data directory with some trading in it, closed cleanly (so service.db holds everything, no WAL).
void Populate(const std::string& dir) {
    auto data = OpenDataDir(dir, Create());
    ASSERT_TRUE(data) << data.error().message;
    EventBuilder b;
    WriteBatch batch;
    batch.events.push_back(b.OpenAccount(1, 10'000'000));
    for (int i = 0; i < 200; ++i) {
        auto buy = b.AcceptBuy(1, 0, 1, 10'000);
        batch.events.push_back(buy);
        batch.events.push_back(b.Fill(buy.order.id, 1, 10'000));
        batch.ticks.push_back(market::Tick{0, i, 10'000, 9'990, 10'000, 5});
    }
    ASSERT_TRUE(data->service->Commit(batch));
}

TEST(DataDirTest, CreatesTheDirectoryAndBothDatabases) {
    TempDir tmp;
    const std::string dir = tmp.File("nested/data");
    auto data = OpenDataDir(dir, Create());
    ASSERT_TRUE(data) << data.error().message;
    EXPECT_TRUE(fs::exists(dir + "/service.db"));
    EXPECT_TRUE(fs::exists(dir + "/recommend.db"));
    EXPECT_TRUE(fs::exists(dir + "/LOCK"));
    EXPECT_EQ(data->service->SchemaVersion().value(), data->service->LatestSchemaVersion());
    EXPECT_EQ(data->recommend->SchemaVersion().value(), data->recommend->LatestSchemaVersion());
    EXPECT_EQ(data->service_path(), dir + "/service.db");
    EXPECT_TRUE(data->service->Verify().value().empty());
}

TEST(DataDirTest, OpeningWithoutMigrateLeavesAFreshFileAtVersionZero) {
    TempDir tmp;
    OpenOptions o;  // defaults: create, no migration
    auto data = OpenDataDir(tmp.path(), o);
    ASSERT_TRUE(data) << data.error().message;
    EXPECT_EQ(data->service->SchemaVersion().value(), 0);
    auto violations = data->service->Verify();
    ASSERT_TRUE(violations);
    ASSERT_EQ(violations->size(), 1u);
    EXPECT_EQ((*violations)[0].check, "schema_version");
    ASSERT_TRUE(data->service->Migrate());
    EXPECT_TRUE(data->service->Verify().value().empty());
}

TEST(DataDirTest, MustExistReportsAMissingDirectoryByPath) {
    TempDir tmp;
    const std::string dir = tmp.File("nope");
    auto data = OpenDataDir(dir, MustExist());
    ASSERT_FALSE(data);
    EXPECT_EQ(data.error().code, ErrorCode::kNotFound);
    EXPECT_TRUE(Contains(data.error().message, dir)) << data.error().message;
    EXPECT_FALSE(fs::exists(dir));
}

TEST(DataDirTest, MustExistReportsAMissingDatabaseByPath) {
    TempDir tmp;
    auto data = OpenDataDir(tmp.path(), MustExist());
    ASSERT_FALSE(data);
    EXPECT_EQ(data.error().code, ErrorCode::kNotFound);
    EXPECT_TRUE(Contains(data.error().message, tmp.File("service.db"))) << data.error().message;
    EXPECT_FALSE(fs::exists(tmp.File("service.db")));
}

TEST(DataDirTest, AFileThatIsNotADatabaseIsDataLoss) {
    TempDir tmp;
    {
        std::ofstream f(tmp.File("service.db"), std::ios::binary);
        for (int i = 0; i < 4096; ++i) f.put(static_cast<char>(i * 7));
    }
    for (const OpenOptions& o : {Create(), MustExist()}) {
        auto data = OpenDataDir(tmp.path(), o);
        ASSERT_FALSE(data);
        EXPECT_EQ(data.error().code, ErrorCode::kDataLoss);
        EXPECT_TRUE(Contains(data.error().message, "service.db")) << data.error().message;
    }
}

TEST(DataDirTest, AFileOfTextIsDataLoss) {
    TempDir tmp;
    std::ofstream(tmp.File("recommend.db")) << "id,price\n1,70000\n";
    auto data = OpenDataDir(tmp.path(), Create());
    ASSERT_FALSE(data);
    EXPECT_EQ(data.error().code, ErrorCode::kDataLoss);
    EXPECT_TRUE(Contains(data.error().message, "recommend.db")) << data.error().message;
}

TEST(DataDirTest, ATruncatedDatabaseIsDataLoss) {
    TempDir tmp;
    Populate(tmp.path());
    const auto size = fs::file_size(tmp.File("service.db"));
    ASSERT_GT(size, 8 * 4096u);
    for (std::uintmax_t keep : {size / 2, std::uintmax_t{1000}}) {
        fs::resize_file(tmp.File("service.db"), keep);
        auto data = OpenDataDir(tmp.path(), MustExist());
        ASSERT_FALSE(data) << "kept " << keep << " bytes";
        EXPECT_EQ(data.error().code, ErrorCode::kDataLoss) << data.error().message;
        EXPECT_TRUE(Contains(data.error().message, "service.db")) << data.error().message;
    }
}

TEST(DataDirTest, GarbageInsideADatabaseIsDataLoss) {
    TempDir tmp;
    Populate(tmp.path());
    const auto size = fs::file_size(tmp.File("service.db"));
    // Scribble over the middle pages (b-tree pages of the tables written above), keeping the header intact.
    Overwrite(tmp.File("service.db"), size / 3, std::string(3 * 4096, '\x5a'));
    auto data = OpenDataDir(tmp.path(), MustExist());
    ASSERT_FALSE(data);
    EXPECT_EQ(data.error().code, ErrorCode::kDataLoss) << data.error().message;
    EXPECT_TRUE(Contains(data.error().message, "service.db")) << data.error().message;
    EXPECT_TRUE(Contains(data.error().message, "corrupt")) << data.error().message;
}

TEST(DataDirTest, ASecondWriterIsRefusedNamingTheDirectory) {
    TempDir tmp;
    auto first = OpenDataDir(tmp.path(), Create());
    ASSERT_TRUE(first) << first.error().message;
    auto second = OpenDataDir(tmp.path(), Create());
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
    EXPECT_TRUE(Contains(second.error().message, tmp.path())) << second.error().message;
    EXPECT_TRUE(Contains(second.error().message, "pid " + std::to_string(::getpid()))) << second.error().message;

    // The lock goes with the DataDir, moves with it, and is released when it closes.
    std::optional<DataDir> moved;
    moved.emplace(std::move(*first));
    EXPECT_FALSE(OpenDataDir(tmp.path(), MustExist()));
    moved.reset();
    auto third = OpenDataDir(tmp.path(), MustExist());
    EXPECT_TRUE(third) << third.error().message;
}

TEST(DataDirTest, ReadOnlyOpenInspectsADirectoryAWriterHolds) {
    TempDir tmp;
    auto writer = OpenDataDir(tmp.path(), Create());
    ASSERT_TRUE(writer);
    EventBuilder b;
    ASSERT_TRUE(writer->service->Commit(WriteBatch{{b.OpenAccount(1, 5'000'000)}, {}, {}}));

    OpenOptions ro = MustExist();
    ro.read_only = true;
    auto reader = OpenDataDir(tmp.path(), ro);
    ASSERT_TRUE(reader) << reader.error().message;
    EXPECT_EQ(reader->service->CountRows("accounts").value(), 1);
    EXPECT_TRUE(reader->service->Verify().value().empty());
    auto write = reader->service->Commit(WriteBatch{{b.Deposit(1, 1)}, {}, {}});
    ASSERT_FALSE(write);
    EXPECT_EQ(write.error().code, ErrorCode::kUnavailable) << write.error().message;

    // The writer keeps committing; the reader sees each committed state.
    ASSERT_TRUE(writer->service->Commit(WriteBatch{{b.OpenAccount(2, 1'000)}, {}, {}}));
    EXPECT_EQ(reader->service->CountRows("accounts").value(), 2);
}

TEST(DataDirTest, ServiceReaderConnectionSeesCommittedData) {
    TempDir tmp;
    auto data = OpenDataDir(tmp.path(), Create());
    ASSERT_TRUE(data);
    auto reader = data->OpenServiceReader();
    ASSERT_TRUE(reader) << reader.error().message;
    EventBuilder b;
    ASSERT_TRUE(data->service->Commit(WriteBatch{{b.OpenAccount(7, 1'000)}, {}, {}}));
    auto snap = (*reader)->LoadEngineState();
    ASSERT_TRUE(snap);
    ASSERT_EQ(snap->accounts.size(), 1u);
    EXPECT_EQ(snap->accounts[0].id, 7u);
}

TEST(DataDirTest, ADirectoryWrittenByANewerBinaryIsRefusedUnchanged) {
    TempDir tmp;
    OpenDataDir(tmp.path(), Create()).value();  // created, migrated and closed
    ExecSql(tmp.File("recommend.db"), "INSERT INTO schema_migrations VALUES (2, 'future', 0)");
    for (const OpenOptions& o : {Create(), MustExist()}) {
        auto data = OpenDataDir(tmp.path(), o);
        ASSERT_FALSE(data);
        EXPECT_EQ(data.error().code, ErrorCode::kFailedPrecondition);
        EXPECT_TRUE(Contains(data.error().message, "recommend.db")) << data.error().message;
    }
    EXPECT_EQ(QuerySql(tmp.File("recommend.db"), "SELECT MAX(version) FROM schema_migrations"), 2);
}

TEST(DataDirTest, APathThatIsAFileIsRefused) {
    TempDir tmp;
    std::ofstream(tmp.File("plain")) << "x";
    auto data = OpenDataDir(tmp.File("plain"), Create());
    ASSERT_FALSE(data);
    EXPECT_EQ(data.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_TRUE(Contains(data.error().message, tmp.File("plain")));
}

TEST(DataDirTest, DataSurvivesReopeningWithSynchronousNormal) {
    TempDir tmp;
    OpenOptions normal = Create();
    normal.synchronous = Synchronous::kNormal;
    {
        auto data = OpenDataDir(tmp.path(), normal);
        ASSERT_TRUE(data);
        EventBuilder b;
        ASSERT_TRUE(data->service->Commit(WriteBatch{{b.OpenAccount(1, 1'000)}, {}, {}}));
    }
    auto again = OpenDataDir(tmp.path(), MustExist());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->service->CountRows("accounts").value(), 1);
}

}  // namespace
}  // namespace ik::storage
