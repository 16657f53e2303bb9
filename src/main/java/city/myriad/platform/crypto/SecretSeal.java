package city.myriad.platform.crypto;

import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
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
 * a random 96-bit nonce per sealing; stored as {@code sealed:v1:<base64url of nonce and ciphertext>}.</li>
 * <li>Each sealed value is bound to its place (the associated data, e.g. {@code webhook/<tenant>}): a value copied
 * to another tenant's row does not open there.</li>
 * <li>Without a key, values are stored as given (with a warning at start); a value stored in clear before the key was
 * set is read as it is and sealed the next time it is written. A sealed value without the key, or under another
 * key, fails loudly: it is never taken for a clear one.</li>
 * </ul>
 */
@ApplicationScoped
@Startup
public class SecretSeal {

    private static final Logger LOG = Logger.getLogger(SecretSeal.class);
    static final String PREFIX = "sealed:v1:";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final Optional<SecretKeySpec> key;
    private final SecureRandom random = new SecureRandom();

    SecretSeal(@ConfigProperty(name = "myriad.secrets.key") Optional<String> key) {
        this.key = key.filter(k -> !k.isBlank()).map(SecretSeal::keyOf);
        if (this.key.isEmpty()) {
            LOG.warn("myriad.secrets.key is not set: webhook signing secrets are stored in clear (set it to 32 random "
                    + "bytes, base64: openssl rand -base64 32)");
        }
    }

    private static SecretKeySpec keyOf(String text) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(text.trim().replace('-', '+').replace('_', '/'));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("myriad.secrets.key must be 32 bytes in base64 (openssl rand -base64 32)");
        }
        if (raw.length != 32) {
            throw new IllegalStateException("myriad.secrets.key must be 32 bytes in base64 (openssl rand -base64 32), "
                    + "not " + raw.length);
        }
        return new SecretKeySpec(raw, "AES");
    }

    /** Whether values are sealed (a key is configured). */
    public boolean sealing() {
        return key.isPresent();
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
            cipher.init(Cipher.ENCRYPT_MODE, key.get(), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(place.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(clear.getBytes(StandardCharsets.UTF_8));
            return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(
                    ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    /** The clear value of what {@link #seal} stored for {@code place}; a value stored in clear as it is. */
    public String open(String stored, String place) {
        if (!stored.startsWith(PREFIX)) {
            return stored;
        }
        if (key.isEmpty()) {
            throw new IllegalStateException("A secret stored sealed, but myriad.secrets.key is not set: set the key it "
                    + "was sealed with");
        }
        byte[] raw = Base64.getUrlDecoder().decode(stored.substring(PREFIX.length()));
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key.get(), new GCMParameterSpec(TAG_BITS, raw, 0, NONCE_BYTES));
            cipher.updateAAD(place.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(raw, NONCE_BYTES, raw.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IllegalStateException("A sealed secret does not open for " + place + ": sealed under another "
                    + "myriad.secrets.key, or moved from another place");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }
}
