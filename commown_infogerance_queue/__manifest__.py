# Copyright 2026 Commown SCIC
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Commown managed IT services: job queue",
    "summary": "Reprice managed services in deduplicated queue jobs, one per customer",
    "version": "11.0.1.0.0",
    "category": "Sales",
    "license": "AGPL-3",
    "author": "Commown SCIC",
    "website": "https://commown.coop",
    "depends": [
        "commown_infogerance",
        "queue_job",
    ],
    "data": [
        "data/queue_job_channel_data.xml",
        "data/infogerance_billing_queue_data.xml",
    ],
    "installable": True,
    "application": False,
}
