"""Why a model is not published (plain module): the caller records the reason and keeps showing the
last published scores."""


class TooLittleHistory(ValueError):
    """The data cannot support a fit."""


class FailedEvaluation(ValueError):
    """The model was fitted but did not predict well enough on history it had not seen."""
