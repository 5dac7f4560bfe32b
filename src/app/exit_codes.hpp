#pragma once
// Process exit codes of the investking binary, documented in docs/operations.md.
namespace ik::app {
inline constexpr int kExitOk = 0;
inline constexpr int kExitViolations = 1;   // verify found broken invariants
inline constexpr int kExitUsage = 2;        // bad command line or configuration
inline constexpr int kExitData = 3;         // data directory missing, locked, corrupt or too new
inline constexpr int kExitRuntime = 4;      // a failure while running (storage write failed, …)
}  // namespace ik::app
