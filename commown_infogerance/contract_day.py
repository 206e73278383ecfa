"""The contracts' day: one calendar for every user and every channel.

The contract's dates (start, termination request, notice, billing run) are
compared across users: a customer confirms an order in the shop and asks for
its termination in the portal, a salesman records a request received by mail,
the scheduled billing invoices at night. Odoo's ``context_today`` gives the day
in the time zone of whoever runs the code, so the same instant may be 5 December
for a portal contact without a time zone (UTC) and already 6 December for a
salesman in Paris: a contract started "today" could not be terminated "today".

Every date the contract rules take as "today" is the day in the company's time
zone (``res.company.infogerance_tz``, Europe/Paris by default: the contract is
French), whoever asks.
"""
from odoo import fields

DEFAULT_TZ = "Europe/Paris"


def contract_company(records):
    """The company whose calendar applies to ``records``: theirs when they all
    have the same, else the current user's."""
    if "company_id" in records._fields and records:
        companies = records.sudo().mapped("company_id")
        if len(companies) == 1:
            return companies
    return records.env.user.sudo().company_id


def contract_tz(records):
    return contract_company(records).infogerance_tz or DEFAULT_TZ


def contract_today(records, timestamp=None):
    """Today (a date string) in the contracts' time zone; ``timestamp``: a naive
    UTC datetime to use instead of now. Usable as a date field's ``default``."""
    return fields.Date.context_today(records.with_context(tz=contract_tz(records)), timestamp)
