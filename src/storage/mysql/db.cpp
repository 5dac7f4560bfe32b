#include "storage/mysql/db.hpp"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <charconv>
#include <thread>

#include <fmt/format.h>

#include "common/log.hpp"

namespace ik::storage::mysql {

namespace {

Error MapError(unsigned int code, std::string_view message, const Dsn& dsn, std::string_view what) {
    ErrorCode c = ErrorCode::kInternal;
    switch (code) {
        case ER_DUP_ENTRY: c = ErrorCode::kAlreadyExists; break;
        case ER_LOCK_DEADLOCK:
        case ER_LOCK_WAIT_TIMEOUT:
        case CR_CONNECTION_ERROR:
        case CR_CONN_HOST_ERROR:
        case CR_SERVER_GONE_ERROR:
        case CR_SERVER_LOST: c = ErrorCode::kUnavailable; break;
        // A broken constraint (foreign key, CHECK, NOT NULL, a value too long for its column) refuses the
        // statement, as SQLITE_CONSTRAINT does in the SQLite stores.
        case ER_NO_REFERENCED_ROW:
        case ER_NO_REFERENCED_ROW_2:
        case ER_ROW_IS_REFERENCED:
        case ER_ROW_IS_REFERENCED_2:
        case ER_CONSTRAINT_FAILED:
        case ER_BAD_NULL_ERROR:
        case ER_DATA_TOO_LONG: c = ErrorCode::kFailedPrecondition; break;
        case ER_ACCESS_DENIED_ERROR:
        case ER_DBACCESS_DENIED_ERROR: c = ErrorCode::kPermissionDenied; break;
        default: break;
    }
    return Error{c, fmt::format("{} ({}): {} [{}]", what, dsn.Redacted(), message, code)};
}

int FromHex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Result<std::string> PercentDecode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        if (i + 2 >= s.size() || FromHex(s[i + 1]) < 0 || FromHex(s[i + 2]) < 0) {
            return MakeError(ErrorCode::kInvalidArgument, "database URL: broken percent-escape");
        }
        out += static_cast<char>(FromHex(s[i + 1]) * 16 + FromHex(s[i + 2]));
        i += 2;
    }
    return out;
}

}  // namespace

Result<Dsn> Dsn::Parse(std::string_view url) {
    constexpr std::string_view kScheme = "mysql://";
    const auto bad = [](std::string_view why) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("database URL must look like mysql://user:password@host:port/database ({})", why));
    };
    if (!url.starts_with(kScheme)) return bad("scheme");
    url.remove_prefix(kScheme.size());
    const auto at = url.rfind('@');
    if (at == std::string_view::npos) return bad("no user");
    const std::string_view auth = url.substr(0, at);
    std::string_view rest = url.substr(at + 1);
    Dsn d;
    const auto colon = auth.find(':');
    auto user = PercentDecode(auth.substr(0, colon));
    if (!user || user->empty()) return bad("no user");
    d.user = *user;
    if (colon != std::string_view::npos) {
        auto pass = PercentDecode(auth.substr(colon + 1));
        if (!pass) return bad("password");
        d.password = *pass;
    }
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos || slash + 1 >= rest.size()) return bad("no database");
    d.database = std::string(rest.substr(slash + 1));
    if (d.database.find_first_of("/?#") != std::string::npos) return bad("database name");
    std::string_view hostport = rest.substr(0, slash);
    if (const auto c = hostport.rfind(':'); c != std::string_view::npos) {
        unsigned port = 0;
        const auto p = hostport.substr(c + 1);
        auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
        if (ec != std::errc{} || end != p.data() + p.size() || port == 0 || port > 65535) return bad("port");
        d.port = static_cast<std::uint16_t>(port);
        hostport = hostport.substr(0, c);
    }
    if (hostport.empty()) return bad("no host");
    d.host = std::string(hostport);
    return d;
}

std::string Dsn::Redacted() const { return fmt::format("mysql://{}:***@{}:{}/{}", user, host, port, database); }

// ---------------------------------------------------------------------------------------------------------

struct Statement::Impl {
    Connection* conn = nullptr;
    MYSQL_STMT* stmt = nullptr;
    const char* sql = nullptr;
    // Parameters: int64 values and text (kept here so the binds point at live storage).
    std::vector<MYSQL_BIND> params;
    std::vector<std::int64_t> ints;
    std::vector<std::string> texts;
    std::vector<char> nulls;
    std::vector<unsigned long> param_lengths;
    // Result columns, all fetched as text.
    std::vector<MYSQL_BIND> cols;
    std::vector<std::string> values;
    std::vector<unsigned long> lengths;
    std::vector<my_bool> col_nulls;
    std::vector<my_bool> truncated;
    bool has_result = false;

    ~Impl() {
        if (stmt != nullptr) mysql_stmt_close(stmt);
    }
    Error Fail(std::string_view what) const {
        return MapError(mysql_stmt_errno(stmt), mysql_stmt_error(stmt), conn->dsn(), what);
    }
    void Clear() {
        if (has_result) mysql_stmt_free_result(stmt);
        has_result = false;
        for (std::size_t i = 0; i < params.size(); ++i) {
            params[i] = MYSQL_BIND{};
            params[i].buffer_type = MYSQL_TYPE_NULL;
        }
    }
};

Statement::Statement(Statement&& other) noexcept : impl_(other.impl_) { other.impl_ = nullptr; }

Statement::~Statement() {
    if (impl_ != nullptr) impl_->Clear();  // the cached statement is ready for its next user
}

Statement& Statement::Bind(int index, std::int64_t value) {
    auto& i = *impl_;
    const auto k = static_cast<std::size_t>(index);
    i.ints[k] = value;
    i.params[k] = MYSQL_BIND{};
    i.params[k].buffer_type = MYSQL_TYPE_LONGLONG;
    i.params[k].buffer = &i.ints[k];
    return *this;
}

Statement& Statement::Bind(int index, std::string_view value) {
    auto& i = *impl_;
    const auto k = static_cast<std::size_t>(index);
    i.texts[k].assign(value);
    i.param_lengths[k] = static_cast<unsigned long>(i.texts[k].size());
    i.params[k] = MYSQL_BIND{};
    i.params[k].buffer_type = MYSQL_TYPE_STRING;
    i.params[k].buffer = i.texts[k].data();
    i.params[k].buffer_length = i.param_lengths[k];
    i.params[k].length = &i.param_lengths[k];
    return *this;
}

Statement& Statement::BindNull(int index) {
    auto& i = *impl_;
    const auto k = static_cast<std::size_t>(index);
    i.params[k] = MYSQL_BIND{};
    i.params[k].buffer_type = MYSQL_TYPE_NULL;
    return *this;
}

Statement& Statement::BindOptional(int index, std::optional<std::int64_t> value) {
    return value ? Bind(index, *value) : BindNull(index);
}

Status Statement::Execute() {
    auto& i = *impl_;
    if (i.has_result) {
        mysql_stmt_free_result(i.stmt);
        i.has_result = false;
    }
    if (!i.params.empty() && mysql_stmt_bind_param(i.stmt, i.params.data()) != 0)
        return std::unexpected(i.Fail("bind"));
    if (mysql_stmt_execute(i.stmt) != 0) return std::unexpected(i.Fail("execute"));
    MYSQL_RES* meta = mysql_stmt_result_metadata(i.stmt);
    if (meta == nullptr) return {};  // no rows (INSERT, UPDATE, DDL)
    const unsigned n = mysql_num_fields(meta);
    mysql_free_result(meta);
    i.cols.assign(n, MYSQL_BIND{});
    i.values.assign(n, std::string(64, '\0'));
    i.lengths.assign(n, 0);
    i.col_nulls.assign(n, 0);
    i.truncated.assign(n, 0);
    for (unsigned c = 0; c < n; ++c) {
        i.cols[c].buffer_type = MYSQL_TYPE_STRING;
        i.cols[c].buffer = i.values[c].data();
        i.cols[c].buffer_length = static_cast<unsigned long>(i.values[c].size());
        i.cols[c].length = &i.lengths[c];
        i.cols[c].is_null = &i.col_nulls[c];
        i.cols[c].error = &i.truncated[c];
    }
    if (mysql_stmt_bind_result(i.stmt, i.cols.data()) != 0) return std::unexpected(i.Fail("bind result"));
    if (mysql_stmt_store_result(i.stmt) != 0) return std::unexpected(i.Fail("read result"));
    i.has_result = true;
    return {};
}

Result<bool> Statement::Fetch() {
    auto& i = *impl_;
    if (!i.has_result) return false;
    const int rc = mysql_stmt_fetch(i.stmt);
    if (rc == MYSQL_NO_DATA) return false;
    if (rc == 1) return std::unexpected(i.Fail("fetch"));
    bool grown = false;
    for (std::size_t c = 0; c < i.cols.size(); ++c) {
        if (i.col_nulls[c] || i.lengths[c] <= i.values[c].size()) continue;
        // Longer than the buffer (MYSQL_DATA_TRUNCATED): read the whole value into a bigger one.
        i.values[c].assign(i.lengths[c], '\0');
        i.cols[c].buffer = i.values[c].data();
        i.cols[c].buffer_length = static_cast<unsigned long>(i.values[c].size());
        if (mysql_stmt_fetch_column(i.stmt, &i.cols[c], static_cast<unsigned>(c), 0) != 0)
            return std::unexpected(i.Fail("fetch"));
        grown = true;
    }
    if (grown && mysql_stmt_bind_result(i.stmt, i.cols.data()) != 0) return std::unexpected(i.Fail("bind result"));
    return true;
}

std::string Statement::Text(int column) const {
    const auto& i = *impl_;
    const auto c = static_cast<std::size_t>(column);
    if (i.col_nulls[c]) return {};
    return std::string(i.values[c].data(), std::min<std::size_t>(i.lengths[c], i.values[c].size()));
}

std::int64_t Statement::Int(int column) const {
    const std::string t = Text(column);
    std::int64_t v = 0;
    std::from_chars(t.data(), t.data() + t.size(), v);
    return v;
}

bool Statement::IsNull(int column) const { return impl_->col_nulls[static_cast<std::size_t>(column)] != 0; }

std::int64_t Statement::AffectedRows() const {
    return static_cast<std::int64_t>(mysql_stmt_affected_rows(impl_->stmt));
}

std::int64_t Statement::LastInsertId() const { return static_cast<std::int64_t>(mysql_stmt_insert_id(impl_->stmt)); }

// ---------------------------------------------------------------------------------------------------------

Result<std::unique_ptr<Connection>> Connection::Open(const Dsn& dsn, std::chrono::milliseconds timeout) {
    const auto start = std::chrono::steady_clock::now();
    Error last{ErrorCode::kUnavailable, "no attempt"};
    for (int attempt = 1;; ++attempt) {
        MYSQL* db = mysql_init(nullptr);
        if (db == nullptr) return MakeError(ErrorCode::kInternal, "mysql_init failed");
        const unsigned int connect_timeout = 3;
        const my_bool no = 0;
        mysql_optionsv(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
        mysql_optionsv(db, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
        // A half-open connection fails a call after this long instead of blocking the role for good.
        const unsigned int io_timeout = 60;
        mysql_optionsv(db, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
        mysql_optionsv(db, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
        mysql_optionsv(db, MYSQL_OPT_RECONNECT, &no);  // a lost connection is an error, never a silent retry
        const unsigned int tcp = MYSQL_PROTOCOL_TCP;
        mysql_optionsv(db, MYSQL_OPT_PROTOCOL, &tcp);
        if (mysql_real_connect(db, dsn.host.c_str(), dsn.user.c_str(), dsn.password.c_str(), dsn.database.c_str(),
                               dsn.port, nullptr, 0) != nullptr) {
            auto conn = std::unique_ptr<Connection>(new Connection(db, dsn));
            // Strict SQL: a value that does not fit is an error, not a silent truncation.
            if (auto s = conn->Exec("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ENGINE_SUBSTITUTION',"
                                    " time_zone = '+00:00'");
                !s) {
                return std::unexpected(s.error());
            }
            return conn;
        }
        last = MapError(mysql_errno(db), mysql_error(db), dsn, "connect");
        mysql_close(db);
        if (last.code == ErrorCode::kPermissionDenied) return std::unexpected(last);
        const auto waited =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
        if (waited >= timeout) {
            last.message = fmt::format("{} (gave up after {} ms, {} attempts)", last.message, waited.count(), attempt);
            return std::unexpected(last);
        }
        GetLogger("storage")->warn("event=mysql_waiting url={} attempt={} waited_ms={} last_error=\"{}\"",
                                   dsn.Redacted(), attempt, waited.count(), last.message);
        std::this_thread::sleep_for(std::min(std::chrono::milliseconds(500), timeout - waited));
    }
}

Connection::Connection(MYSQL* db, Dsn dsn) : db_(db), dsn_(std::move(dsn)) {}

Connection::~Connection() {
    cache_.clear();  // statements close before the connection
    mysql_close(db_);
}

bool IsTransactionConflict(const Error& e) {
    // MapError ends every message with the server's error number in brackets.
    return e.code == ErrorCode::kUnavailable && (e.message.ends_with(fmt::format("[{}]", ER_LOCK_DEADLOCK)) ||
                                                 e.message.ends_with(fmt::format("[{}]", ER_LOCK_WAIT_TIMEOUT)));
}

Error Connection::ErrorFrom(std::string_view what) const {
    return MapError(mysql_errno(db_), mysql_error(db_), dsn_, what);
}

Status Connection::Exec(std::string_view sql) {
    if (mysql_real_query(db_, sql.data(), static_cast<unsigned long>(sql.size())) != 0)
        return std::unexpected(ErrorFrom("query"));
    // Drain every result (a multi-statement batch, or a statement that returned rows nobody reads).
    do {
        if (MYSQL_RES* r = mysql_store_result(db_)) mysql_free_result(r);
    } while (mysql_next_result(db_) == 0);
    if (mysql_errno(db_) != 0) return std::unexpected(ErrorFrom("query"));
    return {};
}

Result<Statement> Connection::Prepare(const char* sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        auto impl = std::make_unique<Statement::Impl>();
        impl->conn = this;
        impl->sql = sql;
        impl->stmt = mysql_stmt_init(db_);
        if (impl->stmt == nullptr) return std::unexpected(ErrorFrom("prepare"));
        if (mysql_stmt_prepare(impl->stmt, sql, static_cast<unsigned long>(std::char_traits<char>::length(sql))) != 0) {
            return std::unexpected(impl->Fail(fmt::format("prepare \"{:.60}\"", sql)));
        }
        const unsigned long n = mysql_stmt_param_count(impl->stmt);
        impl->params.assign(n, MYSQL_BIND{});
        for (auto& p : impl->params) p.buffer_type = MYSQL_TYPE_NULL;
        impl->ints.assign(n, 0);
        impl->texts.assign(n, std::string());
        impl->nulls.assign(n, 0);
        impl->param_lengths.assign(n, 0);
        it = cache_.emplace(sql, std::move(impl)).first;
    }
    return Statement(it->second.get());
}

// ---------------------------------------------------------------------------------------------------------

Result<Transaction> Transaction::Begin(Connection& c) {
    if (auto s = c.Exec("START TRANSACTION"); !s) return std::unexpected(s.error());
    return Transaction(&c);
}

Transaction::~Transaction() {
    if (c_ != nullptr) (void)c_->Exec("ROLLBACK");
}

Status Transaction::Commit() {
    if (c_ == nullptr) return MakeError(ErrorCode::kFailedPrecondition, "transaction already ended");
    Connection* c = c_;
    c_ = nullptr;
    if (mysql_commit(c->handle()) != 0) {
        Error e = c->ErrorFrom("commit");
        (void)c->Exec("ROLLBACK");
        return std::unexpected(e);
    }
    return {};
}

}  // namespace ik::storage::mysql
