#pragma once
// What the gateway needs to change the set of tradable stocks while the server runs (the admin universe API),
// whatever runs the market: implemented by the application (`app`), which owns the engine, the stores and the
// price source. Implementations are thread-safe and serialise changes; Add and Update block until the change
// is durable and the engine has applied it, so callers run them off the I/O threads.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "market/symbols.hpp"

namespace ik::gateway {

// One stock of the master and whether it trades.
struct Listing {
    market::StockInfo info;
    market::ListingStatus status = market::ListingStatus::kInactive;
};

// A stock to make tradable; fields left empty come from what is known of the code (the stored stock master,
// the built-in defaults, market.data_source).
struct NewListing {
    std::string code;
    std::optional<std::string> name_ko;
    std::optional<std::string> name_en;
    std::optional<market::Exchange> market;
    std::optional<std::string> sector;
    std::optional<Won> previous_close;
};

// Changes to a listed stock; empty fields stay as they are. status is kActive (resume) or kHalted (halt).
struct ListingChange {
    std::optional<std::string> name_ko;
    std::optional<std::string> name_en;
    std::optional<std::string> sector;
    std::optional<market::ListingStatus> status;
};

class UniverseAdmin {
public:
    virtual ~UniverseAdmin() = default;
    // Every stock of the master, by SymbolId.
    virtual std::vector<Listing> List() const = 0;
    // Makes a stock tradable. Errors: kAlreadyExists when it is already active or halted; kInvalidArgument when
    // no Korean name or previous close is given or known, or the close leaves no room to trade in the price band;
    // kFailedPrecondition when the universe is full; storage errors as they come.
    virtual Result<Listing> Add(const NewListing& listing, std::int64_t by_user) = 0;
    // Renames, re-sectors, halts or resumes a listed stock. Errors: kNotFound for a code that is unknown or not
    // listed (inactive); kInvalidArgument for status kInactive; storage errors as they come.
    virtual Result<Listing> Update(const std::string& code, const ListingChange& change, std::int64_t by_user) = 0;
};

}  // namespace ik::gateway
