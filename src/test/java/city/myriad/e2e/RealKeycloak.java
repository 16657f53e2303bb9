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
    static volatile String url;

    @Override
    public Map<String, String> start() {
        int port = freePort();
        run("start", String.valueOf(port), STATE.toString());
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
        run("stop", STATE.toString());
    }

    /** The Keycloak base URL of this run, e.g. {@code http://localhost:41234}. */
    public static String url() {
        return url;
    }

    private static void run(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = ROOT.resolve("bin/myriad-keycloak").toString();
        System.arraycopy(args, 0, command, 1, args.length);
        try {
            Files.createDirectories(STATE);
            Process p = new ProcessBuilder(command).directory(ROOT.toFile()).inheritIO().start();
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("bin/myriad-keycloak " + String.join(" ", args) + " failed; see "
                        + STATE.resolve("keycloak.log"));
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
