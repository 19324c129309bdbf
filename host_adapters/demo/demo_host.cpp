// meldcode_demo: a host like an ERP. It loads libmeldcode through the C ABI
// (Boost.DLL, no link-time dependency) and walks one concern from ticket
// close to closure, printing each step. Only ids and states are printed:
// concern content never goes to a log or a terminal.
#include <boost/program_options.hpp>
#include <chrono>
#include <iostream>

#include "meldcode/meldcode.hpp"

namespace po = boost::program_options;
using nlohmann::json;

namespace {

std::string now_utc(int days_ahead = 0) {
    const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() +
                                                        std::chrono::hours(24 * days_ahead));
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

void step(const std::string& what, const std::string& result) {
    std::cout << "  " << what << std::string(what.size() < 34 ? 34 - what.size() : 1, ' ') << result
              << '\n';
}

json act(const meldcode::sdk::Instance& mc, const json& officer, const std::string& ref,
         const std::string& action, const json& fields) {
    json concern = mc.act(officer, {{"concern_ref", ref}, {"action", action}, {"fields", fields}});
    step("officer: " + action, "state " + concern.at("state").get<std::string>());
    return concern;
}

json answer(bool yes, const char* why) {
    return {{"answer", yes}, {"explanation", why}};
}
json decision(bool yes, const char* why) {
    return {{"decision", yes}, {"rationale", why}};
}

void walk(const meldcode::sdk::Instance& mc) {
    const std::string run =
        std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
    const json technician{{"id", "tech-" + run}, {"role", "observer"}};
    const json officer{{"id", "af-1"}, {"role", "officer"}};
    const json erp{{"id", "erp"}, {"role", "integration"}};
    const json ticket{{"host_ticket_id", "WO-" + run},
                      {"unit_id", "unit-" + run},
                      {"work_type", "REP"},
                      {"entered_dwelling", true},
                      {"technician_id", technician.at("id")},
                      {"closed_at", now_utc()},
                      {"locale", "en"}};

    const json prompt = mc.ticket_closed(erp, ticket);
    step("host: ticket closed", "ask=" + prompt.at("ask").dump() + ", form with " +
                                    std::to_string(prompt.at("form").at("categories").size()) +
                                    " categories");
    step("host: same ticket again",
         "reason " + mc.ticket_closed(erp, ticket).at("reason").get<std::string>());

    const json receipt = mc.submit_signals(
        technician, {{"prompt_token", prompt.at("prompt_token")},
                     {"idempotency_key", "demo-" + run},
                     {"signals", {"mc.home.holes_in_walls_or_doors", "mc.children.lock_on_outside_of_room"}},
                     {"observations", "(demo) what the technician saw, factually"},
                     {"children_involved", "yes"},
                     {"acute", false}});
    const std::string submission = receipt.at("submission_ref");
    step("technician: submit signals", "receipt " + submission);
    mc.report_host_event(erp, {{"event_id", "EV-" + run},
                               {"unit_id", ticket.at("unit_id")},
                               {"kind", "repeated_repair"},
                               {"occurred_at", now_utc()},
                               {"count", 3},
                               {"element", "door"}});
    step("host: repeated repair reported", "accepted");

    const json page = mc.list_concerns(officer, {{"unit_id", ticket.at("unit_id")}});
    const std::string ref = page.at("items").at(0).at("concern_ref");
    step("officer: list concerns",
         std::to_string(page.at("items").size()) + " for this unit: " + ref);
    act(mc, officer, ref, "assign", {{"assignee", "af-1"}});
    act(mc, officer, ref, "map_signals",
        {{"observations", "(demo) facts"},
         {"supporting_signals", "(demo)"},
         {"undermining_signals", "(demo)"},
         {"children_involved", true}});
    act(mc, officer, ref, "consult",
        {{"consulted_with", "Veilig Thuis (anonymous advice)"},
         {"consulted_at", now_utc()},
         {"question", "(demo)"},
         {"advice", "(demo)"},
         {"veilig_thuis_consulted", true}});
    act(mc, officer, ref, "skip_conversation",
        {{"skip_reason", "(demo) would endanger the child"}});
    act(mc, officer, ref, "weigh",
        {{"suspicion", answer(true, "(demo)")}, {"unsafety", answer(true, "(demo) structural")}});
    act(mc, officer, ref, "decide",
        {{"report", decision(true, "(demo) norm 1")}, {"help", decision(false, "(demo)")}});
    step("technician: status of submission",
         mc.submission_status(technician, {{"submission_ref", submission}}).at("status"));
    act(mc, officer, ref, "give_feedback", json::object());
    const json closed =
        act(mc, officer, ref, "close", {{"reason", "(demo) reported to Veilig Thuis"}});
    step("technician: status of submission",
         mc.submission_status(technician, {{"submission_ref", submission}}).at("status"));
    step("officer: chronology", std::to_string(closed.at("chronology").size()) + " entries");
}

}  // namespace

int main(int argc, char** argv) {
    po::options_description options("meldcode_demo: walk one concern through the meldcode");
    options.add_options()("help", "show this help")("plugin", po::value<std::string>()->required(),
                                                    "path of libmeldcode.so")(
        "store", po::value<std::string>()->required(), "SQLite store (created when absent)")(
        "keys", po::value<std::string>()->required(),
        "key ring file (schemas/key_ring.schema.json, mode 0600)");
    try {
        po::variables_map vm;
        po::store(po::parse_command_line(argc, argv, options), vm);
        if (vm.count("help") != 0) {
            std::cout << options << '\n';
            return 0;
        }
        po::notify(vm);
        const auto plugin =
            std::make_shared<const meldcode::sdk::Plugin>(vm["plugin"].as<std::string>());
        const json info = plugin->info();
        std::cout << "meldcode " << info.at("version").get<std::string>() << " (ABI "
                  << info.at("abi_version").get<std::string>() << ", catalog "
                  << info.at("catalog_version").get<std::string>() << ")\n"
                  << "store: " << vm["store"].as<std::string>() << "\n";
        const meldcode::sdk::Instance mc(plugin,
                                         {{"store_path", vm["store"].as<std::string>()},
                                          {"keys", {{"file", vm["keys"].as<std::string>()}}}});
        walk(mc);
        std::cout << "done: every step is durable in the store.\n";
        return 0;
    } catch (const meldcode::sdk::Error& e) {
        std::cerr << "meldcode_demo: " << e.code() << ": " << e.what()
                  << (e.pointer().empty() ? "" : " at " + e.pointer()) << '\n';
    } catch (const std::exception& e) {
        std::cerr << "meldcode_demo: " << e.what() << '\n';
    }
    return 1;
}
