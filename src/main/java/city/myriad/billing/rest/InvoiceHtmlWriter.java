package city.myriad.billing.rest;

import city.myriad.billing.mapping.BillingApi.InvoiceLineView;
import city.myriad.billing.mapping.BillingApi.InvoiceView;
import city.myriad.platform.money.MinorUnits;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.MessageBodyWriter;
import jakarta.ws.rs.ext.Provider;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;

/** The printable invoice: {@code getInvoice} under {@code Accept: text/html}. Every value is HTML-escaped. */
@Provider
@Produces(MediaType.TEXT_HTML)
public class InvoiceHtmlWriter implements MessageBodyWriter<InvoiceView> {

    @Override
    public boolean isWriteable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
        return InvoiceView.class.isAssignableFrom(type) && mediaType.isCompatible(MediaType.TEXT_HTML_TYPE);
    }

    @Override
    public void writeTo(InvoiceView i, Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType,
            MultivaluedMap<String, Object> headers, OutputStream out) throws IOException, WebApplicationException {
        headers.putSingle("Content-Type", "text/html; charset=utf-8");
        out.write(render(i).getBytes(StandardCharsets.UTF_8));
    }

    /** "310000 Hangzhou", or whichever of the two is given. */
    private static String joined(String a, String b) {
        return a == null ? b : b == null ? a : a + " " + b;
    }

    /** Who sells, as a tax invoice (and its credit notes) must name the supplier and its tax number; none: nothing. */
    static void seller(StringBuilder b, city.myriad.billing.mapping.BillingApi.Seller s) {
        if (s == null) {
            return;
        }
        b.append("<dt>Issued by</dt><dd class=\"seller\">").append(esc(s.name()));
        if (s.address() != null) {
            b.append("<br>").append(esc(s.address()));
        }
        if (s.taxId() != null) {
            b.append("<br>Tax ID ").append(esc(s.taxId()));
        }
        b.append("</dd>");
    }

    static String render(InvoiceView i) {
        StringBuilder b = new StringBuilder(4096);
        String title = i.number() == null ? "Draft invoice " + i.period() : "Invoice " + i.number();
        b.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
                .append("</title><style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:"
                        + "collapse;width:100%}th,td{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}"
                        + "td.n,th.n{text-align:right}.total td{font-weight:bold}.state{color:#555}</style></head>"
                        + "<body>");
        b.append("<h1>").append(esc(title)).append("</h1>");
        b.append("<p class=\"state\">").append(esc(i.state())).append(i.state().equals("DRAFT")
                ? " &mdash; follows usage as it is rated; not final" : "").append("</p>");
        b.append("<dl>");
        seller(b, i.seller());
        if (i.billTo() != null) {
            b.append("<dt>Billed to</dt><dd class=\"bill-to\">").append(esc(i.billTo().name()));
            if (i.billTo().address() != null) {
                var a = i.billTo().address();
                for (String part : new String[] {a.line1(), a.line2(), joined(a.postalCode(), a.city()), a.state(),
                        a.country()}) {
                    if (part != null && !part.isBlank()) {
                        b.append("<br>").append(esc(part));
                    }
                }
            }
            if (i.billTo().email() != null) {
                b.append("<br>").append(esc(i.billTo().email()));
            }
            if (i.billTo().taxIds() != null) {
                for (var t : i.billTo().taxIds()) {  // as Stripe prints them: the type's name, then the number
                    b.append("<br>").append(esc(t.type().toUpperCase(java.util.Locale.ROOT).replace('_', ' ')))
                            .append(' ').append(esc(t.value()));
                }
            }
            b.append("</dd>");
        }
        b.append("<dt>Tenant</dt><dd>").append(esc(String.valueOf(i.tenantId()))).append("</dd>")
                .append("<dt>Billing period</dt><dd>").append(esc(i.period())).append(" (")
                .append(esc(String.valueOf(i.periodStart()))).append(" to ").append(esc(String.valueOf(i.periodEnd())))
                .append(")</dd>");
        if (i.issuedAt() != null) {
            b.append("<dt>Issued</dt><dd>").append(esc(i.issuedAt().toString())).append("</dd><dt>Due</dt><dd>")
                    .append(esc(String.valueOf(i.dueAt()))).append("</dd>");
        }
        if (i.paidAt() != null) {
            b.append("<dt>Paid</dt><dd>").append(esc(i.paidAt().toString())).append("</dd>");
        }
        b.append("<dt>Payment</dt><dd>").append("SEND_INVOICE".equals(i.collectionMethod())
                ? "Pay by the due date" : "Charged automatically to the payment method on file");
        // Stripe's page takes no payment of an invoice voided there (stripeStatus): no link to it then.
        if (i.hostedInvoiceUrl() != null && i.hostedInvoiceUrl().startsWith("https://") && "ISSUED".equals(i.state())
                && !"void".equals(i.stripeStatus())) {
            b.append(": <a href=\"").append(esc(i.hostedInvoiceUrl())).append("\">pay online</a>");
        }
        b.append("</dd>");
        if (i.invoicePdfUrl() != null && i.invoicePdfUrl().startsWith("https://")) {
            b.append("<dt>PDF</dt><dd><a href=\"").append(esc(i.invoicePdfUrl()))
                    .append("\">Stripe's PDF of this invoice</a></dd>");
        }
        b.append("</dl><table><thead><tr><th>#</th><th>Description</th><th class=\"n\">GPU-hours</th>"
                + "<th class=\"n\">Amount (").append(esc(i.currency())).append(")</th></tr></thead><tbody>");
        if (i.lines() != null) {
            for (InvoiceLineView l : i.lines()) {
                b.append("<tr><td>").append(l.lineNo()).append("</td><td>").append(esc(l.description()))
                        .append("</td><td class=\"n\">").append(l.gpuHours() == null ? "" : esc(l.gpuHours()
                                .toPlainString())).append("</td><td class=\"n\">")
                        .append(MinorUnits.decimal(l.amount().amountMinor(), i.currency()))
                        .append("</td></tr>");
            }
        }
        String currency = i.currency();
        b.append("</tbody><tfoot><tr><td></td><td>Subtotal</td><td></td><td class=\"n\">")
                .append(MinorUnits.decimal(i.subtotal().amountMinor(), currency)).append("</td></tr>");
        if (i.tax() != null && i.tax().amountMinor() != 0) {
            b.append("<tr><td></td><td>Tax</td><td></td><td class=\"n\">")
                    .append(MinorUnits.decimal(i.tax().amountMinor(), currency)).append("</td></tr>");
        }
        b.append("<tr><td></td><td>Prepaid credit applied</td><td></td><td class=\"n\">")
                .append(MinorUnits.decimal(-i.creditApplied().amountMinor(), currency))
                .append("</td></tr><tr class=\"total\"><td></td><td>Total due</td><td></td><td class=\"n\">")
                .append(MinorUnits.decimal(i.total().amountMinor(), currency)).append(" ").append(esc(currency))
                .append("</td></tr>");
        if (i.credited() != null && i.credited().amountMinor() > 0) {
            // Credit notes leave the invoice as issued; what they credited and what is left are shown under it.
            b.append("<tr><td></td><td>Credited by credit notes</td><td></td><td class=\"n\">")
                    .append(MinorUnits.decimal(-i.credited().amountMinor(), currency)).append("</td></tr>");
            if (i.amountDue() != null) {
                b.append("<tr class=\"total\"><td></td><td>Amount due</td><td></td><td class=\"n\">")
                        .append(MinorUnits.decimal(i.amountDue().amountMinor(), currency)).append(" ")
                        .append(esc(currency)).append("</td></tr>");
            }
        }
        b.append("</tfoot></table>");
        b.append("<p>Issued by Myriad. Amounts in minor units are exact; see docs/billing.md for the rounding rule."
                + "</p></body></html>");
        return b.toString();
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
