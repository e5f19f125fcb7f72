"""Forms for sign-in, account security and organisation administration (Flask-WTF, CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.accounts.labels import ROLE_LABELS
from portal.accounts.roles import PORTAL_ROLES, SSO_DEFAULT_ROLES


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class SignInForm(FlaskForm):
    email = EmailField(_l("E-mailadres"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Wachtwoord"), validators=[DataRequired(), Length(max=256)])


class CodeForm(FlaskForm):
    code = StringField(_l("Code uit uw app"), validators=[DataRequired(), Length(max=12)])


class RecoveryForm(FlaskForm):
    code = StringField(_l("Herstelcode"), validators=[DataRequired(), Length(max=40)])


class ReauthForm(FlaskForm):
    password = PasswordField(_l("Uw huidige wachtwoord"), validators=[Optional(), Length(max=256)])
    code = StringField(_l("Code uit uw app"), validators=[Optional(), Length(max=12)])


class ChangePasswordForm(ReauthForm):
    new_password = PasswordField(
        _l("Nieuw wachtwoord"), validators=[DataRequired(), Length(max=256)]
    )
    repeat = PasswordField(
        _l("Herhaal het nieuwe wachtwoord"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("De twee wachtwoorden zijn niet gelijk.")),
        ],
    )


class AcceptInvitationForm(FlaskForm):
    password = PasswordField(
        _l("Kies een wachtwoord"), validators=[DataRequired(), Length(max=256)]
    )
    repeat = PasswordField(
        _l("Herhaal het wachtwoord"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("De twee wachtwoorden zijn niet gelijk.")),
        ],
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mailadres (werk)"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Naam en functie"), validators=[DataRequired(), Length(max=200)])
    roles = MultiCheckboxField(
        _l("Rollen"),
        choices=[SelectChoice(r, ROLE_LABELS[r]) for r in PORTAL_ROLES],
        validators=[DataRequired(message=_l("Kies minstens één rol."))],
    )


class SsoSettingsForm(FlaskForm):
    enabled = BooleanField(_l("Inloggen via onze eigen inlogdienst aanzetten"))
    issuer = StringField(
        _l("Issuer (adres van de inlogdienst)"), validators=[DataRequired(), Length(max=300)]
    )
    client_id = StringField(_l("Client-ID"), validators=[DataRequired(), Length(max=200)])
    client_secret_env = StringField(
        _l("Naam van de omgevingsvariabele met het client-geheim"),
        validators=[DataRequired(), Length(max=64)],
    )
    mfa_acr_values = StringField(
        _l("acr-waarden die als MFA tellen (met spaties ertussen)"),
        validators=[Optional(), Length(max=300)],
    )
    allow_password = BooleanField(_l("Medewerkers mogen ook met wachtwoord en app-code inloggen"))
    default_role = SelectField(
        _l("Rol voor een nieuwe collega die via de inlogdienst binnenkomt"),
        choices=[
            SelectChoice("", _l("Geen rol (de beheerder kent die toe)")),
            *(SelectChoice(r, ROLE_LABELS[r]) for r in SSO_DEFAULT_ROLES),
        ],
        validators=[Optional()],
    )
