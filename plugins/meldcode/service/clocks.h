// Adapters of the clock port.
#pragma once

#include <chrono>

#include "ports/clock.h"

namespace meldcode {

class SystemClock final : public Clock {
public:
    Timestamp now() const override {
        return std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

// For tests and demos: time stands still.
class FixedClock final : public Clock {
public:
    explicit FixedClock(Timestamp at) : at_(at) {}
    Timestamp now() const override { return at_; }

private:
    Timestamp at_;
};

}  // namespace meldcode
