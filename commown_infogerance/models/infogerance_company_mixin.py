from odoo import _, api, fields, models
from odoo.exceptions import UserError


class InfogeranceCompanyFromParent(models.AbstractModel):
    """A record belonging to its parent's company (a contract, an order), whose
    company never changes once set: the company is copied into a stored column
    when the record is created or moved to another parent, for the multi-company
    record rule. Not a stored related field: it would cost a query at every
    contract created (rentals included) to look for records to recompute."""

    _name = "infogerance.company.from.parent"
    _description = "Record in its parent's company"

    #: many2one fields naming the parent, first set wins
    _infogerance_company_parents = ()

    company_id = fields.Many2one(
        comodel_name="res.company",
        string="Company",
        readonly=True,
        index=True,
    )

    @api.model
    def _infogerance_parent_company(self, vals):
        """The company of the first parent named in ``vals``, or None when
        ``vals`` names none (the record keeps its company)."""
        named = [name for name in self._infogerance_company_parents if name in vals]
        if not named:
            return None
        for name in named:
            if vals[name]:
                # sudo: the parent's company is read to file the record, whatever
                # the caller may read; the caller's rights on the record apply.
                parent = self.env[self._fields[name].comodel_name].sudo().browse(vals[name])
                if parent.company_id:
                    return parent.company_id.id
        return False

    @api.model
    def create(self, vals):
        company = self._infogerance_parent_company(vals)
        if company is not None:
            vals = dict(vals, company_id=company)
        return super().create(vals)

    @api.multi
    def write(self, vals):
        parents = set(self._infogerance_company_parents) & set(vals)
        if parents or "company_id" in vals:
            for record in self:
                values = {name: record[name].id for name in self._infogerance_company_parents}
                values.update(vals)
                company = record._infogerance_parent_company(values)
                if company is None:
                    company = record.company_id.id
                if "company_id" in vals and (vals["company_id"] or False) != company:
                    raise UserError(
                        _(
                            "The company of %(record)s is the company of what it belongs to "
                            "(%(parents)s): change that instead."
                        )
                        % {
                            "record": record.display_name,
                            "parents": ", ".join(
                                record._fields[name].string
                                for name in self._infogerance_company_parents
                            ),
                        }
                    )
                if company != record.company_id.id:
                    super(InfogeranceCompanyFromParent, record).write({"company_id": company})
        vals = {key: value for key, value in vals.items() if key != "company_id"}
        return super().write(vals)
