"""Text typed by users (names, reasons, descriptions) formatted into chatter
messages, which are HTML: escaped, so that a link or an image typed in a name
shows as text. The message templates themselves are the addon's."""

from odoo.tools import html_escape


def escaped(values):
    """``values`` for a ``%`` format of a chatter body: strings escaped, numbers
    and dates left for their own format specifications."""
    return {
        key: html_escape(value) if isinstance(value, str) else value
        for key, value in values.items()
    }
