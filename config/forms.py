from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class PasswordPairMixin:
    """Forms that ask for a new secret twice. `password_pairs` lists (field, repeat field)."""

    password_pairs: tuple[tuple[str, str], ...] = ()

    def clean(self):
        cleaned = super().clean()
        for field, repeat in self.password_pairs:
            if cleaned.get(field) and cleaned.get(field) != cleaned.get(repeat):
                self.add_error(repeat, _("The two passwords differ."))
        return cleaned
