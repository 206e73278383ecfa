"""Loads a backend page as Odoo 11's web client does, for the query budgets of
the pages (tests/test_page_budget.py) and the benchmark's pages part (bench/pages.py):
``fields_view_get`` of the form, ``read`` of its fields (``default_get`` and
``onchange`` for a new record, as a wizard), then the first rows of each list,
each call with a cold record cache as a request of its own."""
import time

#: Rows of a list the web client reads first (Odoo 11's x2many page size).
X2MANY_LIMIT = 40


def _median(values):
    values = sorted(values)
    return values[len(values) // 2] if values else 0


class PageLoader:
    """Loads a backend page as the web client does; counts queries and time."""

    def __init__(self, env):
        self.env = env
        self.cr = env.cr

    def _rpc(self, function):
        """One RPC: a cold record cache, as a new request has."""
        self.env.clear()
        return function()

    def form(self, model, res_id=None, view_xmlid=None, context=None):
        Model = self.env[model].with_context(**(context or {}))
        view_id = self.env.ref(view_xmlid).id if view_xmlid else False
        view = self._rpc(lambda: Model.fields_view_get(view_id, "form"))
        names = list(view["fields"])
        if res_id:
            values = self._rpc(lambda: Model.browse(res_id).read(names)[0])
        else:
            defaults = self._rpc(lambda: Model.default_get(names))
            values = dict.fromkeys(names, False)
            values.update(defaults)
            spec = Model._onchange_spec(view)
            changed = self._rpc(lambda: Model.onchange(values, [], spec))
            values.update(changed.get("value", {}))
        for name, description in view["fields"].items():
            if description["type"] not in ("one2many", "many2many"):
                continue
            ids = [v for v in (values.get(name) or []) if isinstance(v, int)]
            if not ids:
                continue
            subviews = description.get("views") or {}
            Comodel = self.env[description["relation"]].with_context(**(context or {}))
            if "tree" in subviews:
                sub_names = list(subviews["tree"]["fields"])
                self._rpc(lambda: Comodel.browse(ids[:X2MANY_LIMIT]).read(sub_names))
            elif "kanban" in subviews:
                sub_names = list(subviews["kanban"]["fields"])
                self._rpc(lambda: Comodel.browse(ids[:X2MANY_LIMIT]).read(sub_names))
            else:  # tags and the like: all of them, by name
                self._rpc(lambda: Comodel.browse(ids).read(["display_name"]))
        return values

    def measure(self, function, repeats):
        function()  # warm the registry caches (views, rules, translations)
        times, queries = [], []
        for _ in range(repeats):
            before, start = self.cr.sql_log_count, time.perf_counter()
            function()
            times.append((time.perf_counter() - start) * 1000)
            queries.append(self.cr.sql_log_count - before)
        return {"ms": round(_median(times), 1), "queries": int(_median(queries))}
