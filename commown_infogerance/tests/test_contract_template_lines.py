"""Onboarding (R3) is for lines of real contracts: OCA contract's template lines
(``account.analytic.contract.line``) inherit the contract line model, and a user
adding, changing or removing a template line must not trip the role
synchronisation, which has no contract to act on. A contract made from a template
with a computer line is a rental (R3) like any other."""
from freezegun import freeze_time

from odoo.tests.common import at_install, post_install

from .common import InfogeranceCase


@at_install(False)
@post_install(True)
@freeze_time("2026-03-10")
class TestR3ContractTemplateLines(InfogeranceCase):
    def setUp(self):
        super().setUp()
        with freeze_time("2026-01-01"):
            self._confirm(self.customer, computers=2)
        self.service = self._service_contract(self.customer)
        self.Template = self.env["account.analytic.contract"]
        self.TemplateLine = self.env["account.analytic.contract.line"]
        self.Contract = self.env["account.analytic.account"]

    def _line_values(self, product):
        return {
            "product_id": product.id,
            "name": "%s #START# - #END#" % product.name,
            "quantity": 1,
            "uom_id": product.uom_id.id,
            "specific_price": 39.0,
        }

    def _form_line_values(self, product):
        """What the template form's line editor sends: the product's onchange
        (the web client's path), then the values it saves."""
        values = {"product_id": product.id, "quantity": 1.0, "name": False, "uom_id": False}
        form = self.Template.fields_view_get(
            view_id=self.env.ref("contract.account_analytic_contract_view_form").id,
            view_type="form",
        )
        spec = {
            name[len("recurring_invoice_line_ids.") :]: onchange
            for name, onchange in self.Template._onchange_spec(view_info=form).items()
            if name.startswith("recurring_invoice_line_ids.")
        }
        self.assertIn("product_id", spec)
        result = self.TemplateLine.onchange(values, "product_id", spec)
        values.update(result.get("value", {}))
        values["uom_id"] = (
            values["uom_id"][0] if isinstance(values["uom_id"], tuple) else values["uom_id"]
        )
        self.assertEqual(values["uom_id"], product.uom_id.id)
        self.assertTrue(values["name"])
        return values

    def _assert_fleet_untouched(self):
        self.assertEqual(self.customer.get_rented_computer_count(), 2)
        self.assertEqual(self.service.infogerance_fleet_size, 2)
        self.assertEqual(self.service.infogerance_role, "service")

    def test_r3_template_lines_from_the_form(self):
        # create the template with a line, as the form saves it
        template = self.Template.create(
            {
                "name": "Laptop template (form)",
                "recurring_rule_type": "monthly",
                "recurring_invoice_line_ids": [(0, 0, self._form_line_values(self.computer))],
            }
        )
        line = template.recurring_invoice_line_ids
        self.assertEqual(line.product_id, self.computer)
        # add a line, change the first one's product, then remove it
        template.write(
            {
                "recurring_invoice_line_ids": [
                    (0, 0, self._form_line_values(self.accessory)),
                    (1, line.id, {"product_id": self.accessory.id}),
                ]
            }
        )
        self.assertEqual(len(template.recurring_invoice_line_ids), 2)
        self.assertEqual(line.product_id, self.accessory)
        template.write({"recurring_invoice_line_ids": [(2, line.id, False)]})
        self.assertFalse(line.exists())
        self.assertEqual(len(template.recurring_invoice_line_ids), 1)
        self._assert_fleet_untouched()
        template.unlink()  # its lines go with it (cascade)
        self._assert_fleet_untouched()

    def test_r3_template_lines_through_the_orm(self):
        template = self.Template.create({"name": "Laptop template (ORM)"})
        values = dict(self._line_values(self.computer), analytic_account_id=template.id)
        line = self.TemplateLine.create(values)
        self.assertEqual(template.recurring_invoice_line_ids, line)
        line.write({"product_id": self.accessory.id, "quantity": 2})
        self.assertEqual(line.product_id, self.accessory)
        other = self.Template.create({"name": "Other template"})
        line.write({"analytic_account_id": other.id})  # moved to another template
        self.assertEqual(other.recurring_invoice_line_ids, line)
        line.unlink()
        self.assertFalse(other.recurring_invoice_line_ids)
        self._assert_fleet_untouched()

    def test_r3_contract_from_a_template_with_a_computer_line_is_a_rental(self):
        template = self.Template.create(
            {
                "name": "Laptop template",
                "recurring_rule_type": "monthly",
                "recurring_invoice_line_ids": [(0, 0, self._line_values(self.computer))],
            }
        )
        # the contract form: partner and template chosen, the template's onchange
        # fills the lines, then the form saves
        values = {
            "name": "Laptop from a template",
            "partner_id": self.customer.id,
            "recurring_invoices": True,
            "date_start": "2026-02-01",
            "recurring_next_date": "2026-02-01",
            "contract_template_id": template.id,
            "recurring_invoice_line_ids": [],
        }
        form = self.Contract.fields_view_get(
            view_id=self.env.ref("contract.account_analytic_account_recurring_form_form").id,
            view_type="form",
        )
        result = self.Contract.onchange(
            values, "contract_template_id", self.Contract._onchange_spec(view_info=form)
        )
        lines = result["value"]["recurring_invoice_line_ids"]
        new_lines = [command for command in lines if command[0] == 0]
        self.assertEqual(len(new_lines), 1)
        self.assertEqual(new_lines[0][2]["product_id"][0], self.computer.id)
        values["recurring_invoice_line_ids"] = [
            (0, 0, {k: v[0] if isinstance(v, tuple) else v for k, v in command[2].items()})
            for command in new_lines
        ]
        contract = self.Contract.create(values)
        self.assertEqual(contract.recurring_invoice_line_ids.product_id, self.computer)
        self.assertEqual(contract.infogerance_role, "rental")
        self.assertEqual(self.customer.get_rented_computer_count(), 3)
        self.assertEqual(self.service.infogerance_fleet_size, 3)
        # the template's lines are the template's: they did not move
        self.assertEqual(template.recurring_invoice_line_ids.product_id, self.computer)
