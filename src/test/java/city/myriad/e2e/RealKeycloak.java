package city.myriad.e2e;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real Keycloak 26.7.3 of the end-to-end tests: one for the whole run, started on a free port by the first class
 * that asks for it, with the committed realm export imported (through {@code bin/myriad-keycloak}, the same script
 * the dev start uses), and stopped when the test JVM exits, whatever the outcome. Each class starts its own service
 * on an empty database; the realm is shared, so a class names the accounts and clients it creates uniquely (a tag),
 * and no class may count the realm's users. One start rather than one a class: a start costs about a minute on CI.
 */
public class RealKeycloak implements QuarkusTestResourceLifecycleManager {

    static final Path ROOT = Path.of("").toAbsolutePath();
    static final Path STATE = ROOT.resolve("target/keycloak-it");
    private static final String URL_PROPERTY = "myriad.it.keycloak-url";

    /** Starts the run's Keycloak unless a class before did; the service's configuration to use it. */
    @Override
    public Map<String, String> start() {
        String base = shared();
        return Map.of(
                "quarkus.oidc.auth-server-url", base + "/realms/myriad",
                "quarkus.keycloak.admin-client.server-url", base,
                "quarkus.keycloak.admin-client.client-secret", "myriad-admin-secret",
                "myriad.identity.provisioning.enabled", "true",
                "myriad.demo.enabled", "true",
                "myriad.emulator.enabled", "true",
                "myriad.emulator.speedup", "600");
    }

    /** Nothing: the next class uses the same Keycloak; the JVM's exit stops it. */
    @Override
    public void stop() {}

    /**
     * The Keycloak base URL of this run, e.g. {@code http://localhost:41234}, started on first use. Kept in a system
     * property, not a static field: Quarkus may load this class once per test class, in class loaders of their own.
     */
    public static String shared() {
        synchronized (System.class) {
            String url = System.getProperty(URL_PROPERTY);
            if (url == null) {
                int port = freePort();
                run("start", String.valueOf(port), STATE.toString());
                Runtime.getRuntime().addShutdownHook(new Thread(() -> run("stop", STATE.toString()), "keycloak-stop"));
                url = "http://localhost:" + port;
                System.setProperty(URL_PROPERTY, url);
            }
            return url;
        }
    }

    /** The Keycloak base URL of this run, e.g. {@code http://localhost:41234}. */
    public static String url() {
        return System.getProperty(URL_PROPERTY);
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
