import logging
import os
import warnings

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

try:
    with warnings.catch_warnings():  # "Python 3.7 is no longer supported": Odoo 11 needs it
        warnings.simplefilter("ignore")
        from cryptography.fernet import Fernet, InvalidToken
except ImportError:  # pragma: no cover - a declared external dependency
    Fernet = InvalidToken = None

#: odoo.conf option holding the Fernet key; else a key file in the data dir.
KEY_OPTION = "infogerance_secret_key"
KINDS = [
    ("wifi_key", "Wi-Fi key"),
    ("vpn_username", "VPN user name"),
    ("vpn_secret", "VPN password or key"),
    ("vpn_config", "VPN configuration file"),
]


def _key_file():
    return os.path.join(tools.config["data_dir"], "commown_infogerance", "secret.key")


def secret_key():
    """The Fernet key that encrypts secrets at rest: the ``infogerance_secret_key``
    option of the Odoo configuration, else a key file created once in the data
    directory (0600). Never in the database, so that a dump holds no clear secret."""
    key = tools.config.get(KEY_OPTION)
    if key:
        return key.encode()
    path = _key_file()
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(Fernet.generate_key())
        _logger.warning("Created the key of the profile secrets: %s (back it up)", path)
    with open(path, "rb") as handle:
        return handle.read().strip()


class InfogeranceProfileSecret(models.Model):
    """One secret of a configuration profile (Wi-Fi key, VPN credentials or file),
    encrypted at rest. Only technicians and managers have any access right on
    this model: no other user reaches it by read, search, read_group, export or
    attachment, whatever the field attributes of the profile models (R8)."""

    _name = "infogerance.profile.secret"
    _description = "Secret of a configuration profile"

    profile_id = fields.Many2one(
        comodel_name="infogerance.profile",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        related="profile_id.company_id", store=True, readonly=True, index=True
    )
    wifi_id = fields.Many2one(
        comodel_name="infogerance.profile.wifi", ondelete="cascade", index=True
    )
    vpn_id = fields.Many2one(comodel_name="infogerance.profile.vpn", ondelete="cascade", index=True)
    kind = fields.Selection(selection=KINDS, required=True)
    # The token (Fernet: AES-128-CBC + HMAC-SHA256), never the clear value.
    token = fields.Text(copy=False)
    value = fields.Char(compute="_compute_value", inverse="_inverse_value")

    _sql_constraints = [
        ("wifi_kind_unique", "unique(wifi_id, kind)", "One secret of each kind per Wi-Fi."),
        ("vpn_kind_unique", "unique(vpn_id, kind)", "One secret of each kind per VPN."),
    ]

    @api.model
    def _fernet(self):
        if Fernet is None:
            raise UserError(_("The Python library 'cryptography' is needed for profile secrets."))
        return Fernet(secret_key())

    @api.model
    def _encrypt(self, value):
        return self._fernet().encrypt((value or "").encode()).decode()

    @api.model
    def _decrypt(self, token):
        try:
            return self._fernet().decrypt(token.encode()).decode()
        except InvalidToken:
            raise UserError(
                _(
                    "A profile secret cannot be decrypted with this server's key: restore the "
                    "key file or the %(option)s option it was written with."
                )
                % {"option": KEY_OPTION}
            )

    def _compute_value(self):
        for secret in self:
            secret.value = secret._decrypt(secret.token) if secret.token else False

    def _inverse_value(self):
        for secret in self:
            secret.token = self._encrypt(secret.value)


class InfogeranceProfileSecretHolder(models.AbstractModel):
    """Secret fields of a Wi-Fi or VPN record, stored as ``infogerance.profile.secret``
    records: computed (not stored, hence not searchable nor groupable) and
    restricted to technicians."""

    _name = "infogerance.profile.secret.holder"
    _description = "Record holding profile secrets"

    #: {field name: secret kind}
    _infogerance_secret_kinds = {}
    #: the secret's many2one back to this record
    _infogerance_secret_link = None

    def _infogerance_secrets(self):
        return self.env["infogerance.profile.secret"].search(
            [(self._infogerance_secret_link, "in", self.ids)]
        )

    def _compute_infogerance_secrets(self):
        by_record = {
            (secret[self._infogerance_secret_link].id, secret.kind): secret.value
            for secret in self._infogerance_secrets()
        }
        for record in self:
            for name, kind in self._infogerance_secret_kinds.items():
                record[name] = by_record.get((record.id, kind), False)

    def _inverse_infogerance_secrets(self):
        Secret = self.env["infogerance.profile.secret"]
        existing = {
            (secret[self._infogerance_secret_link].id, secret.kind): secret
            for secret in self._infogerance_secrets()
        }
        for record in self:
            for name, kind in self._infogerance_secret_kinds.items():
                if name not in record._cache:
                    # Not being written: reading it would compute every secret
                    # field again and overwrite the new values in the cache.
                    continue
                value = record[name]
                if isinstance(value, bytes):  # binary fields: base64
                    value = value.decode()
                secret = existing.get((record.id, kind))
                if not value:
                    if secret:
                        secret.unlink()
                elif secret:
                    secret.value = value
                else:
                    Secret.create(
                        {
                            "profile_id": record.profile_id.id,
                            self._infogerance_secret_link: record.id,
                            "kind": kind,
                            "value": value,
                        }
                    )
