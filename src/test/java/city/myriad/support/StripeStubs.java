package city.myriad.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Stripe's API for the tests: a WireMock server answering stripe-java with Stripe's own example objects
 * (src/test/resources/stripe, from Stripe's fixtures3.json), each with an id derived from the request's
 * Idempotency-Key, so that every Myriad invoice gets its own Stripe invoice and a retried call the same object.
 * Also signs webhooks as Stripe does.
 */
public class StripeStubs implements QuarkusTestResourceLifecycleManager {

    public static final String API_KEY = "sk_test_myriad";
    public static final String WEBHOOK_SECRET = "whsec_myriad_test";
    private static WireMockServer server;

    public static WireMockServer server() {
        return server;
    }

    @Override
    public Map<String, String> start() {
        server = new WireMockServer(WireMockConfiguration.options().dynamicPort().globalTemplating(true));
        server.start();
        stub("/v1/customers", "customer", "cus_{{request.headers.[Idempotency-Key]}}", Map.of());
        stub("/v1/invoices", "invoice", "in_{{request.headers.[Idempotency-Key]}}", Map.of("status", "draft"));
        stub("/v1/invoiceitems", "invoiceitem", "ii_{{request.headers.[Idempotency-Key]}}", Map.of());
        stub("/v1/credit_notes", "credit_note", "cn_{{request.headers.[Idempotency-Key]}}", Map.of());
        stub("/v1/transfers", "transfer", "tr_{{request.headers.[Idempotency-Key]}}", Map.of());
        // A customer updated (its billing contact): Stripe answers the customer.
        ObjectNode customer = fixture("customer");
        customer.put("id", "{{request.pathSegments.[2]}}");
        server.stubFor(post(urlPathMatching("/v1/customers/[^/]+")).willReturn(ok(customer.toString())));
        // A customer's tax IDs: none listed (a test stubs its own customer's); one created; one deleted.
        server.stubFor(get(urlPathMatching("/v1/customers/[^/]+/tax_ids")).willReturn(ok("{\"object\":\"list\","
                + "\"url\":\"/v1/customers/{{request.pathSegments.[2]}}/tax_ids\",\"has_more\":false,\"data\":[]}")));
        ObjectNode taxId = fixture("tax_id");
        taxId.put("id", "txi_{{randomValue length=14 type='ALPHANUMERIC'}}");
        taxId.put("customer", "{{request.pathSegments.[2]}}");
        server.stubFor(post(urlPathMatching("/v1/customers/[^/]+/tax_ids")).willReturn(ok(taxId.toString())));
        ObjectNode deletedTaxId = fixture("deleted_tax_id");
        deletedTaxId.put("id", "{{request.pathSegments.[4]}}");
        server.stubFor(delete(urlPathMatching("/v1/customers/[^/]+/tax_ids/[^/]+"))
                .willReturn(ok(deletedTaxId.toString())));
        // A customer portal session: a one-visit URL of its own.
        ObjectNode portal = fixture("billing_portal.session");
        portal.put("id", "bps_{{randomValue length=14 type='ALPHANUMERIC'}}");
        portal.put("url", "https://billing.stripe.com/p/session/test_{{randomValue length=20 type='ALPHANUMERIC'}}");
        server.stubFor(post(urlPathEqualTo("/v1/billing_portal/sessions")).willReturn(ok(portal.toString())));
        ObjectNode finalized = fixture("invoice");
        finalized.put("id", "{{request.pathSegments.[2]}}");
        finalized.put("status", "open");
        finalized.put("hosted_invoice_url", "https://invoice.stripe.com/i/acct_test/{{request.pathSegments.[2]}}");
        finalized.put("invoice_pdf", "https://pay.stripe.com/invoice/acct_test/{{request.pathSegments.[2]}}/pdf");
        server.stubFor(post(urlPathMatching("/v1/invoices/[^/]+/finalize")).willReturn(ok(finalized.toString())));
        // An invoice paid now (pay): Stripe answers it paid (a test stubs a decline for its own invoice).
        ObjectNode paid = fixture("invoice");
        paid.put("id", "{{request.pathSegments.[2]}}");
        paid.put("status", "paid");
        server.stubFor(post(urlPathMatching("/v1/invoices/[^/]+/pay")).willReturn(ok(paid.toString())));
        ObjectNode voided = fixture("invoice");
        voided.put("id", "{{request.pathSegments.[2]}}");
        voided.put("status", "void");
        server.stubFor(post(urlPathMatching("/v1/invoices/[^/]+/void")).willReturn(ok(voided.toString())));
        // A credit note voided: Stripe answers it void.
        ObjectNode voidedNote = fixture("credit_note");
        voidedNote.put("id", "{{request.pathSegments.[2]}}");
        voidedNote.put("status", "void");
        server.stubFor(post(urlPathMatching("/v1/credit_notes/[^/]+/void")).willReturn(ok(voidedNote.toString())));
        // An invoice looked up is a draft (a test stubs another status for its own invoice); a draft deleted says so.
        ObjectNode draft = fixture("invoice");
        draft.put("id", "{{request.pathSegments.[2]}}");
        draft.put("status", "draft");
        server.stubFor(get(urlPathMatching("/v1/invoices/[^/]+")).willReturn(ok(draft.toString())));
        // An invoice's credit notes listed: none (a test stubs those Stripe made for its own invoice).
        server.stubFor(get(urlPathEqualTo("/v1/credit_notes")).willReturn(ok("{\"object\":\"list\","
                + "\"url\":\"/v1/credit_notes\",\"has_more\":false,\"data\":[]}")));
        // Transfers listed: none (a test stubs the one Stripe made for its own payout).
        server.stubFor(get(urlPathEqualTo("/v1/transfers")).willReturn(ok("{\"object\":\"list\","
                + "\"url\":\"/v1/transfers\",\"has_more\":false,\"data\":[]}")));
        // A customer's invoices listed: none (a test stubs the drafts Stripe made for its own customer).
        server.stubFor(get(urlPathEqualTo("/v1/invoices")).willReturn(ok("{\"object\":\"list\","
                + "\"url\":\"/v1/invoices\",\"has_more\":false,\"data\":[]}")));
        server.stubFor(delete(urlPathMatching("/v1/invoices/[^/]+")).willReturn(ok("{\"id\":"
                + "\"{{request.pathSegments.[2]}}\",\"object\":\"invoice\",\"deleted\":true}")));
        return Map.of("myriad.billing.stripe.api-key", API_KEY,
                "myriad.billing.stripe.api-base", server.baseUrl(),
                "myriad.billing.stripe.webhook-secret", WEBHOOK_SECRET);
    }

    /** Stripe's answer: 200 with this JSON body. */
    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder ok(String json) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json").withBody(json);
    }

    private static void stub(String path, String fixture, String id, Map<String, String> fields) {
        ObjectNode body = fixture(fixture);
        body.put("id", id);
        fields.forEach(body::put);
        server.stubFor(post(urlPathEqualTo(path)).willReturn(ok(body.toString())));
    }

    static ObjectNode fixture(String name) {
        try (InputStream in = StripeStubs.class.getResourceAsStream("/stripe/" + name + ".json")) {
            return (ObjectNode) new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An event as Stripe sends it: Stripe's example event with this id, type and object. */
    public static String event(String id, String type, ObjectNode object) {
        ObjectNode e = fixture("event");
        e.put("id", id);
        e.put("type", type);
        ((ObjectNode) e.get("data")).set("object", object);
        return e.toString();
    }

    /** Stripe's example object of that kind, to change for an event. */
    public static ObjectNode object(String name) {
        return fixture(name);
    }

    /** The Stripe-Signature header Stripe would send for this body now. */
    public static String sign(String payload, String secret) {
        long t = System.currentTimeMillis() / 1000;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            String v1 = HexFormat.of().formatHex(mac.doFinal((t + "." + payload).getBytes(StandardCharsets.UTF_8)));
            return "t=" + t + ",v1=" + v1;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop();
        }
    }
}
