"""What is wrong with a unified social credit code, said precisely for the form that
asked for it: a wrong check digit is a typo somewhere, not a wrong length."""

from __future__ import annotations

from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import uscc as uscc_number


def uscc_problem(value: str) -> str | None:
    """None when `value` is a valid code, else the message to show."""
    try:
        uscc_number.validate(value or "")
    except stdnum_exceptions.InvalidLength:
        count = len(uscc_number.compact(value or ""))
        return _("A unified social credit code has 18 characters; this one has %(count)s.") % {"count": count}
    except stdnum_exceptions.InvalidChecksum:
        return _(
            "The last character (the check digit) does not match the other 17: one character is probably "
            "mistyped. Compare the code with the business licence."
        )
    except stdnum_exceptions.ValidationError:
        return _("A unified social credit code has digits and capital letters only (no I, O, S, V or Z).")
    return None
