"""A SEPA direct-debit payment mode and a customer's valid mandate, built by the
test itself (no demo data): the creditor's bank account and journal, the mode on
OCA's *SEPA Direct Debit for customers* method, the customer's IBAN and mandate."""


class DirectDebitMixin:
    """For ``InfogeranceCase`` classes: ``_setup_direct_debit(customer)`` in
    ``setUpClass`` sets ``cls.mode`` and ``cls.mandate`` and makes the mode the
    customer's payment mode."""

    @classmethod
    def _setup_direct_debit(cls, customer):
        env = cls.env
        company = env.user.company_id
        company.sepa_creditor_identifier = "FR78ZZZ424242"
        cls.bank = env["res.bank"].create({"name": "Banque (test)", "bic": "AGRIFRPPXXX"})
        company_account = env["res.partner.bank"].create(
            {
                "acc_number": "FR14 2004 1010 0505 0001 3M02 606",
                "partner_id": company.partner_id.id,
                "bank_id": cls.bank.id,
                "company_id": company.id,
            }
        )
        journal = env["account.journal"].create(
            {
                "name": "Direct debits (test)",
                "type": "bank",
                "code": "DDTST",
                "bank_account_id": company_account.id,
                "company_id": company.id,
            }
        )
        method = env.ref("account_banking_sepa_direct_debit.sepa_direct_debit")
        method.pain_version = "pain.008.001.02"
        cls.mode = env["account.payment.mode"].create(
            {
                "name": "SEPA direct debit (test)",
                "company_id": company.id,
                "payment_method_id": method.id,
                "bank_account_link": "fixed",
                "fixed_journal_id": journal.id,
            }
        )
        customer_account = env["res.partner.bank"].create(
            {
                "acc_number": "FR76 3000 4000 0312 3456 7890 143",
                "partner_id": customer.id,
                "bank_id": cls.bank.id,
            }
        )
        cls.mandate = env["account.banking.mandate"].create(
            {
                "partner_bank_id": customer_account.id,
                "format": "sepa",
                "type": "recurrent",
                "recurrent_sequence_type": "first",
                "scheme": "CORE",
                "signature_date": "2025-12-15",
                "company_id": company.id,
            }
        )
        cls.mandate.validate()
        customer.customer_payment_mode_id = cls.mode
