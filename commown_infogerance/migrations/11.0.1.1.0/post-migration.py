"""11.0.1.1.0: the managed-service line's price explanation is computed in the
reader's language from stored facts (computers already rented, tier applied)
instead of being stored as text in its writer's language. Fill those facts for
the lines priced before, from what they stored: the priced fleet and the order's
computers."""
import logging
from collections import defaultdict

from odoo import SUPERUSER_ID, api

from odoo.addons.commown_infogerance import rules

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    lines = env["sale.order.line"].search(
        [("infogerance_offer_id", "!=", False), ("infogerance_fleet_size", ">", 0)]
    )
    facts = defaultdict(list)  # (computers already rented, tier bound): line ids
    for line in lines:
        order_computers = line.order_id.order_line.filtered(
            "is_computer_rental"
        )._infogerance_computer_count()
        fleet = line.infogerance_fleet_size
        # The offer's grid today: a quotation older than a grid change may show
        # a tier bound that differs from the one it was priced at.
        tier = rules.applicable_tier(line.infogerance_offer_id._infogerance_grid(), fleet)
        facts[max(fleet - order_computers, 0), tier.min_computers if tier else 0].append(line.id)
    for (existing, tier_min), ids in facts.items():
        cr.execute(
            "UPDATE sale_order_line SET infogerance_existing_fleet = %s, "
            "infogerance_tier_min = %s WHERE id IN %s",
            (existing, tier_min, tuple(ids)),
        )
    lines.invalidate_cache(["infogerance_existing_fleet", "infogerance_tier_min"])
    _logger.info("price explanation facts filled on %d managed-service lines", len(lines))
