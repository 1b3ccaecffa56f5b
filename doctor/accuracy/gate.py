"""The measured figure against a baseline: it fails only below the band a tolerance allows.

vllm-ascend's accuracy tests accept a figure within a relative tolerance of the baseline either
way (numpy.isclose with rtol=0.05, tests/e2e/models/test_lm_eval_correctness.py); here only a loss
fails, and a figure above the band passes with a note (a better score is not a broken service).
For a metric where lower is better (an error rate) the band's edge is a ceiling instead.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TOLERANCE = 0.05


@dataclass(frozen=True)
class Baseline:
    value: float
    tolerance: float = DEFAULT_TOLERANCE
    task: str | None = None         # None: whatever task is run
    metric: str | None = None       # None: the task's first metric
    source: str = ""                # where the figure comes from
    num_fewshot: int | None = None
    apply_chat_template: bool | None = None


@dataclass(frozen=True)
class Verdict:
    baseline: Baseline
    measured: float
    higher_is_better: bool = True

    @property
    def floor(self) -> float | None:
        return self.baseline.value * (1 - self.baseline.tolerance) if self.higher_is_better else None

    @property
    def ceiling(self) -> float | None:
        return None if self.higher_is_better else self.baseline.value * (1 + self.baseline.tolerance)

    @property
    def passed(self) -> bool:
        if self.higher_is_better:
            return self.measured >= self.floor
        return self.measured <= self.ceiling

    @property
    def beyond_band(self) -> bool:
        """Better than the baseline by more than the tolerance: worth a note, not a failure."""
        band = self.baseline.value * self.baseline.tolerance
        if self.higher_is_better:
            return self.measured > self.baseline.value + band
        return self.measured < self.baseline.value - band

    def to_dict(self) -> dict:
        return {"baseline": self.baseline.value, "tolerance": self.baseline.tolerance, "floor": _rounded(self.floor),
                "ceiling": _rounded(self.ceiling), "passed": self.passed, "better_than_band": self.beyond_band,
                "source": self.baseline.source}

    def sentence(self, task: str, metric: str) -> str:
        if not self.passed:
            edge = (f"the floor {self.floor:.4g}" if self.higher_is_better else f"the ceiling {self.ceiling:.4g}")
            side = "below" if self.higher_is_better else "above"
            return (f"{task} {metric} measured {self.measured:.4g}, {side} {edge} allowed by the baseline "
                    f"{self.baseline.value:g} with tolerance {self.baseline.tolerance:g}")
        if self.beyond_band:
            return (f"{task} {metric} measured {self.measured:.4g}, better than the baseline {self.baseline.value:g} "
                    f"by more than its tolerance {self.baseline.tolerance:g}: a passing score; is the baseline old?")
        return f"{task} {metric} measured {self.measured:.4g}, within the baseline {self.baseline.value:g}'s band"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
