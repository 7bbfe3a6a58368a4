"""Envelopes: a document sent to ordered parties for sealing and signing, one module per
use case: `drafting` (parties and fields), `sending` (the fields frozen, the routes opened,
the turns), `signing` (a party's turn, a company party's seal, approving, declining),
`persons` (email code, ID number, a person's signature), `completion` (the final
document, the certificate of completion, the copies), `deadlines` (cancel, reminders,
expiry). `trail` is the envelope's hash-chained evidence; `rules` the checks they share.

Every function runs in the owner's schema; a party company's or a person's requests
arrive through the cross-company door (`workflows/cross_tenant/`), which sets that schema
first."""
