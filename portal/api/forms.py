"""The admin's forms for partner systems (Flask-WTF, CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.accounts.forms import MultiCheckboxField
from portal.api.models import SCOPES

SCOPE_LABELS = {
    "signals:write": _l("Signalen aanleveren (het maandbestand)"),
    "referrals:read": _l("Overdrachten aan onze organisatie lezen, met hun pakket"),
    "referrals:write": _l("Overdrachten accepteren, afwijzen, teruggeven en terugmelden"),
    "consent:read": _l("Toestemmingsstatus lezen van casussen die aan ons zijn overgedragen"),
}

AUTH_LABELS = {
    "client_secret_basic": _l("Geheim (client secret), via HTTP Basic"),
    "client_secret_post": _l("Geheim (client secret), in het formulier"),
    "private_key_jwt": _l("Ondertekend met een eigen sleutel (private_key_jwt, het sterkst)"),
}


class ClientForm(FlaskForm):
    name = StringField(
        _l("Naam van het systeem"),
        validators=[DataRequired(_l("Geef het systeem een naam.")), Length(max=120)],
        description=_l("Bijvoorbeeld: Huuradministratie of Schuldhulpsysteem."),
    )
    scopes = MultiCheckboxField(
        _l("Wat mag het systeem?"),
        choices=[SelectChoice(s, SCOPE_LABELS[s]) for s in SCOPES],
        validators=[DataRequired(_l("Kies wat het systeem mag."))],
    )
    auth_method = RadioField(
        _l("Hoe bewijst het systeem wie het is?"),
        choices=[SelectChoice(m, label) for m, label in AUTH_LABELS.items()],
        default="client_secret_basic",
        validators=[DataRequired()],
    )
    public_key = TextAreaField(
        _l("Publieke sleutel (JWK)"),
        validators=[Optional(), Length(max=10_000)],
        description=_l(
            "Alleen bij ondertekenen met een eigen sleutel: de publieke sleutel als JWK."
        ),
    )


class WebhookForm(FlaskForm):
    client = SelectField(_l("Systeem"), coerce=int, validators=[DataRequired()])
    url = StringField(
        _l("Webhook-adres (https)"),
        validators=[DataRequired(_l("Vul een geldig webadres in.")), Length(max=500)],
        description=_l(
            "Het Ketenportaal meldt hier overdrachten die veranderen: alleen een kenmerk en "
            "wat er gebeurde, nooit persoonsgegevens."
        ),
    )


DELIVERY_LABELS = {
    "pending": _l("Wacht op verzending"),
    "sending": _l("Wordt verzonden"),
    "delivered": _l("Aangekomen"),
    "failed": _l("Niet aangekomen (opgegeven)"),
}
