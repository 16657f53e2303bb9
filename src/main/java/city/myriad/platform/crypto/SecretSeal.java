package city.myriad.platform.crypto;

import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Seals secrets the service must keep in a usable form (a webhook's signing secrets: it needs them to sign) before
 * they are stored, so that a copy of the database (a backup, a replica, a dump) does not give them away. Rules:
 * <ul>
 * <li>AES-256-GCM under {@code myriad.secrets.key} (32 bytes, base64; from the environment, never the database),
 * a random 96-bit nonce per sealing; stored as {@code sealed:v2:<key id>:<base64url of nonce and ciphertext>}, the key
 * id being the first 4 bytes of the key's SHA-256 in hex (it names the key, it does not reveal it).</li>
 * <li>The key can be rotated: the new key goes in {@code myriad.secrets.key} and the keys before it in
 * {@code myriad.secrets.previous-keys} (comma-separated). Values open under whichever configured key sealed them;
 * each is sealed under the current key the next time it is written, and {@link #current} tells which are not yet
 * (a sweep re-seals them at start). Values of the first format ({@code sealed:v1:}, no key id) open under any
 * configured key.</li>
 * <li>Each sealed value is bound to its place (the associated data, e.g. {@code webhook/<tenant>}): a value copied
 * to another tenant's row does not open there.</li>
 * <li>Without a key, values are stored as given (with a warning at start); a value stored in clear before the key was
 * set is read as it is and sealed the next time it is written. A sealed value without its key fails loudly, naming
 * the key id it needs: it is never taken for a clear one.</li>
 * </ul>
 */
@ApplicationScoped
@Startup
public class SecretSeal {

    private static final Logger LOG = Logger.getLogger(SecretSeal.class);
    static final String PREFIX = "sealed:v2:";
    static final String PREFIX_V1 = "sealed:v1:";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    /** A configured key and its id. */
    private record Key(String id, SecretKeySpec spec) {}

    /** The key values are sealed under, if any. */
    private final Optional<Key> key;
    /** Every key values may be sealed under: the current one first, then the previous ones as configured. */
    private final List<Key> keys;
    private final SecureRandom random = new SecureRandom();

    public SecretSeal(@ConfigProperty(name = "myriad.secrets.key") Optional<String> key,
            @ConfigProperty(name = "myriad.secrets.previous-keys") Optional<List<String>> previous) {
        this.key = key.filter(k -> !k.isBlank()).map(k -> keyOf(k, "myriad.secrets.key"));
        List<Key> all = new ArrayList<>();
        this.key.ifPresent(all::add);
        previous.orElse(List.of()).stream().filter(k -> !k.isBlank())
                .map(k -> keyOf(k, "myriad.secrets.previous-keys")).forEach(all::add);
        this.keys = List.copyOf(all);
        if (this.key.isEmpty()) {
            LOG.warn("myriad.secrets.key is not set: webhook signing secrets are stored in clear (set it to 32 random "
                    + "bytes, base64: openssl rand -base64 32)");
            if (!keys.isEmpty()) {
                throw new IllegalStateException("myriad.secrets.previous-keys is set without myriad.secrets.key: set "
                        + "the key to seal under");
            }
        }
    }

    private static Key keyOf(String text, String property) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(text.trim().replace('-', '+').replace('_', '/'));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(property + " must be 32 bytes in base64 (openssl rand -base64 32)");
        }
        if (raw.length != 32) {
            throw new IllegalStateException(property + " must be 32 bytes in base64 (openssl rand -base64 32), not "
                    + raw.length);
        }
        try {
            return new Key(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw), 0, 4),
                    new SecretKeySpec(raw, "AES"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** Whether values are sealed (a key is configured). */
    public boolean sealing() {
        return key.isPresent();
    }

    /**
     * Whether a stored value is as {@link #seal} would store it now: sealed under the current key, or in clear when
     * there is no key. A value that is not opens all the same (if its key is configured) and is worth sealing again.
     */
    public boolean current(String stored) {
        return key.map(k -> stored.startsWith(PREFIX + k.id() + ":")).orElse(!stored.startsWith("sealed:"));
    }

    /** {@code clear} sealed for {@code place}, or as given without a key. */
    public String seal(String clear, String place) {
        if (key.isEmpty()) {
            return clear;
        }
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key.get().spec(), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(place.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(clear.getBytes(StandardCharsets.UTF_8));
            return PREFIX + key.get().id() + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(
                    ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    /** The clear value of what {@link #seal} stored for {@code place}; a value stored in clear as it is. */
    public String open(String stored, String place) {
        if (!stored.startsWith("sealed:")) {
            return stored;
        }
        if (key.isEmpty()) {
            throw new IllegalStateException("A secret stored sealed, but myriad.secrets.key is not set: set the key it "
                    + "was sealed with");
        }
        if (stored.startsWith(PREFIX_V1)) {  // no key id: any configured key may have sealed it
            byte[] raw = Base64.getUrlDecoder().decode(stored.substring(PREFIX_V1.length()));
            for (Key k : keys) {
                String clear = openWith(k, raw, place);
                if (clear != null) {
                    return clear;
                }
            }
            throw new IllegalStateException("A sealed secret does not open for " + place + " under any configured "
                    + "key (myriad.secrets.key, myriad.secrets.previous-keys), or was moved from another place");
        }
        if (!stored.startsWith(PREFIX)) {
            throw new IllegalStateException("A secret sealed in a format this version does not know: "
                    + stored.substring(0, Math.min(stored.length(), 10)));
        }
        int colon = stored.indexOf(':', PREFIX.length());
        String id = colon < 0 ? "" : stored.substring(PREFIX.length(), colon);
        Key k = keys.stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow(() -> new IllegalStateException(
                "A secret for " + place + " is sealed under key " + id + ", which is not configured: add it to "
                        + "myriad.secrets.previous-keys"));
        String clear = openWith(k, Base64.getUrlDecoder().decode(stored.substring(colon + 1)), place);
        if (clear == null) {
            throw new IllegalStateException("A sealed secret does not open for " + place + ": altered, or moved from "
                    + "another place");
        }
        return clear;
    }

    /** The clear value, or null if the value was not sealed under {@code k} for {@code place}. */
    private static String openWith(Key k, byte[] raw, String place) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, k.spec(), new GCMParameterSpec(TAG_BITS, raw, 0, NONCE_BYTES));
            cipher.updateAAD(place.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(raw, NONCE_BYTES, raw.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (javax.crypto.AEADBadTagException e) {
            return null;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }
}
