// The draft of a melding to Veilig Thuis (mc_concern_melding_draft): what the
// officer says on the phone (0800-2000) or types into Veilig Thuis's online
// form, assembled from the concern as recorded, in the sections of that form:
// Melder, Betrokkenen, Melding, Ondersteunend netwerk, Overige informatie.
//
// The module holds no names, addresses or birth dates: the draft marks the
// places the officer fills in from the corporation's own system
// ("«in te vullen: …»") and says so at its top. The observer who saw the
// signals is named (by their id in the host, and their organisation) only
// when the officer asks for it. Pure: no I/O; the caller reads the concern.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actor.h"
#include "calendar.h"
#include "time.h"
#include "workflow.h"

namespace meldcode {

// One line of the concern's chronology, as the draft reads it.
struct DraftEntry {
    std::string kind;  // signals_submitted, host_event, action, household_moved
    Timestamp at = 0;
    Actor actor;
    nlohmann::json data;
};

struct DraftRequest {
    std::string concern_ref;
    // Name the observer (the technician) as the one who saw the signals.
    bool include_observer = false;
};

struct DraftSource {
    const ConcernStatus& status;
    const std::vector<DraftEntry>& chronology;  // in time order
    const nlohmann::json& workflow;             // the definition's view in Dutch (Workflow::view)
    const Calendar& calendar;
    Timestamp now = 0;
};

// The structured draft (schemas/melding_draft.schema.json without "text"
// and "html"): sections of parts of items, each item a label, a text and
// its kind (fact, interpretation, recorded, fill_in).
nlohmann::json melding_draft(const DraftSource& source, const DraftRequest& request);

// The same draft as plain text and as an HTML fragment (every text escaped).
std::string melding_draft_text(const nlohmann::json& draft);
std::string melding_draft_html(const nlohmann::json& draft);

// What marks a place the officer fills in: "«in te vullen: what»".
std::string fill_in(const std::string& what);

}  // namespace meldcode
