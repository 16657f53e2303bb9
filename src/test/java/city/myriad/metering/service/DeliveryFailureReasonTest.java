package city.myriad.metering.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** What a failed post's attempt says to the tenant: never a bare class name when the network said more. */
class DeliveryFailureReasonTest {

    @Test
    void a_refused_connection_which_carries_no_message_says_what_it_means() {
        assertEquals("ConnectException: connection refused or the address unreachable",
                WebhookDeliveries.reason(new CompletionException(new ConnectException())));
        // As the JDK's HttpClient throws it: a ConnectException without a message over a cause without one.
        ConnectException nested = new ConnectException();
        nested.initCause(new java.nio.channels.ClosedChannelException());
        assertEquals("ConnectException: connection refused or the address unreachable",
                WebhookDeliveries.reason(new CompletionException(nested)));
    }

    @Test
    void the_message_comes_from_the_first_cause_that_has_one_under_the_type_the_client_threw() {
        IOException wrapped = new IOException(null, new IOException("Connection reset by peer"));
        assertEquals("IOException: Connection reset by peer", WebhookDeliveries.reason(new CompletionException(wrapped)));
        assertEquals("HttpConnectTimeoutException: HTTP connect timed out",
                WebhookDeliveries.reason(new HttpConnectTimeoutException("HTTP connect timed out")));
    }

    @Test
    void a_reason_is_cut_at_500_characters() {
        String reason = WebhookDeliveries.reason(new IOException("x".repeat(2_000)));
        assertEquals(500, reason.length());
        assertTrue(reason.startsWith("IOException: xxx"));
    }
}
