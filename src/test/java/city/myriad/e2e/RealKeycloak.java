package city.myriad.e2e;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Keycloak 26.7.3 for the end-to-end tests, started once per run on a free port with the committed realm
 * export imported (through {@code bin/myriad-keycloak}, the same script the dev start uses), and stopped after
 * the run whatever its outcome.
 */
public class RealKeycloak implements QuarkusTestResourceLifecycleManager {

    static final Path ROOT = Path.of("").toAbsolutePath();
    static final Path STATE = ROOT.resolve("target/keycloak-it");
    /** Where this instance keeps its Keycloak: one directory per Keycloak, or one's stop would miss the other. */
    private final Path state;

    public RealKeycloak() {
        this(STATE);
    }

    /** A Keycloak of its own, in {@code state}, for a test that starts one beside the test resources'. */
    public RealKeycloak(Path state) {
        this.state = state;
    }
    static volatile String url;

    @Override
    public Map<String, String> start() {
        int port = freePort();
        run(state, "start", String.valueOf(port), state.toString());
        url = "http://localhost:" + port;
        return Map.of(
                "quarkus.oidc.auth-server-url", url + "/realms/myriad",
                "quarkus.keycloak.admin-client.server-url", url,
                "quarkus.keycloak.admin-client.client-secret", "myriad-admin-secret",
                "myriad.identity.provisioning.enabled", "true",
                "myriad.demo.enabled", "true",
                "myriad.emulator.enabled", "true",
                "myriad.emulator.speedup", "600");
    }

    @Override
    public void stop() {
        run(state, "stop", state.toString());
    }

    /** The Keycloak base URL of this run, e.g. {@code http://localhost:41234}. */
    public static String url() {
        return url;
    }

    private static void run(Path state, String... args) {
        String[] command = new String[args.length + 1];
        command[0] = ROOT.resolve("bin/myriad-keycloak").toString();
        System.arraycopy(args, 0, command, 1, args.length);
        try {
            Files.createDirectories(state);
            Process p = new ProcessBuilder(command).directory(ROOT.toFile()).inheritIO().start();
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("bin/myriad-keycloak " + String.join(" ", args) + " failed; see "
                        + state.resolve("keycloak.log"));
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
