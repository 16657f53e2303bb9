package city.myriad.platform.http;

import io.quarkus.arc.Arc;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The API's routes, read once from the resource classes, to say which methods a path takes: the {@code Allow}
 * header that RFC 9110 requires on every 405, which the REST layer does not fill in itself, and the answer to
 * {@code OPTIONS} ({@link OptionsAnswer}), which the REST layer gives for the whole resource class rather than the
 * path.
 */
@ApplicationScoped
public class Routes {

    private record Route(String template, Pattern path, String method) {}

    private volatile List<Route> routes;

    /** The methods the path takes, sorted; empty if no route matches it. */
    public Set<String> allowed(String path) {
        Set<String> methods = new TreeSet<>();
        for (Route r : routes()) {
            if (r.path().matcher(path).matches()) {
                methods.add(r.method());
            }
        }
        return methods;
    }

    /** The route template a path matches ({@code /api/v1/jobs/{jobId}}), or null if none does. */
    public String template(String path) {
        for (Route r : routes()) {
            if (r.path().matcher(path).matches()) {
                return r.template();
            }
        }
        return null;
    }

    /**
     * The {@code Allow} header of a path: the methods its routes take, with {@code HEAD} wherever {@code GET} is
     * (the REST layer answers it) and {@code OPTIONS}, sorted; null if no route matches the path.
     */
    public String allowHeader(String path) {
        Set<String> methods = allowed(path);
        if (methods.isEmpty()) {
            return null;
        }
        if (methods.contains("GET")) {
            methods.add("HEAD");
        }
        methods.add("OPTIONS");
        return String.join(", ", methods);
    }

    private List<Route> routes() {
        if (routes == null) {
            List<Route> found = new ArrayList<>();
            for (Bean<?> bean : Arc.container().beanManager().getBeans(Object.class)) {
                Class<?> type = bean.getBeanClass();
                Path base = type.getAnnotation(Path.class);
                if (base == null || !type.getPackageName().startsWith("city.myriad")) {
                    continue;
                }
                for (Method m : type.getDeclaredMethods()) {
                    String verb = verb(m);
                    if (verb != null) {
                        Path sub = m.getAnnotation(Path.class);
                        String template = normalized(base.value() + (sub == null ? "" : "/" + sub.value()));
                        found.add(new Route(template, pattern(template), verb));
                    }
                }
            }
            routes = List.copyOf(found);
        }
        return routes;
    }

    private static String verb(Method m) {
        for (Annotation a : m.getAnnotations()) {
            HttpMethod http = a.annotationType().getAnnotation(HttpMethod.class);
            if (http != null) {
                return http.value();
            }
        }
        return null;
    }

    private static String normalized(String path) {
        return ("/" + path).replaceAll("/+", "/").replaceAll("/$", "");
    }

    private static Pattern pattern(String template) {
        return Pattern.compile(Pattern.quote(template).replaceAll("\\{[^}/]+}", "\\\\E[^/]+\\\\Q"));
    }
}
