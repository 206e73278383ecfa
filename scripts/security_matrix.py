#!/usr/bin/env python3
"""Print the access matrix of the managed-service models, computed from a
database with the addons installed, or write it into README.md (--write).

Usage: .venv/bin/python scripts/security_matrix.py -c .local/odoo.cfg -d DB [--write]
(`make security-matrix` does it on the test database.) Nothing is committed to
the database: the role users it creates are rolled back.
"""
import argparse
import os
import sys

import odoo
from odoo import SUPERUSER_ID, api

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "README.md")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--write", action="store_true", help="update README.md in place")
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    from odoo.addons.commown_infogerance import security_matrix

    registry = odoo.registry(args.database)
    with api.Environment.manage(), registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        table = security_matrix.markdown_table(env, security_matrix.role_users(env))
        cr.rollback()
    if not args.write:
        print(table)
        return 0
    with open(README) as handle:
        text = handle.read()
    with open(README, "w") as handle:
        handle.write(security_matrix.replace_section(text, table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
