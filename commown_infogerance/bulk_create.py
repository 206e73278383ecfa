"""Create many records of a model in one INSERT, as Odoo 11's ``create`` would
one at a time.

Odoo 11 has no batch ``create``: each record is inserted alone, then the ORM
marks what depends on each of its fields (``modified``), writes its relations,
checks its constraints and, unless told not to, recomputes the stored fields
that depend on it. Posting an invoice of a thousand computers makes a thousand
journal items and a thousand analytic items that way, 20 queries each.

``create_many`` does the same steps in the same order for all the records at
once: defaults, the boolean columns set to False, the columns converted by their
fields, one INSERT, ``modified`` of every field, the relations, the Python
constraints, the recomputation when the context allows it, the record rules.
It only serves models whose ``create`` nobody overrides but the modules the
caller names and mirrors (``overrides_only``): an addon installed later that
adds its own ``create`` gets the ORM's path back (the caller falls back to it),
never a path that skips its code.
"""

from odoo.models import MAGIC_COLUMNS

#: The ORM's own ``create``: always in the chain.
ORM_MODULE = "odoo.models"


def method_overrides(model, *names):
    """The modules whose classes define one of the methods ``names`` for
    ``model``, the ORM's aside: who would be skipped by a path that mirrors
    them instead of calling them."""
    return {
        cls.__module__ for cls in type(model).__mro__ if any(name in vars(cls) for name in names)
    } - {ORM_MODULE}


def create_overrides(model):
    """The modules whose classes define ``create`` or ``_create`` for ``model``."""
    return method_overrides(model, "create", "_create")


def can_create_many(model, overrides_only):
    """Whether ``create_many`` does all that ``model.create`` would: no parent
    model, no tree, and no ``create`` but those of ``overrides_only``, which the
    caller mirrors."""
    return (
        not model._inherits
        and not model._parent_store
        and create_overrides(model) <= set(overrides_only)
    )


def plain_values(model, vals_list):
    """Whether every value is for a stored field without inverse, the only ones
    ``create_many`` writes (the ORM drops unknown and non-stored ones, and
    inverses the others: the caller leaves those to it)."""
    names = {name for vals in vals_list for name in vals}
    return all(
        name in model._fields and model._fields[name].store and not model._fields[name].inverse
        for name in names
    )


def _rows(model, vals_list):
    """Each record's values as ``create`` and ``_create`` complete them."""
    pop_fields = ["parent_left", "parent_right"]
    if model._log_access:
        pop_fields.extend(MAGIC_COLUMNS)
    booleans = [
        name for name, field in model._fields.items() if field.type == "boolean" and field.store
    ]
    rows = []
    for vals in vals_list:
        vals = model._add_missing_default_values(vals)
        for name in pop_fields:
            vals.pop(name, None)
        for name in list(vals):
            field = model._fields.get(name)
            if field is not None and field.inverse:
                raise ValueError("%s: %s has an inverse" % (model._name, name))
            if field is None or not field.store:  # dropped, as ``_create`` does
                del vals[name]
        for name in booleans:
            vals.setdefault(name, False)
        rows.append(vals)
    return rows


def create_many(model, vals_list):
    """Create one record of ``model`` per values in ``vals_list``, in that
    order (their ids grow with it), and return them."""
    model.check_access_rights("create")
    if not vals_list:
        return model.browse()
    rows = _rows(model, vals_list)
    cr = model.env.cr
    cr.execute("SELECT nextval(%s) FROM generate_series(1, %s)", (model._sequence, len(rows)))
    ids = [row[0] for row in cr.fetchall()]
    empty = model.browse()

    columns = sorted({name for vals in rows for name in vals if model._fields[name].column_type})
    todo = {}  # relations, written by their fields once the rows exist
    values = []
    for id_, vals in zip(ids, rows):
        row = [id_]
        for name in columns:
            field = model._fields[name]
            if name in vals:
                value = vals[name]
                if hasattr(field, "selection") and value:
                    model._check_selection_field_value(name, value)
                row.append(field.convert_to_column(value, empty, vals))
            else:
                row.append(None)
        values.append(row)
        for name, value in vals.items():
            if not model._fields[name].column_type and value:
                todo.setdefault(name, []).append((id_, value))
    log = ", create_uid, write_uid, create_date, write_date" if model._log_access else ""
    template = "(%s%s)" % (
        ", ".join(["%s"] + [model._fields[name].column_format for name in columns]),
        ", %s, %s, (now() at time zone 'UTC'), (now() at time zone 'UTC')"
        if model._log_access
        else "",
    )
    if model._log_access:
        values = [row + [model._uid, model._uid] for row in values]
    execute_values(
        cr,
        'INSERT INTO "%s" (id%s%s) VALUES %%s'
        % (model._table, "".join(', "%s"' % name for name in columns), log),
        values,
        template=template,
        page_size=500,
    )

    records = model.browse(ids)
    records.modified(model._fields)
    rel_context = {
        key: val for key, val in model._context.items() if not key.startswith("default_")
    }
    for name in sorted(todo, key=lambda name: model._fields[name]._sequence):
        field = model._fields[name]
        links = [(id_, _linked_ids(value)) for id_, value in todo[name]]
        if field.type == "many2many" and all(ids is not None for _id, ids in links):
            _insert_relations(cr, field, links)
        else:
            for id_, value in todo[name]:
                field.write(model.browse(id_).with_context(rel_context), value, create=True)
    records.modified(list(todo))
    records._validate_fields({name for vals in rows for name in vals})
    if model.env.recompute and model._context.get("recompute", True):
        model.recompute()
    records.check_access_rule("create")
    if model.env.lang and model.env.lang != "en_US":
        for id_, vals in zip(ids, rows):
            for name, value in vals.items():
                field = model._fields[name]
                if field.column_type and field.translate is True:
                    model.env["ir.translation"]._set_ids(
                        "%s,%s" % (model._name, name), "model", model.env.lang, [id_], value, value
                    )
    return records


def execute_values(cr, query, rows, template=None, page_size=500):
    """Run ``query`` (its ``%s`` standing for ``VALUES``) on ``rows``,
    ``page_size`` rows a statement. Unlike psycopg2's, the statement is text,
    as Odoo's cursor expects when it logs queries (``--log-sql``)."""
    template = template or "(%s)" % ", ".join(["%s"] * len(rows[0]))
    for start in range(0, len(rows), page_size):
        values = ",".join(
            cr.mogrify(template, row).decode() for row in rows[start : start + page_size]
        )
        cr.execute(query.replace("%s", values))  # no parameters: nothing interpolated


def _linked_ids(value):
    """The ids a new record's many2many value links it to, when it only links
    (``(4, id)`` and ``(6, 0, ids)``); None otherwise."""
    ids = []
    for command in value:
        if not isinstance(command, (list, tuple)) or not command:
            continue
        if command[0] == 4:
            ids.append(command[1])
        elif command[0] == 6:
            ids = list(command[2] or ())
        else:
            return None
    return ids


def _insert_relations(cr, field, pairs):
    """Link each new record to its ids, as the many2many's ``write`` does on a
    record that has none yet."""
    rows = [(id_, other) for id_, others in pairs for other in sorted(set(others))]
    if rows:
        execute_values(
            cr,
            'INSERT INTO "%s" ("%s", "%s") VALUES %%s'
            % (field.relation, field.column1, field.column2),
            rows,
            page_size=1000,
        )
