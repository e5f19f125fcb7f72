"""The one way out for a stored file: a download through the policy point.

There is no public URL for an attachment: this view loads the case as the signed-in
professional may see it (a case they cannot see is "not found"), lets the policy point decide
on the file's category and audit the download, and sends it as an attachment with a neutral
name, never cached, never sniffed into something the browser would run.
"""

from __future__ import annotations

from flask import Blueprint, Response

from portal.access import casework
from portal.actor import current_actor
from portal.attachments import service
from portal.attachments.models import Attachment
from portal.cases.policy import load_case
from portal.errors import NotFound
from portal.extensions import db

bp = Blueprint("attachments", __name__)


@bp.get("/casussen/<int:case_id>/bijlagen/<int:attachment_id>")
@casework
def download(case_id: int, attachment_id: int) -> Response:
    actor = current_actor()
    case = load_case(db.session, actor, case_id)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.case_id != case.id:
        raise NotFound()
    file = service.read(db.session, actor, attachment)
    db.session.commit()  # the download was audited
    return Response(
        file.data,
        mimetype=file.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{file.download_name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
        },
    )
