package city.myriad.metering.model;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secrets that sign a tenant's webhook deliveries: the current one, and the earlier ones that still sign for a
 * while after a roll, so that a receiver can deploy the new secret without rejecting a delivery. Rules:
 * <ul>
 * <li>Every delivery carries one signature per secret in force, the current one first:
 * {@code Myriad-Signature: t=<unix seconds>,v1=<current>,v1=<earlier>…}; a receiver accepts it if any {@code v1}
 * matches the secret it holds (as Stripe's receivers do).</li>
 * <li>A roll makes a new current secret; the secrets before it (the current one and those still in force) keep
 * signing until {@code keepFor} from the roll, or until their own earlier end. {@code keepFor} zero stops them at once
 * (a leaked secret).</li>
 * <li>A roll repeated in the overlap (a retry after a lost answer, whose secret the caller never saw) does not stop the
 * secret the receiver holds: it stays among the earlier ones until its own end. At most {@link #MAX_EARLIER} earlier
 * secrets are kept, those that end last.</li>
 * </ul>
 */
public record SigningSecrets(String current, List<Earlier> earlier) {

    /** An earlier secret and when it stops signing. */
    public record Earlier(String secret, Instant endsAt) {}

    /** The most earlier secrets kept signing at once. */
    public static final int MAX_EARLIER = 3;
    /** The longest an earlier secret may keep signing after a roll: a week. */
    public static final Duration MAX_KEEP = Duration.ofDays(7);

    public SigningSecrets {
        earlier = List.copyOf(earlier);
    }

    /** A secret with nothing before it. */
    public static SigningSecrets of(String current) {
        return new SigningSecrets(current, List.of());
    }

    /** The secrets signing at {@code now}: the current one first, then the earlier ones in force, latest end first. */
    public List<String> inForce(Instant now) {
        List<String> all = new ArrayList<>();
        all.add(current);
        stillSigning(now).forEach(e -> all.add(e.secret()));
        return all;
    }

    /** The earlier secrets in force at {@code now}, latest end first. */
    public List<Earlier> stillSigning(Instant now) {
        return earlier.stream().filter(e -> e.endsAt().isAfter(now))
                .sorted(Comparator.comparing(Earlier::endsAt).reversed()).toList();
    }

    /** When the last earlier secret in force at {@code now} stops signing; empty if none does. */
    public Optional<Instant> earlierEndAt(Instant now) {
        return stillSigning(now).stream().map(Earlier::endsAt).findFirst();
    }

    /** After a roll to {@code next} at {@code now}, the earlier secrets signing for at most {@code keepFor}. */
    public SigningSecrets rolled(String next, Instant now, Duration keepFor) {
        if (keepFor.isNegative() || keepFor.compareTo(MAX_KEEP) > 0) {
            throw new IllegalArgumentException("keepFor must be between 0 and " + MAX_KEEP + ": " + keepFor);
        }
        Instant end = now.plus(keepFor);
        List<Earlier> kept = new ArrayList<>();
        if (!keepFor.isZero()) {
            kept.add(new Earlier(current, end));
            for (Earlier e : stillSigning(now)) {
                kept.add(new Earlier(e.secret(), e.endsAt().isBefore(end) ? e.endsAt() : end));
            }
        }
        kept.sort(Comparator.comparing(Earlier::endsAt).reversed());
        return new SigningSecrets(next, kept.subList(0, Math.min(MAX_EARLIER, kept.size())));
    }

    /** The {@code Myriad-Signature} header of {@code body} sent at {@code t} (unix seconds), at {@code now}. */
    public String header(long t, String body, Instant now) {
        StringBuilder header = new StringBuilder("t=").append(t);
        for (String secret : inForce(now)) {
            header.append(",v1=").append(sign(secret, t, body));
        }
        return header.toString();
    }

    /** Hex HMAC-SHA256 of "t.body" under the secret: what a receiver recomputes to verify. */
    public static String sign(String secret, long t, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
