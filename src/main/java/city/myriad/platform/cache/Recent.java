package city.myriad.platform.cache;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Reference data as read a moment ago: what a hot path (a job submission) reads on every request but what changes
 * rarely and through a use case of this service (a cluster, a model's cards in service, a price book, a quota).
 *
 * <p>Rules: a value is kept at most {@code ttl} after it was read; the use case that changes the data forgets it
 * here at once, so this replica sees its own writes; another replica sees them within {@code ttl}. Nothing is
 * cached for a failed read or a null value, and what must be exact at the instant of a write (a tenant's
 * suspension, a budget's spending, capacity sold by the calendar) never goes through here. Bounded: past
 * {@code maxEntries} the whole cache is dropped (reference data has few keys; a flood of keys means it is not
 * reference data). See docs/design/reference-caches.md.
 */
public final class Recent<K, V> {

    private record Entry<V>(V value, long readAt) {}

    private final long ttlNanos;
    private final int maxEntries;
    private final Map<K, Entry<V>> entries = new ConcurrentHashMap<>();

    public Recent(Duration ttl, int maxEntries) {
        this.ttlNanos = ttl.toNanos();
        this.maxEntries = maxEntries;
    }

    /** The value read less than {@code ttl} ago, else what {@code read} gives now (kept if not null). */
    public Uni<V> get(K key, Supplier<Uni<V>> read) {
        Entry<V> e = entries.get(key);
        long now = System.nanoTime();
        if (e != null && now - e.readAt() < ttlNanos) {
            return Uni.createFrom().item(e.value());
        }
        return read.get().invoke(v -> {
            if (v != null) {
                if (entries.size() >= maxEntries) {
                    entries.clear();
                }
                entries.put(key, new Entry<>(v, now));
            }
        });
    }

    /** Forgets what was read for {@code key}: the next get reads it again. */
    public void forget(K key) {
        entries.remove(key);
    }

    public void forgetAll() {
        entries.clear();
    }
}
