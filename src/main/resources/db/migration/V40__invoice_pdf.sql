-- Stripe's PDF of an invoice (docs/billing.md, "Automatic collection, and payment terms"): the document Stripe emails,
-- kept from the finalize's answer beside the invoice's hosted page, so that a finance team downloads it from Myriad.
alter table invoices add column invoice_pdf_url text;
