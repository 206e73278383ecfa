"""The access matrix of the managed-service models, computed from the database:
which role may read, write, create and delete each model of the addons (and each
model of other addons they open to a group), and which models a customer reaches
without a record rule. Used by the access tests and by
``scripts/security_matrix.py``, which writes the README's table."""
from .groups import MANAGER_GROUP, SALESMAN_GROUP, TECHNICIAN_GROUP

ADDONS = ("commown_infogerance", "commown_infogerance_queue")
#: (key, column title, group xml id) of each role, least privileged first. A
#: customer manager has a portal contact's rights; what only it may do
#: (terminate, on-site) is checked by the methods.
ROLES = (
    ("public", "Public", "base.group_public"),
    ("portal", "Portal contact", "base.group_portal"),
    ("employee", "Employee", "base.group_user"),
    ("salesman", "Salesman", SALESMAN_GROUP),
    ("technician", "Technician", TECHNICIAN_GROUP),
    ("manager", "Manager", MANAGER_GROUP),
)
OPERATIONS = (("read", "r"), ("write", "w"), ("create", "c"), ("unlink", "d"))
#: Models holding no customer data (the catalogue the shop shows): readable by
#: visitors and customers without a record rule.
CATALOGUE = frozenset(
    {
        "infogerance.offer",
        "infogerance.offer.tier",
        "infogerance.service.type",
        "infogerance.onsite.city",
        "infogerance.service.request.stage",
        # an offer's published conditions and the list of termination reasons
        "infogerance.terms",
        "infogerance.termination.reason",
    }
)
START = "<!-- security-matrix:start -->"
END = "<!-- security-matrix:end -->"


def scope_models(env):
    """Models of the addons and models they give access rights on, sorted;
    transient and abstract models left out."""
    names = {name for name, model in env.registry.items() if model._original_module in ADDONS}
    access_ids = (
        env["ir.model.data"]
        .sudo()
        .search([("module", "in", ADDONS), ("model", "=", "ir.model.access")])
        .mapped("res_id")
    )
    names |= set(env["ir.model.access"].sudo().browse(access_ids).mapped("model_id.model"))
    return sorted(
        name
        for name in names
        if name in env.registry and not (env[name]._transient or env[name]._abstract)
    )


def role_users(env):
    """One user per role, created in the current transaction (roll it back)."""
    users = {}
    for key, title, group in ROLES:
        users[key] = (
            env["res.users"]
            .sudo()
            .with_context(no_reset_password=True, mail_create_nolog=True, tracking_disable=True)
            .create(
                {
                    "name": "Access matrix %s" % title,
                    "login": "access_matrix_%s" % key,
                    "groups_id": [(6, 0, [env.ref(group).id])],
                }
            )
        )
    return users


def access_matrix(env, users, models=None):
    """{model: {role: "rwcd" with "-" for each refused operation}}."""
    matrix = {}
    for name in models or scope_models(env):
        matrix[name] = {
            key: "".join(
                letter
                if env[name].sudo(users[key]).check_access_rights(operation, raise_exception=False)
                else "-"
                for operation, letter in OPERATIONS
            )
            for key, _title, _group in ROLES
        }
    return matrix


def _customer_rule_models(env):
    """Models with a record rule for portal users."""
    portal = env.ref("base.group_portal")
    rules = env["ir.rule"].sudo().search([("groups", "in", portal.ids), ("perm_read", "=", True)])
    return set(rules.mapped("model_id.model"))


def unguarded_models(env, users, models=None):
    """Models a portal contact or a visitor reads with no rule limiting them to the
    customer's records, and that are not the public catalogue: each one leaks."""
    matrix = access_matrix(env, users, models)
    guarded = _customer_rule_models(env)
    leaks = []
    for name, rights in sorted(matrix.items()):
        if name in CATALOGUE:
            continue
        if rights["public"] != "----" or (rights["portal"] != "----" and name not in guarded):
            leaks.append(name)
    return leaks


#: Models every company shares (a many2one to them names no owner).
SHARED_MODELS = frozenset({"res.partner", "res.users", "res.company"})
#: The standard multi-company rule (Odoo 11), spaces and quotes aside.
COMPANY_RULE = "('company_id','child_of',[user.company_id.id])"


def company_path(env, name):
    """How a record of ``name`` belongs to a company: ``company_id``, or the
    many2one to its parent (required or deleted with it) when the parent has a
    company; None for a model no company owns."""
    model = env[name]
    if "company_id" in model._fields:
        return "company_id"
    for field_name, field in sorted(model._fields.items()):
        if (
            field.type == "many2one"
            and field.store
            and (field.required or field.ondelete == "cascade")
            and field.comodel_name not in SHARED_MODELS
            and "company_id" in env[field.comodel_name]._fields
        ):
            return "%s.company_id" % field_name
    return None


def _company_rule_models(env):
    """Models with a global rule limiting reads to the user's companies."""
    rules = env["ir.rule"].sudo().search([("global", "=", True), ("perm_read", "=", True)])
    return {
        rule.model_id.model
        for rule in rules
        if COMPANY_RULE in "".join((rule.domain_force or "").split()).replace('"', "'")
    }


def company_unguarded_models(env, models=None):
    """Models of the scope a company owns (a ``company_id``, or a parent with one)
    without a stored ``company_id`` and the multi-company rule: a user of another
    company reads them."""
    guarded = _company_rule_models(env)
    leaks = []
    for name in models or scope_models(env):
        if not company_path(env, name):
            continue
        field = env[name]._fields.get("company_id")
        if not (field and field.store and name in guarded):
            leaks.append(name)
    return leaks


def markdown_table(env, users):
    models = scope_models(env)
    matrix = access_matrix(env, users, models)
    guarded = _customer_rule_models(env)
    lines = [
        "| Model | %s | Customer scope |" % " | ".join(title for _k, title, _g in ROLES),
        "|---|%s---|" % ("---|" * len(ROLES)),
    ]
    for name in models:
        if name in CATALOGUE:
            scope = "catalogue (no customer data)"
        elif name in guarded:
            scope = "own company only (record rule)"
        else:
            scope = "no customer access"
        lines.append(
            "| `%s` | %s | %s |"
            % (name, " | ".join("`%s`" % matrix[name][key] for key, _t, _g in ROLES), scope)
        )
    return "\n".join(lines)


def replace_section(text, table):
    """``text`` with the part between the markers replaced by ``table``."""
    head, rest = text.split(START, 1)
    _old, tail = rest.split(END, 1)
    return "%s%s\n%s\n%s%s" % (head, START, table, END, tail)


def readme_section(text):
    """The table between the markers of ``text``."""
    return text.split(START, 1)[1].split(END, 1)[0].strip()
