"""What an import read about an entry that the catalog has no field for: the IRI it came
under (so that importing the same document again finds the entry, whatever its name),
the language of the text in the Chinese fields when it is not Chinese, and the licence
IRI as read."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongshu.catalog.models import Dataset


class Origin(models.Model):
    dataset = models.OneToOneField(
        Dataset, verbose_name=_("data resource"), on_delete=models.CASCADE, related_name="origin"
    )
    iri = models.CharField(_("source IRI"), max_length=1000, unique=True, null=True, blank=True)
    # BCP 47 tag of title_zh / description_zh as read ("de", "en" …); blank: untagged.
    language = models.CharField(_("language of the Chinese fields"), max_length=35, blank=True)
    licence_iri = models.CharField(_("licence IRI"), max_length=1000, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("imported origin")
        verbose_name_plural = _("imported origins")

    def __str__(self) -> str:
        return self.iri or self.dataset.name


def origin_of(dataset: Dataset) -> Origin | None:
    """The entry's Origin, or None for one not imported (select_related("origin") makes
    this free)."""
    try:
        found: Origin = getattr(dataset, "origin")  # noqa: B009 - a reverse one-to-one
    except Origin.DoesNotExist:
        return None
    return found
