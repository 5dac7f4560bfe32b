#pragma once
// A data directory: service.db and recommend.db side by side, as in the original's two databases, guarded by
// an exclusive flock on dir/LOCK so two writers (servers) can never share it. DataDir owns both stores and
// the lock; it is movable, not copyable. The stores are thread-safe (each serialises its own calls).
#include <memory>
#include <string>

#include "common/error.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "storage/store.hpp"

namespace ik::storage {

struct OpenOptions {
    // serve, migrate: create the directory and the databases when missing. verify: false, and a missing
    // directory or database is kNotFound naming the path.
    bool create_if_missing = true;
    // Apply pending migrations while opening. Off by default: `serve` and `migrate` call Migrate() themselves,
    // and `verify` must not change the files (it reports an old schema instead).
    bool migrate = false;
    // Open both databases read-only and take no lock: inspect a directory a running server holds.
    bool read_only = false;
    Synchronous synchronous = Synchronous::kFull;
    int busy_timeout_ms = 5'000;
    bool quick_check = true;  // PRAGMA quick_check on both files (kDataLoss naming the file on failure)
};

class DataDir final {
public:
    DataDir(DataDir&& other) noexcept;
    DataDir& operator=(DataDir&& other) noexcept;
    ~DataDir();  // closes both databases, then releases the lock

    // The two stores, open for the DataDir's lifetime (do not move them out: the lock must outlive them).
    std::unique_ptr<ServiceStore> service;
    std::unique_ptr<RecommendStore> recommend;

    const std::string& path() const { return path_; }
    std::string service_path() const;
    std::string recommend_path() const;

    // Another connection to service.db, for readers on other threads that should not queue behind commits
    // (WAL lets them read the last committed state while the writer commits). Read-only when the directory
    // was opened read-only.
    Result<std::unique_ptr<ServiceStore>> OpenServiceReader() const;

private:
    friend Result<DataDir> OpenDataDir(const std::string& dir, const OpenOptions& options);
    DataDir() = default;
    void Close();

    std::string path_;
    OpenOptions options_;
    int lock_fd_ = -1;  // released only after both stores are closed
};

// Opens (and with create_if_missing creates) `dir`: takes dir/LOCK unless read-only (kUnavailable naming the
// directory and the holder's pid when another process has it), opens both databases (kNotFound naming a
// missing path, kDataLoss naming a file that is not a database or is corrupt, kFailedPrecondition for a schema
// newer than this binary) and, with options.migrate, migrates them.
Result<DataDir> OpenDataDir(const std::string& dir, const OpenOptions& options = {});

}  // namespace ik::storage
