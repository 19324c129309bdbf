package nl.meldcode.test;

import static nl.meldcode.test.Store.actor;
import static nl.meldcode.test.Store.member;
import static nl.meldcode.test.Store.submission;
import static nl.meldcode.test.Store.ticket;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Many Java threads on one instance. */
public final class ThreadsTest {
    private static final int THREADS = 8;
    private static final int PER_THREAD = 10;

    private interface Work {
        void run(int thread) throws Exception;
    }

    /** Runs work in THREADS threads at once and rethrows the first failure. */
    private static void inThreads(Work work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; ++t) {
                final int thread = t;
                done.add(pool.submit(() -> {
                    work.run(thread);
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        } finally {
            pool.shutdown();
        }
    }

    public static void testThreadsSubmittingAtOnceEachLandExactlyOnce() throws Exception {
        try (Store store = new Store()) {
            Set<String> receipts = ConcurrentHashMap.newKeySet();
            inThreads(t -> {
                for (int i = 0; i < PER_THREAD; ++i) {
                    receipts.add(store.submit("WO-" + t + "-" + i, "VHE-" + t, "tech-" + t,
                            "tekst " + i));
                }
            });
            Check.equal(THREADS * PER_THREAD, receipts.size());
            Check.equal((long) THREADS * PER_THREAD, store.rows("submissions"));
            Check.equal((long) THREADS, store.rows("concerns")); // one per unit
        }
    }

    public static void testConcurrentRetriesOfOneIdempotencyKeyStoreItOnce() throws Exception {
        try (Store store = new Store()) {
            String tech = actor("tech-1", "observer");
            String token = member(store.mc.ticketClosed(tech, ticket("WO-1", "VHE-1", "tech-1")),
                    "prompt_token");
            String payload = submission(token, "key-same-0001", "tekst");
            Set<String> receipts = ConcurrentHashMap.newKeySet();
            inThreads(t -> receipts.add(store.mc.submitSignals(tech, payload)));
            Check.equal(1, receipts.size());
            Check.equal(1L, store.rows("submissions"));
        }
    }
}
