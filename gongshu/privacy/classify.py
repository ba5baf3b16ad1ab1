"""A classification suggestion (GB/T 43697-2024, DOMAIN.md §2) from a resource's field
tags, its domain and its volume, with every reason listed. It only suggests: the editor
or the data authority decides (services.decide_level), and core data is designated by
the authorities, never inferred from content.

The thresholds are defaults marked [check] in DOMAIN.md terms: the national catalogues of
important data are sector-specific, so these follow the scale figures of the
cross-border rules (§4) as a stand-in.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _

from gongshu.catalog.vocabulary import Level, Sensitivity

# Personal information of this many people (rows, as a proxy) suggests important data.
IMPORTANT_PERSONAL_ROWS = 1_000_000
IMPORTANT_SENSITIVE_ROWS = 100_000
# Domains whose precise locations may bear on public safety at scale.
SECURITY_DOMAINS = ("public_safety", "natural_resources")
# Domains whose non-personal data is usually public-facing (sub-level 1).
LOW_RISK_DOMAINS = ("weather", "transport", "education", "culture_tourism", "ecology")


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    fields: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Suggestion:
    level: str
    general_sublevel: int | None
    reasons: list[Reason]

    def as_dict(self) -> dict:
        return asdict(self)


def suggest(
    *, domain: str, rows: int, tags: dict[str, str], detectors: dict[str, str] | None = None
) -> Suggestion:
    """``tags``: field → sensitivity; ``detectors``: field → detector name (optional)."""
    detectors = detectors or {}
    sensitive = sorted(f for f, s in tags.items() if s == Sensitivity.SENSITIVE_PERSONAL)
    personal = sorted(f for f, s in tags.items() if s == Sensitivity.PERSONAL)
    located = sorted(f for f, d in detectors.items() if d == "coordinates")
    reasons: list[Reason] = []
    level = Level.GENERAL
    sublevel: int | None = 2

    if sensitive:
        sublevel = 4
        reasons.append(
            Reason(
                "sensitive_personal",
                _(
                    "Holds sensitive personal information (PIPL art. 28); its leak would "
                    "seriously harm the people concerned: general level 4."
                ),
                sensitive,
            )
        )
    elif personal:
        sublevel = 3
        reasons.append(
            Reason(
                "personal",
                _("Holds personal information; its leak would harm individuals: general level 3."),
                personal,
            )
        )
    elif domain in LOW_RISK_DOMAINS:
        sublevel = 1
        reasons.append(
            Reason(
                "no_personal_low_risk",
                _("No personal information found, in a domain of public-facing data: level 1."),
            )
        )
    else:
        reasons.append(Reason("no_personal", _("No personal information found: general level 2.")))

    if sensitive and rows >= IMPORTANT_SENSITIVE_ROWS:
        level, sublevel = Level.IMPORTANT, None
        reasons.append(
            Reason(
                "scale_sensitive",
                _(
                    "Sensitive personal information of %(rows)s records (threshold %(min)s): "
                    "at this scale it may count as important data; the data authority decides."
                )
                % {"rows": f"{rows:,}", "min": f"{IMPORTANT_SENSITIVE_ROWS:,}"},
                sensitive,
            )
        )
    elif (sensitive or personal) and rows >= IMPORTANT_PERSONAL_ROWS:
        level, sublevel = Level.IMPORTANT, None
        reasons.append(
            Reason(
                "scale_personal",
                _(
                    "Personal information of %(rows)s records (threshold %(min)s): at this "
                    "scale it may count as important data; the data authority decides."
                )
                % {"rows": f"{rows:,}", "min": f"{IMPORTANT_PERSONAL_ROWS:,}"},
                sensitive + personal,
            )
        )
    if located and domain in SECURITY_DOMAINS:
        level, sublevel = Level.IMPORTANT, None
        reasons.append(
            Reason(
                "precise_location",
                _("Precise coordinates in a security-relevant domain: consider important data."),
                located,
            )
        )
    reasons.append(
        Reason(
            "core_not_inferred",
            _("Core data is designated by the authorities and is never suggested from content."),
        )
    )
    if sensitive or personal:
        reasons.append(
            Reason(
                "release",
                _(
                    "Not to be opened or shared unconditionally unless each personal field "
                    "has a release mask."
                ),
                sensitive + personal,
            )
        )
    return Suggestion(str(level), sublevel, reasons)
