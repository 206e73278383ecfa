"""11.0.1.4.0: a computer rental line names the managed-service line covering it
(a column of the rental line), where a many2many table linked them. Each rental
line takes the service line the table gave it (the first one, should a line have
been linked to two); the table and its registration are then dropped."""
import logging

_logger = logging.getLogger(__name__)

TABLE = "infogerance_sale_line_coverage_rel"


def migrate(cr, version):
    if not version:
        return
    cr.execute("SELECT to_regclass(%s)", (TABLE,))
    if cr.fetchone()[0] is None:
        return
    cr.execute(
        """
        UPDATE sale_order_line rental
           SET infogerance_service_line_id = coverage.service_line_id
          FROM (SELECT rental_line_id, min(service_line_id) AS service_line_id
                  FROM infogerance_sale_line_coverage_rel
                 GROUP BY rental_line_id) AS coverage
         WHERE rental.id = coverage.rental_line_id
           AND rental.infogerance_service_line_id IS NULL
        """
    )
    _logger.info("%d computer rental lines now name their managed-service line", cr.rowcount)
    cr.execute("DROP TABLE infogerance_sale_line_coverage_rel")
    cr.execute("DELETE FROM ir_model_relation WHERE name = %s", (TABLE,))
