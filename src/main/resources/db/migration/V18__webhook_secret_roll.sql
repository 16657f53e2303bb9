-- A webhook's secret can be rolled with an overlap: the secrets before a roll keep signing deliveries (a second
-- signature in Myriad-Signature) until their end, so that a receiver can deploy the new secret without rejecting a
-- delivery. `earlier_secrets`: a JSON array of {"secret", "endsAt"}, at most three, those past their end ignored
-- (`metering.model.SigningSecrets`). Setting the webhook (setWebhook) without `keepSecret` empties it.
alter table webhooks add column earlier_secrets jsonb not null default '[]'
    check (jsonb_typeof(earlier_secrets) = 'array');
-- The secrets, current and earlier, are stored sealed (`sealed:v1:…`, AES-256-GCM under myriad.secrets.key, bound to
-- the tenant's row: `platform.crypto.SecretSeal`); one stored before that key was set is in clear until next written.
comment on column webhooks.secret is 'sealed:v1:<nonce and ciphertext> (platform.crypto.SecretSeal), or in clear if '
    'stored without myriad.secrets.key';
