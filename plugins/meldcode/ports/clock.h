// Port: the time. The system clock in production; a fixed clock in tests.
#pragma once

#include "core/time.h"

namespace meldcode {

class Clock {
public:
    virtual ~Clock() = default;
    virtual Timestamp now() const = 0;
};

}  // namespace meldcode
