"""The public verification page a signed document's QR code opens: GET /verify/{code}."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import Service, unit_of_work
from api.headers import content_security_policy
from approval_core.receipts.verify import check_code
from approval_core.receipts.verify_page import (
    broken_chain_page,
    genuine_page,
    not_found_page,
    page_style_hashes,
)

router = APIRouter(tags=["receipts"])


@router.get(
    "/verify/{code}",
    response_class=HTMLResponse,
    include_in_schema=False,  # a page for people (like /docs), not part of the JSON API
)
def verification_page(code: str, request: Request, service: Service) -> HTMLResponse:
    """Anyone holding a document: its key facts, whether the record chain holds and whether
    the PDF this service issues for it carries a valid signature. Unknown or altered codes get
    404 and count against the public look-up's limit (api/ratelimit.py), as a broken chain
    does (409, no facts shown)."""
    with service.limiter.attempt(request, service.now()) as slot, unit_of_work(service) as session:
        found = check_code(session, service.core, code)
        if found is not None and found.receipt is not None:
            slot.found()
    if found is not None and found.receipt is not None:
        documents = service.documents
        signature = documents.check(found.receipt)
        page, status = genuine_page(found, signature, documents.signer.throwaway), 200
    elif found is not None and not found.chain_holds:
        page, status = broken_chain_page(), 409
    else:
        page, status = not_found_page(), 404
    policy = content_security_policy(page_style_hashes())
    return HTMLResponse(page, status, headers={"Content-Security-Policy": policy})
