// The prompt log's writer over a real SQLite store: what it saves, and that
// it never holds the store's connection for a whole backlog at once.
#include <catch2/catch.hpp>
#include <string>

#include "crypto/sodium_crypto.h"
#include "service/prompt_log.h"
#include "store/sqlite_store.h"
#include "temp_dir.h"

using namespace meldcode;

namespace {

std::shared_ptr<const Crypto> crypto() {
    static const std::shared_ptr<const Crypto> c =
        make_sodium_crypto({"k1", {{"k1", std::string(32, '\x31')}}});
    return c;
}

}  // namespace

TEST_CASE("a backlog of prompts is saved in store calls of at most 512", "[prompt_log]") {
    test::TempDir dir("meldcode-prompt-log");
    auto store = open_sqlite_store(dir.file("meldcode.db"), crypto());
    constexpr int kTickets = 5000;
    const auto before = store->stats().commits;
    {
        PromptLog log(*store, 0);
        // Far faster than a durable save: most of them wait for the writer.
        for (int i = 0; i < kTickets; ++i) REQUIRE(log.claim("T-" + std::to_string(i), 1000 + i));
        log.flush();
        CHECK_FALSE(log.claim("T-4999", 9999));  // asked once
        // Nothing else runs on this store: each save is a commit of its own.
        CHECK(store->stats().commits - before >= (kTickets + 511) / 512);
    }
    const auto saved = store->prompts_since(0);
    REQUIRE(saved.size() == kTickets);
    CHECK(saved.front().host_ticket_id == "T-0");
    CHECK(saved.back().host_ticket_id == "T-4999");
    CHECK(saved.back().prompted_at == 1000 + kTickets - 1);
}
