"""The only code that reaches into another company's schema.

An envelope lives in its owner's schema. A party company sees it through a public
routing entry (`tenants.EnvelopeRoute`) that names the owner; a person through a link
whose token hash is on that entry. Every function here starts from a route that the
caller has already proved is theirs (their company, or their token), switches to the
owner's schema for exactly that envelope and party, and hands back plain data.

Everything a party reads or does passes `door.door_open`: it opens only while the envelope is
open and the party is still the one the route was made for, and it names the one version
the party may see (the newest its own envelope produced). Afterwards the route leads
nowhere; a party company keeps the copy delivered to its own documents.

The door is this package, and schema switching happens only inside it
(tests/config/test_schema_doors.py): `door` (route -> envelope, party, version),
`party_views` (what a party sees), `party_actions` (what a party does), `claims` (a newly
registered company takes up the envelopes that invited it) and `copies` (the final
documents delivered to each party company). The public routing rows themselves are kept
by `workflows/envelope_routes.py`, which switches nothing."""

from workflows.cross_tenant.claims import routes_claim_for_company
from workflows.cross_tenant.copies import final_copies_deliver
from workflows.cross_tenant.door import route_get_for_company, route_get_for_token
from workflows.cross_tenant.party_actions import (
    PersonSignature,
    company_party_decline,
    company_party_reassign,
    company_party_seal,
    person_approve,
    person_code_check,
    person_code_send,
    person_decline,
    person_sign,
)
from workflows.cross_tenant.party_views import (
    FieldView,
    PartyRow,
    PartyView,
    party_file,
    party_job,
    party_page_image,
    party_view,
    party_viewed,
)

__all__ = [
    "FieldView",
    "PersonSignature",
    "PartyRow",
    "PartyView",
    "company_party_decline",
    "company_party_reassign",
    "company_party_seal",
    "final_copies_deliver",
    "party_file",
    "party_job",
    "party_page_image",
    "party_view",
    "party_viewed",
    "person_approve",
    "person_code_check",
    "person_code_send",
    "person_decline",
    "person_sign",
    "route_get_for_company",
    "route_get_for_token",
    "routes_claim_for_company",
]
