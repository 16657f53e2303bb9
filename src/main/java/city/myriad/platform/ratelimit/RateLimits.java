package city.myriad.platform.ratelimit;

import city.myriad.platform.error.ProblemCode;
import city.myriad.platform.error.Problem;
import city.myriad.platform.error.ProblemMapper;
import city.myriad.platform.security.Caller;
import city.myriad.platform.security.CurrentCaller;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Every authenticated request to the API spends a token of its account's bucket ({@link RequestBuckets}): the
 * account is the caller's tenant, else its operator, else the caller itself (a platform user), so that all of a
 * tenant's users and integrations share one allowance and no tenant can crowd out the others. A request past the
 * allowance is answered {@code 429 RATE_LIMITED} with {@code Retry-After} before its body is read, and changes
 * nothing. Every answer of a metered request says where its account stands, in the fields of the IETF draft
 * "RateLimit header fields for HTTP" (draft-ietf-httpapi-ratelimit-headers-10):
 * {@code RateLimit-Policy: "account";q=<burst>;w=<seconds to refill it>} and
 * {@code RateLimit: "account";r=<requests left>;t=<seconds until full>}. Requests without a token (the security
 * layer answers them 401), Stripe's signed webhooks and CORS preflights are not metered. The allowance is per
 * replica: behind N replicas an account may reach N times it (docs/api.md, "Rate limits"). Refusals are counted at
 * /q/metrics, {@code myriad_http_rate_limited_total{account="tenant"|"operator"|"user"}}.
 */
public class RateLimits {

    /** The request property that carries what the request took, and from which allowance, to the response filter. */
    private static final String TAKEN = RateLimits.class.getName() + ".taken";

    private final CurrentIdentityAssociation identities;
    private final RequestBuckets buckets;
    private final MeterRegistry meters;

    RateLimits(CurrentIdentityAssociation identities, RequestBuckets buckets, MeterRegistry meters) {
        this.identities = identities;
        this.buckets = buckets;
        this.meters = meters;
    }

    @ServerRequestFilter
    public Uni<Response> meter(ContainerRequestContext request) {
        if ("OPTIONS".equals(request.getMethod()) || !request.getUriInfo().getPath().startsWith("/api/")) {
            return Uni.createFrom().nullItem();
        }
        return identities.getDeferredIdentity()
                .map(identity -> {
                    String account = account(identity);
                    TokenBucket.Take take = account == null ? null : buckets.take(account, System.nanoTime());
                    if (take == null) {
                        return null;
                    }
                    RequestBuckets.Allowance allowance = buckets.allowance(account);
                    request.setProperty(TAKEN, new Taken(allowance, take));
                    if (take.allowed()) {
                        return null;
                    }
                    // By kind of account only: a tag per tenant or user would grow without bound.
                    meters.counter("myriad.http.rate.limited", "account", account.substring(0, account.indexOf(':')))
                            .increment();
                    Response refused = ProblemMapper.respond(Problem.of(ProblemCode.RATE_LIMITED, "More than "
                            + rate(allowance.perSecond()) + " requests a second (bursts of up to " + allowance.burst()
                            + ") from this account; retry after " + take.retryAfterSeconds() + " s",
                            request.getUriInfo().getPath()));
                    return Response.fromResponse(refused)
                            .header("Retry-After", Long.toString(take.retryAfterSeconds())).build();
                })
                .onFailure().recoverWithNull();  // a token that does not verify: the security layer answers it
    }

    @ServerResponseFilter
    public void state(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getProperty(TAKEN) instanceof Taken taken) {
            MultivaluedMap<String, Object> headers = response.getHeaders();
            headers.putSingle("RateLimit-Policy", taken.allowance().policy());
            headers.putSingle("RateLimit", "\"account\";r=" + taken.take().remaining() + ";t="
                    + taken.take().fullInSeconds());
        }
    }

    private record Taken(RequestBuckets.Allowance allowance, TokenBucket.Take take) {}

    /** The account a verified identity spends from, or null for an anonymous request. */
    static String account(SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous()) {
            return null;
        }
        Caller caller = CurrentCaller.of(identity);
        return caller.tenantSlug().map(t -> "tenant:" + t)
                .or(() -> caller.operatorSlug().map(o -> "operator:" + o))
                .orElse("user:" + caller.subject());
    }

    private static String rate(double perSecond) {
        return perSecond == Math.rint(perSecond) ? Long.toString((long) perSecond) : Double.toString(perSecond);
    }
}
