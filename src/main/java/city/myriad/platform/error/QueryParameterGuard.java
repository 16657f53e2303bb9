package city.myriad.platform.error;

import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Query parameters are held to the rule the JSON bodies are held to (typos never pass silently): once a request
 * is matched to an operation, a query parameter the operation does not take gets 400
 * {@code UNKNOWN_QUERY_PARAMETER}, and one given more than once gets 400 {@code REPEATED_QUERY_PARAMETER}
 * unless the method takes it as a collection (listJobs' {@code tag}, an array in the contract; every other parameter
 * takes one value, and the first of several would be used silently). Without this a
 * client that misspells a filter ({@code ?projectid=}, {@code ?state=} on a list that has none) is answered with the
 * unfiltered list and never learns it. The problem names the parameter in {@code errors[].field} and lists the ones
 * the operation takes. Only the service's own operations are checked (not {@code /q/*}).
 */
public class QueryParameterGuard {

    private static final String OWN_PACKAGE = "city.myriad.";

    /** The query parameters each resource method declares, read once per method: name → takes several values. */
    private final Map<Method, Map<String, Boolean>> taken = new ConcurrentHashMap<>();

    @ServerRequestFilter
    public Response check(ContainerRequestContext request, ResourceInfo resource) {
        Method method = resource == null ? null : resource.getResourceMethod();
        if (method == null || !method.getDeclaringClass().getName().startsWith(OWN_PACKAGE)) {
            return null;
        }
        MultivaluedMap<String, String> given = request.getUriInfo().getQueryParameters();
        if (given.isEmpty()) {
            return null;
        }
        Map<String, Boolean> names = taken.computeIfAbsent(method, QueryParameterGuard::declared);
        String path = request.getUriInfo().getRequestUri().getRawPath();
        for (Map.Entry<String, List<String>> e : given.entrySet()) {
            String name = e.getKey();
            Boolean several = names.get(name);
            if (several == null) {
                return refuse(ProblemCode.UNKNOWN_QUERY_PARAMETER, name, "Query parameter '" + shown(name)
                        + "' is not taken here; " + takes(names.keySet()), "not a parameter of this operation", path);
            }
            if (!several && e.getValue().size() > 1) {
                return refuse(ProblemCode.REPEATED_QUERY_PARAMETER, name, "Query parameter '" + name + "' is given "
                        + e.getValue().size() + " times; give it once", "given more than once", path);
            }
        }
        return null;
    }

    /** The method's query parameters in the order it declares them; a collection-typed one takes several values. */
    static Map<String, Boolean> declared(Method method) {
        Map<String, Boolean> names = new LinkedHashMap<>();
        Annotation[][] annotations = method.getParameterAnnotations();
        Class<?>[] types = method.getParameterTypes();
        for (int i = 0; i < annotations.length; i++) {
            for (Annotation a : annotations[i]) {
                if (a instanceof QueryParam q) {
                    names.put(q.value(), Collection.class.isAssignableFrom(types[i]));
                } else if (a instanceof BeanParam) {  // a group of parameters (the audit trails' filters)
                    for (java.lang.reflect.Field f : types[i].getFields()) {
                        QueryParam q = f.getAnnotation(QueryParam.class);
                        if (q != null) {
                            names.put(q.value(), Collection.class.isAssignableFrom(f.getType()));
                        }
                    }
                }
            }
        }
        return Collections.unmodifiableMap(names);
    }

    private static String takes(Set<String> names) {
        if (names.isEmpty()) {
            return "this operation takes no query parameters";
        }
        return "it takes " + String.join(", ", names);
    }

    private static String shown(String name) {
        return name.length() > 40 ? name.substring(0, 40) + "…" : name;
    }

    private static Response refuse(ProblemCode code, String name, String detail, String reason, String path) {
        return ProblemMapper.respond(Problem.of(code, detail, path.length() > 200 ? path.substring(0, 200) + "…" : path,
                List.of(MyriadProblem.Violation.field(shown(name), reason))));
    }
}
