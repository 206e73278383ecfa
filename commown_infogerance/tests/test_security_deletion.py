"""Deletion: the grid of an offer that contracts or orders use (running or
ended) is their history: its tiers are neither deleted nor moved, by any path;
the offer is archived instead."""
from odoo.exceptions import UserError

from .test_security_protection import ProtectionCase


class TestDeletionOfferTiers(ProtectionCase):
    def _new_offer(self, name):
        return self.env["infogerance.offer"].create(
            {
                "name": name,
                "tier_ids": [
                    (0, 0, {"min_computers": 1, "unit_price": 20.0}),
                    (0, 0, {"min_computers": 5, "unit_price": 18.0}),
                ],
            }
        )

    def test_deletion_offer_tier_refused_while_contracts_use_the_offer(self):
        tier = self.offer.tier_ids.sorted("min_computers")[-1]
        with self.assertRaisesRegex(UserError, "R4 .*Essentiel.*Archive the offer"):
            tier.sudo(self.manager).unlink()
        self.assertTrue(tier.exists())

    def test_deletion_offer_tier_refused_through_the_offer_grid(self):
        tier = self.offer.tier_ids.sorted("min_computers")[-1]
        for command in ([(2, tier.id)], [(3, tier.id)], [(5, 0, 0)], [(6, 0, [])]):
            with self.assertRaisesRegex(
                UserError, "Archive the offer", msg=command
            ), self.env.cr.savepoint():
                self.offer.sudo(self.manager).write({"tier_ids": command})
        self.assertEqual(len(self.offer.tier_ids), 3)
        # Prices of a used offer may still change: contracts keep their copy (R4).
        self.offer.sudo(self.manager).write({"tier_ids": [(1, tier.id, {"unit_price": 9.0})]})
        self.assertEqual(
            self.contract.infogerance_tier_ids.mapped("unit_price"), [15.0, 12.0, 10.0]
        )

    def test_deletion_offer_tier_cannot_move_to_another_offer(self):
        tier = self.offer.tier_ids.sorted("min_computers")[-1]
        other = self._new_offer("Other")
        with self.assertRaisesRegex(UserError, "Archive the offer"):
            tier.write({"offer_id": other.id})
        with self.assertRaisesRegex(UserError, "Archive the offer"):
            other.write({"tier_ids": [(4, tier.id)]})
        self.assertEqual(tier.offer_id, self.offer)

    def test_deletion_offer_tier_refused_for_an_ended_archived_contract(self):
        with self.env.cr.savepoint():
            self.env.cr.execute(
                "UPDATE account_analytic_account SET date_end = '2026-06-30', active = FALSE "
                "WHERE id = %s",
                (self.contract.id,),
            )
            self.env.cr.execute(
                "UPDATE sale_order_line SET infogerance_offer_id = NULL "
                "WHERE infogerance_offer_id = %s",
                (self.offer.id,),
            )
            with self.assertRaisesRegex(UserError, "Archive the offer"):
                self.offer.tier_ids[:1].unlink()

    def test_deletion_offer_tier_refused_while_a_quotation_uses_the_offer(self):
        offer = self._new_offer("Quoted")
        product = self.env["product.product"].create(
            {"name": "Quoted service", "type": "service", "infogerance_offer_id": offer.id}
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": self.other_customer.id,
                "order_line": [(0, 0, {"product_id": product.id})],
            }
        )
        with self.assertRaisesRegex(UserError, "R4 .*Quoted.*Archive the offer"):
            offer.write({"tier_ids": [(2, offer.tier_ids[-1].id)]})
        with self.assertRaisesRegex(UserError, "Archive it instead"):
            offer.unlink()
        order.order_line.unlink()
        offer.write({"tier_ids": [(2, offer.tier_ids.sorted("min_computers")[-1].id)]})
        self.assertEqual(offer.tier_ids.mapped("min_computers"), [1])
        offer.unlink()
