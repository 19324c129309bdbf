// How both store adapters serialise the use of their connection: one mutex
// per store, and a loud failure instead of a deadlock when a transaction's
// function calls its own store again (std::mutex is not recursive).
#pragma once

#include <atomic>
#include <mutex>
#include <thread>

#include "core/errors.h"

namespace meldcode::sql {

class SerialMutex {
public:
    // Held while a thread uses the connection: a batch of calls, or a checkpoint.
    class Lock {
    public:
        explicit Lock(SerialMutex& mutex) : mutex_(mutex) {
            refuse_reentry(mutex_);
            mutex_.mutex_.lock();
            mutex_.holder_.store(std::this_thread::get_id());
        }
        ~Lock() {
            mutex_.holder_.store(std::thread::id());
            mutex_.mutex_.unlock();
        }
        Lock(const Lock&) = delete;
        Lock& operator=(const Lock&) = delete;

    private:
        SerialMutex& mutex_;
    };

    // Throws when this thread holds `mutex` (the store's function called the
    // store), instead of waiting for itself.
    static void refuse_reentry(const SerialMutex& mutex) {
        if (mutex.holder_.load() == std::this_thread::get_id()) {
            throw Error(MC_E_INTERNAL, "internal",
                        "the store was called from inside one of its own transactions");
        }
    }

private:
    std::mutex mutex_;
    std::atomic<std::thread::id> holder_{};
};

}  // namespace meldcode::sql
