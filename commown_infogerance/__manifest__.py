# Copyright 2026 Commown SCIC
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Commown managed IT services (infogérance)",
    "summary": "Per-computer managed-service subscriptions priced from the rented fleet",
    "version": "11.0.1.0.0",
    "category": "Sales",
    "license": "AGPL-3",
    "author": "Commown SCIC",
    "website": "https://commown.coop",
    "depends": [
        "base_automation",
        "contract",
        "sale_management",
    ],
    "data": [
        "security/infogerance_security.xml",
        "security/ir.model.access.csv",
        "data/infogerance_service_type_data.xml",
        "data/infogerance_service_request_data.xml",
        "data/infogerance_automation.xml",
        "data/infogerance_cron.xml",
        "wizards/infogerance_termination_wizard_views.xml",
        "views/infogerance_offer_views.xml",
        "views/infogerance_fleet_event_views.xml",
        "views/infogerance_profile_views.xml",
        "views/infogerance_service_request_views.xml",
        "report/sale_report_templates.xml",
        "views/product_template_views.xml",
        "views/account_analytic_account_views.xml",
        "views/sale_order_views.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/infogerance_demo.xml",
    ],
    "installable": True,
    "application": False,
}
