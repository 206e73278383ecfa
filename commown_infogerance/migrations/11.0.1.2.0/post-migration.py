"""11.0.1.2.0: Wi-Fi keys and VPN credentials move from columns (and an
attachment) of the Wi-Fi and VPN records to encrypted secret records that only
technicians may read. Move every clear value, then drop the old columns and the
attachments so that no clear copy is left in the database.

Also: a contract is a computer rental from its lines' products, whatever created
it. Give the existing contracts their role and attach the running rentals no
managed service covers to their customer's managed-service contract (logged)."""
import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)

#: (table, link field on the secret, {old column: secret kind})
MOVES = (
    ("infogerance_profile_wifi", "wifi_id", {"key": "wifi_key"}),
    (
        "infogerance_profile_vpn",
        "vpn_id",
        {"username": "vpn_username", "secret": "vpn_secret"},
    ),
)


def _columns(cr, table):
    cr.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,))
    return {row[0] for row in cr.fetchall()}


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    Secret = env["infogerance.profile.secret"]
    moved = 0
    for table, link, kinds in MOVES:
        present = [column for column in kinds if column in _columns(cr, table)]
        for column in present:
            # Table and column names come from the constants above, not from input.
            cr.execute(
                'SELECT id, profile_id, "{column}" FROM {table} WHERE "{column}" IS NOT NULL '
                "AND \"{column}\" != ''".format(column=column, table=table)  # noqa: S608
            )
            for record_id, profile_id, value in cr.fetchall():
                Secret.create(
                    {
                        "profile_id": profile_id,
                        link: record_id,
                        "kind": kinds[column],
                        "value": value,
                    }
                )
                moved += 1
            cr.execute(
                'ALTER TABLE {table} DROP COLUMN "{column}"'.format(table=table, column=column)
            )
    attachments = (
        env["ir.attachment"]
        .with_context(active_test=False)
        .search([("res_model", "=", "infogerance.profile.vpn"), ("res_field", "=", "config_file")])
    )
    for attachment in attachments:
        vpn = env["infogerance.profile.vpn"].browse(attachment.res_id).exists()
        if vpn and attachment.datas:
            Secret.create(
                {
                    "profile_id": vpn.profile_id.id,
                    "vpn_id": vpn.id,
                    "kind": "vpn_config",
                    "value": attachment.datas.decode(),
                }
            )
            moved += 1
    attachments.unlink()
    _logger.info("Moved %s profile secrets to encrypted secret records", moved)
    env["account.analytic.account"]._infogerance_onboard_existing()
