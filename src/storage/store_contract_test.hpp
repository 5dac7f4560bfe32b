#pragma once
// The store contract: what every ServiceStore (+ PlatformStore) and RecommendStore implementation must do, as
// GoogleTest suites over a backend factory. An implementation's test file instantiates them:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContract, ::testing::Values(StoreBackendFactory{"sqlite", [] { … }}));
//   INSTANTIATE_TEST_SUITE_P(Sqlite, VerifyContract,
//                            ::testing::Combine(::testing::Values(factory), ::testing::ValuesIn(Corruptions())));
//
// Every test starts from empty databases (the backend's Reset() drops everything), opens stores that are not yet
// migrated, and may run raw SQL behind the stores' backs through the backend (SQL common to SQLite and MariaDB).
#include <functional>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <tuple>

#include <gtest/gtest.h>

#include "storage/store.hpp"

namespace ik::storage::testing {

class StoreBackend {
public:
    virtual ~StoreBackend() = default;
    // Empties both databases: no tables at all (schema version 0). Called before each test.
    virtual void Reset() = 0;
    // A new store on the service (recommend) database; not migrated. The service store also implements
    // PlatformStore.
    virtual Result<std::unique_ptr<ServiceStore>> OpenService() = 0;
    virtual Result<std::unique_ptr<RecommendStore>> OpenRecommend() = 0;
    // Raw SQL on the service database over a separate connection, as an operator or a bug would run it.
    virtual Status Exec(const std::string& sql) = 0;
    // The same with foreign key checks off (to corrupt rows for Verify).
    virtual Status ExecUnchecked(const std::string& sql) = 0;
    // The first column of the first row as an integer (0 when there is no row or it is NULL); throws on error.
    virtual std::int64_t Query(const std::string& sql) = 0;
    // Every row of a service table as text, sorted; for before/after comparisons within one backend.
    virtual std::string DumpTable(const std::string& table) = 0;
};

struct StoreBackendFactory {
    std::string name;
    std::function<std::unique_ptr<StoreBackend>()> make;
};

inline void PrintTo(const StoreBackendFactory& f, std::ostream* os) { *os << f.name; }

// A row corrupted behind the store's back and the violation Verify must report for it.
struct Corruption {
    const char* name;
    const char* sql;
    const char* check;
    const char* message;  // a substring of the violation's message
};

inline void PrintTo(const Corruption& c, std::ostream* os) { *os << c.name; }

std::span<const Corruption> Corruptions();

class StoreContract : public ::testing::TestWithParam<StoreBackendFactory> {
protected:
    void SetUp() override;
    StoreBackend& backend() { return *backend_; }
    // Opens (and unless told otherwise migrates) a service store; fails the test on error.
    std::unique_ptr<ServiceStore> OpenService(bool migrate = true);
    std::unique_ptr<RecommendStore> OpenRecommend(bool migrate = true);
    static PlatformStore& Platform(ServiceStore& store);

    std::unique_ptr<StoreBackend> backend_;
};

class VerifyContract : public ::testing::TestWithParam<std::tuple<StoreBackendFactory, Corruption>> {};

// Test names: "<backend>_<corruption>".
std::string VerifyContractName(const ::testing::TestParamInfo<std::tuple<StoreBackendFactory, Corruption>>& info);

}  // namespace ik::storage::testing
