"""The organisation admin's page for partner systems: register one (its secret is shown
once, on the answer to the form, never flashed into the session or e-mailed), give it a new
secret, or switch it off."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from wtforms import SelectChoice

from portal.access import staff
from portal.accounts.forms import ActionForm
from portal.actor import current_actor
from portal.api.forms import (
    AUTH_LABELS,
    DELIVERY_LABELS,
    SCOPE_LABELS,
    ClientForm,
    WebhookForm,
)
from portal.api.models import ApiClient
from portal.api.service import clients, webhooks
from portal.extensions import db
from portal.links import external_url
from portal.web import submit

bp = Blueprint("apiclients", __name__, url_prefix="/beheer/koppelingen")


def _page(
    form: ClientForm,
    *,
    error: str | None = None,
    created: ApiClient | None = None,
    secret: str | None = None,
    webhook_key: str | None = None,
    webhook_form: WebhookForm | None = None,
    status: int = 200,
):
    actor = current_actor()
    registered = clients.organisation_clients(db.session, actor)
    webhook_form = webhook_form or WebhookForm(formdata=None)
    webhook_form.client.choices = _listening(registered)
    response = make_response(
        render_template(
            "api/clients.html",
            clients=registered,
            webhook_form=webhook_form,
            webhook_key=webhook_key,
            deliveries=webhooks.delivery_log(db.session, actor),
            form=form,
            action_form=ActionForm(),
            error=error,
            created=created,
            secret=secret,
            scope_labels=SCOPE_LABELS,
            auth_labels=AUTH_LABELS,
            delivery_labels=DELIVERY_LABELS,
            token_url=external_url("api.token"),
            docs_url=external_url("api.reference"),
        ),
        status,
    )
    # A page that shows a secret is never kept by a browser or a proxy.
    response.headers["Cache-Control"] = "no-store"
    return response


def _listening(registered: list[ApiClient]) -> list[SelectChoice]:
    """The systems that can have a webhook: active, and allowed to read referrals."""
    return [
        SelectChoice(c.id, c.name)
        for c in registered
        if c.active and webhooks.LISTENING_SCOPE in c.scopes
    ]


@bp.get("")
@staff("org_admin")
def index():
    return _page(ClientForm(formdata=None))


@bp.post("")
@staff("org_admin")
def register():
    form = ClientForm()
    outcome = submit(
        form,
        lambda: clients.register_client(
            db.session,
            current_actor(),
            name=form.name.data or "",
            scopes=form.scopes.data or [],
            auth_method=form.auth_method.data or "",
            public_key=form.public_key.data,
        ),
    )
    if not outcome.done:
        return _page(form, error=outcome.message or None, status=400)
    client, secret = outcome.result
    return _page(ClientForm(formdata=None), created=client, secret=secret)


@bp.post("/<int:client_pk>/geheim")
@staff("org_admin")
def new_secret(client_pk: int):
    actor = current_actor()
    client = clients.load_client(db.session, actor, client_pk)
    outcome = submit(ActionForm(), lambda: clients.new_client_secret(db.session, actor, client))
    if not outcome.done:
        if outcome.refusal is not None:
            flash(outcome.message, "error")
        return redirect(url_for(".index"))
    return _page(ClientForm(formdata=None), created=client, secret=outcome.result)


@bp.post("/<int:client_pk>/uitzetten")
@staff("org_admin")
def revoke(client_pk: int):
    actor = current_actor()
    client = clients.load_client(db.session, actor, client_pk)
    if ActionForm().validate_on_submit():
        clients.revoke_client(db.session, actor, client)
        db.session.commit()
        flash(_("Het systeem is uitgezet. Zijn tokens werken niet meer."), "ok")
    return redirect(url_for(".index"))


@bp.post("/webhook")
@staff("org_admin")
def set_webhook():
    """Set a system's webhook address; its signing key is shown once."""
    actor = current_actor()
    form = WebhookForm()
    form.client.choices = _listening(clients.organisation_clients(db.session, actor))

    def change() -> tuple[ApiClient, str]:
        client = clients.load_client(db.session, actor, form.client.data)
        config = current_app.config
        key = webhooks.set_webhook(
            db.session,
            actor,
            client,
            form.url.data or "",
            secret_key=config["SECRET_KEY"],
            allow_http=config["API_WEBHOOK_ALLOW_HTTP"],
        )
        return client, key

    outcome = submit(form, change)
    if not outcome.done:
        if outcome.refusal is not None:
            form.url.errors = [outcome.message]
        return _page(ClientForm(formdata=None), webhook_form=form, status=400)
    client, key = outcome.result
    return _page(ClientForm(formdata=None), created=client, webhook_key=key)


@bp.post("/<int:client_pk>/webhook/verwijderen")
@staff("org_admin")
def remove_webhook(client_pk: int):
    actor = current_actor()
    client = clients.load_client(db.session, actor, client_pk)
    if ActionForm().validate_on_submit():
        webhooks.remove_webhook(db.session, actor, client)
        db.session.commit()
        flash(_("Het webhook-adres is verwijderd."), "ok")
    return redirect(url_for(".index"))
