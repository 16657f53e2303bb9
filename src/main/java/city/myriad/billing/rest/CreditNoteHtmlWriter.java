package city.myriad.billing.rest;

import city.myriad.billing.mapping.BillingApi.CreditNoteView;
import city.myriad.platform.money.MinorUnits;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.MessageBodyWriter;
import jakarta.ws.rs.ext.Provider;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The printable credit note: {@code getCreditNote} under {@code Accept: text/html}, the document a tenant's finance
 * files beside the invoice it corrects. Every value is HTML-escaped.
 */
@Provider
@Produces(MediaType.TEXT_HTML)
public class CreditNoteHtmlWriter implements MessageBodyWriter<CreditNoteView> {

    /** The reasons as a reader of the document says them. */
    static final Map<String, String> REASONS = Map.of(
            "SERVICE_LEVEL", "The service fell short of what was sold",
            "BILLING_ERROR", "The invoice billed a wrong amount",
            "DUPLICATE", "Billed twice",
            "FRAUDULENT", "Usage the tenant did not make",
            "GOODWILL", "A goodwill credit");

    @Override
    public boolean isWriteable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
        return CreditNoteView.class.isAssignableFrom(type) && mediaType.isCompatible(MediaType.TEXT_HTML_TYPE);
    }

    @Override
    public void writeTo(CreditNoteView n, Class<?> type, Type genericType, Annotation[] annotations,
            MediaType mediaType, MultivaluedMap<String, Object> headers, OutputStream out) throws IOException {
        headers.putSingle("Content-Type", "text/html; charset=utf-8");
        out.write(render(n).getBytes(StandardCharsets.UTF_8));
    }

    static String render(CreditNoteView n) {
        String title = "Credit note " + n.number();
        String currency = n.amount().currency();
        StringBuilder b = new StringBuilder(2048);
        b.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
                .append(InvoiceHtmlWriter.esc(title))
                .append("</title><style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:"
                        + "collapse;width:100%}th,td{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left}"
                        + "td.n,th.n{text-align:right}.total td{font-weight:bold}</style></head><body>")
                .append("<h1>").append(InvoiceHtmlWriter.esc(title)).append("VOID".equals(n.status()) ? " (VOID)" : "")
                .append("</h1>").append("VOID".equals(n.status()) ? "<p><strong>Voided " + InvoiceHtmlWriter.esc(
                        String.valueOf(n.voidedAt())) + (n.voidMemo() == null ? "" : ": "
                        + InvoiceHtmlWriter.esc(n.voidMemo())) + ". It credits nothing; the invoice asks what it "
                        + "asked before this note.</strong></p>" : "").append("<dl>");
        InvoiceHtmlWriter.seller(b, n.seller());
        b.append("<dt>Credits invoice</dt><dd>").append(InvoiceHtmlWriter.esc(n.invoiceNumber()))
                .append(" (billing period ").append(InvoiceHtmlWriter.esc(n.period())).append(")</dd>")
                .append("<dt>Tenant</dt><dd>").append(InvoiceHtmlWriter.esc(String.valueOf(n.tenantId())))
                .append("</dd><dt>Issued</dt><dd>").append(InvoiceHtmlWriter.esc(String.valueOf(n.createdAt())))
                .append("</dd><dt>Reason</dt><dd>").append(InvoiceHtmlWriter.esc(REASONS.getOrDefault(n.reason(),
                        n.reason()))).append("</dd><dt>Applied to</dt><dd>")
                .append("AMOUNT_DUE".equals(n.appliedTo()) ? "What the invoice asks: it is due less by this amount"
                        : "The prepaid credit of the account (the invoice was paid): spent by the next invoices")
                .append("</dd></dl><table><thead><tr><th>Description</th><th class=\"n\">Amount (")
                .append(InvoiceHtmlWriter.esc(currency)).append(")</th></tr></thead><tbody><tr><td>")
                .append(InvoiceHtmlWriter.esc(n.memo() == null ? REASONS.getOrDefault(n.reason(), n.reason())
                        : n.memo()))
                .append("</td><td class=\"n\">").append(MinorUnits.decimal(-n.amount().amountMinor(), currency))
                .append("</td></tr></tbody><tfoot>");
        if (n.tax() != null && n.tax().amountMinor() != 0) {
            // A credit note of a taxed invoice states the tax it takes back (as a VAT credit note must).
            b.append("<tr><td>Of which tax</td><td class=\"n\">")
                    .append(MinorUnits.decimal(-n.tax().amountMinor(), currency)).append("</td></tr>");
        }
        b.append("<tr class=\"total\"><td>Total credited</td><td class=\"n\">")
                .append(MinorUnits.decimal(-n.amount().amountMinor(), currency)).append(' ')
                .append(InvoiceHtmlWriter.esc(currency)).append("</td></tr></tfoot></table>")
                .append("<p>Issued by Myriad. The invoice it credits stays as it was issued.</p></body></html>");
        return b.toString();
    }
}
