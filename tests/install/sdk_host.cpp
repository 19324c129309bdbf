// An out-of-tree C++ host built against the installed package: the C++ SDK
// loads the installed plugin at run time from the path find_package(meldcode)
// compiled in (MELDCODE_DEFAULT_PLUGIN), with no path given and no link to it.
#include <ctime>
#include <iostream>
#include <meldcode/meldcode.hpp>

// Now, as RFC 3339: a ticket older than max_ticket_age_hours is not asked about.
std::string now() {
    const std::time_t t = std::time(nullptr);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return text;
}

int main(int argc, char** argv) try {
    if (argc != 2) return std::cerr << "usage: sdk_host CONFIG_JSON\n", 2;
    const auto plugin = std::make_shared<const meldcode::sdk::Plugin>();
    const meldcode::sdk::Instance mc(plugin, nlohmann::json::parse(argv[1]));
    const nlohmann::json technician{{"id", "t-7"}, {"role", "observer"}};
    const nlohmann::json prompt = mc.ticket_closed(technician, {{"host_ticket_id", "WO-2"},
                                                                {"unit_id", "VHE-000124"},
                                                                {"work_type", "REP"},
                                                                {"entered_dwelling", true},
                                                                {"technician_id", "t-7"},
                                                                {"closed_at", now()}});
    const nlohmann::json receipt =
        mc.submit_signals(technician, {{"prompt_token", prompt.at("prompt_token")},
                                       {"idempotency_key", "install-0002"},
                                       {"signals", {"mc.home.holes_in_walls_or_doors"}},
                                       {"observations", "(test)"},
                                       {"children_involved", "unknown"},
                                       {"acute", false}});
    std::cout << "receipt " << receipt.at("submission_ref").get<std::string>() << " from "
              << meldcode::sdk::Plugin::default_path() << '\n';
} catch (const meldcode::sdk::Error& e) {
    std::cerr << e.code() << ": " << e.what() << '\n';
    return 1;
}
