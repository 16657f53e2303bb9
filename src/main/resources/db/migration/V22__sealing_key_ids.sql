-- The sealing key can be rotated (platform.crypto.SecretSeal, docs/security.md): a sealed value names the key that
-- sealed it, and values under a previous key (myriad.secrets.previous-keys) are sealed again under the current one at
-- start (metering.service.WebhookSecretsReseal). Values of the first format (`sealed:v1:`, no key id) still open.
comment on column webhooks.secret is 'sealed:v2:<key id>:<nonce and ciphertext> (platform.crypto.SecretSeal; '
    'sealed:v1:<nonce and ciphertext> before key ids), or in clear if stored without myriad.secrets.key';
