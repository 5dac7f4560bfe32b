#include "storage/data_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "common/log.hpp"

namespace ik::storage {

namespace {

namespace fs = std::filesystem;

constexpr const char* kServiceFile = "service.db";
constexpr const char* kRecommendFile = "recommend.db";
constexpr const char* kLockFile = "LOCK";

std::string Errno() { return std::strerror(errno); }

// Takes an exclusive, non-blocking flock on dir/LOCK and writes our pid into it for the next one who asks.
// The lock belongs to the open file description, so it is released when the descriptor is closed or the
// process dies (kill -9 included): no stale lock files to clean up.
Result<int> LockDirectory(const std::string& dir) {
    const std::string path = (fs::path(dir) / kLockFile).string();
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return MakeError(ErrorCode::kUnavailable, "cannot open lock file " + path + ": " + Errno());
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        std::string holder;
        char buf[32] = {};
        const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
        if (n > 0) {
            holder = std::string(buf, static_cast<std::size_t>(n));
            while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
        }
        ::close(fd);
        if (err == EWOULDBLOCK) {
            return MakeError(ErrorCode::kUnavailable, "data directory " + dir +
                                                          " is in use by another investking process" +
                                                          (holder.empty() ? std::string() : " (pid " + holder + ")") +
                                                          "; two servers cannot share a data directory");
        }
        return MakeError(ErrorCode::kUnavailable, "cannot lock " + path + ": " + std::strerror(err));
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        // The pid is only a courtesy for the error message above; the lock itself is held.
        GetLogger("storage")->warn("event=lock_pid_write_failed path={} error=\"{}\"", path, Errno());
    }
    return fd;
}

}  // namespace

DataDir::DataDir(DataDir&& other) noexcept
    : path_(std::move(other.path_)), options_(other.options_), lock_fd_(other.lock_fd_) {
    service = std::move(other.service);
    recommend = std::move(other.recommend);
    other.lock_fd_ = -1;
}

DataDir& DataDir::operator=(DataDir&& other) noexcept {
    if (this != &other) {
        Close();
        path_ = std::move(other.path_);
        options_ = other.options_;
        lock_fd_ = other.lock_fd_;
        service = std::move(other.service);
        recommend = std::move(other.recommend);
        other.lock_fd_ = -1;
    }
    return *this;
}

DataDir::~DataDir() { Close(); }

void DataDir::Close() {
    // Databases first: the lock must cover every write, including the checkpoint SQLite runs on close.
    recommend.reset();
    service.reset();
    if (lock_fd_ >= 0) {
        ::close(lock_fd_);
        lock_fd_ = -1;
    }
}

std::string DataDir::service_path() const { return (fs::path(path_) / kServiceFile).string(); }
std::string DataDir::recommend_path() const { return (fs::path(path_) / kRecommendFile).string(); }

Result<std::unique_ptr<ServiceStore>> DataDir::OpenServiceReader() const {
    SqliteOptions options;
    options.create = false;
    options.read_only = options_.read_only;
    options.synchronous = options_.synchronous;
    options.busy_timeout_ms = options_.busy_timeout_ms;
    options.quick_check = false;  // the directory was checked when it was opened
    auto store = SqliteServiceStore::Open(service_path(), options);
    if (!store) return std::unexpected(store.error());
    return std::unique_ptr<ServiceStore>(std::move(*store));
}

Result<DataDir> OpenDataDir(const std::string& dir, const OpenOptions& options) {
    if (dir.empty()) return MakeError(ErrorCode::kInvalidArgument, "data directory path is empty");
    std::error_code ec;
    const bool exists = fs::exists(dir, ec);
    if (ec) return MakeError(ErrorCode::kUnavailable, "cannot inspect data directory " + dir + ": " + ec.message());
    if (!exists) {
        if (!options.create_if_missing || options.read_only) {
            return MakeError(ErrorCode::kNotFound, "data directory " + dir + " does not exist");
        }
        fs::create_directories(dir, ec);
        if (ec) return MakeError(ErrorCode::kUnavailable, "cannot create data directory " + dir + ": " + ec.message());
    } else if (!fs::is_directory(dir, ec)) {
        return MakeError(ErrorCode::kFailedPrecondition, dir + " exists but is not a directory");
    }

    DataDir out;
    out.path_ = dir;
    out.options_ = options;
    if (!options.read_only) {
        auto fd = LockDirectory(dir);
        if (!fd) return std::unexpected(fd.error());
        out.lock_fd_ = *fd;
    }

    SqliteOptions sqlite;
    sqlite.create = options.create_if_missing && !options.read_only;
    sqlite.read_only = options.read_only;
    sqlite.synchronous = options.synchronous;
    sqlite.busy_timeout_ms = options.busy_timeout_ms;
    sqlite.quick_check = options.quick_check;
    auto service = SqliteServiceStore::Open(out.service_path(), sqlite);
    if (!service) return std::unexpected(service.error());
    out.service = std::move(*service);
    auto recommend = SqliteRecommendStore::Open(out.recommend_path(), sqlite);
    if (!recommend) return std::unexpected(recommend.error());
    out.recommend = std::move(*recommend);

    if (options.migrate && !options.read_only) {
        if (auto ok = out.service->Migrate(); !ok) return std::unexpected(ok.error());
        if (auto ok = out.recommend->Migrate(); !ok) return std::unexpected(ok.error());
    }
    auto service_version = out.service->SchemaVersion();
    auto recommend_version = out.recommend->SchemaVersion();
    GetLogger("storage")->info(
        "event=data_dir_opened dir={} read_only={} synchronous={} service_schema={} "
        "recommend_schema={}",
        dir, options.read_only, options.synchronous == Synchronous::kFull ? "full" : "normal",
        service_version.value_or(-1), recommend_version.value_or(-1));
    return out;
}

}  // namespace ik::storage
