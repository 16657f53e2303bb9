-- Access tokens are verified here, locally (signature, issuer, audience, expiry), so without this a member removed or
-- given other roles, or an API client re-keyed or deleted, would go on acting with a token issued before the change
-- until it expires (5 minutes in the demo realm). Every replica refuses a token of one of these usernames issued
-- (`iat`) before the second of `revoked_at` (docs/security.md, "Tokens issued before a change"). No tenant column: a
-- username is unique across the platform, and the service reads every row; rows older than any token's lifespan are
-- no longer read.
create table token_revocations (
    username    text        primary key,
    revoked_at  timestamptz not null
);
create index token_revocations_at on token_revocations (revoked_at);
