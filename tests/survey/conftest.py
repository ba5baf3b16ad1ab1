from tests.survey.world import assignment, authority, campaign, form_version, submission

__all__ = ["assignment", "authority", "campaign", "form_version", "submission"]
