package city.myriad.platform.http;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * {@code OPTIONS} on an API path answers 204 with the {@code Allow} header of that path's routes, the same list a
 * 405 carries ({@link Routes#allowHeader}). The REST layer's own answer lists every method of the resource class
 * (on {@code /tenants/{id}/webhook/test}, which takes only POST, it claimed GET, PUT and DELETE too). A path no
 * route matches falls through to the 404 problem. The portal's CORS preflights never get here ({@link PortalCors}
 * answers them); another origin's is answered like any OPTIONS, without the headers its browser would need.
 */
public class OptionsAnswer {

    private final Routes routes;

    OptionsAnswer(Routes routes) {
        this.routes = routes;
    }

    @ServerRequestFilter(preMatching = true)
    public Response answer(ContainerRequestContext request) {
        if (!"OPTIONS".equals(request.getMethod())) {
            return null;
        }
        String allow = routes.allowHeader(request.getUriInfo().getRequestUri().getRawPath());
        return allow == null ? null : Response.noContent().header(HttpHeaders.ALLOW, allow).build();
    }
}
