"""The project's coding policy (``shared/spec/coding-rules.md``) as code.

From the structured facts of one session (what was done to each CCM component)
to CPT codes with units and review flags. This is the only place the policy is
encoded: the corpus labels, the classifier's features, the coding-rule edits and
every evaluation call :func:`assign_codes`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Literal

DeviceFamily = Literal["ccm", "ccm_d", "other", "none"]
Evaluation = Literal["none", "interrogation", "programming"]

CCM_CODES: tuple[str, ...] = (
    "0408T", "0409T", "0410T", "0411T", "0412T", "0413T",
    "0414T", "0415T", "0416T", "0417T", "0418T",
)
CORE_CODES: tuple[str, ...] = ("0408T", "0409T", "0410T", "0411T")
FLAGS: tuple[str, ...] = (
    "aborted", "partial", "ccm_d_out_of_scope", "low_confidence", "conflicting_documentation",
)

#: Codes that include device programming/interrogation (rule 7).
EVALUATION_BUNDLED_INTO: frozenset[str] = frozenset({"0408T", "0409T", "0410T", "0411T", "0414T"})
#: 0408T is never reported with these (rule 1).
FULL_SYSTEM_EXCLUDES: frozenset[str] = frozenset(
    {"0409T", "0410T", "0411T", "0414T", "0417T", "0418T"}
)


@dataclass(frozen=True)
class CodingPolicy:
    """The choices the spec marks **policy**, kept in one configurable place."""

    #: 0411T: one unit per new ventricular electrode (else always 1).
    ventricular_units_per_electrode: bool = True
    #: 0413T: one unit per electrode removed.
    removal_units_per_electrode: bool = True
    #: 0415T: one unit per electrode repositioned.
    reposition_units_per_electrode: bool = True
    #: Rule 4: generator change plus new electrodes while old ones stay in use
    #: is 0414T plus 0410T/0411T (else it would be coded as a full system).
    generator_change_plus_electrodes_as_0414t: bool = True


DEFAULT_POLICY = CodingPolicy()


@dataclass(frozen=True)
class SessionFacts:
    """What one session did to the CCM system, as a coder would summarise it.

    Counts are electrodes (leads). ``*_retained`` counts existing CCM electrodes
    that stay connected and in use after the session; abandoned ones are capped
    and left in the body.
    """

    device_family: DeviceFamily = "ccm"
    generator_inserted: bool = False
    generator_removed: bool = False
    pocket_relocated: bool = False
    atrial_inserted: int = 0
    ventricular_inserted: int = 0
    atrial_removed: int = 0
    ventricular_removed: int = 0
    atrial_abandoned: int = 0
    ventricular_abandoned: int = 0
    atrial_retained: int = 0
    ventricular_retained: int = 0
    repositioned: int = 0
    evaluation: Evaluation = "none"
    stopped_early: bool = False

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type == "int" and (not isinstance(value, int) or value < 0):
                raise ValueError(f"SessionFacts.{f.name} must be a non-negative int")
        if self.device_family not in ("ccm", "ccm_d", "other", "none"):
            raise ValueError("SessionFacts.device_family must be ccm, ccm_d, other or none")
        if self.evaluation not in ("none", "interrogation", "programming"):
            raise ValueError("SessionFacts.evaluation must be none, interrogation or programming")

    @property
    def electrodes_inserted(self) -> int:
        return self.atrial_inserted + self.ventricular_inserted

    @property
    def electrodes_removed(self) -> int:
        return self.atrial_removed + self.ventricular_removed

    @property
    def electrodes_retained(self) -> int:
        return self.atrial_retained + self.ventricular_retained

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SessionFacts:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class CodingResult:
    """Codes (code -> units) and review flags for one session."""

    codes: dict[str, int] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"codes": dict(sorted(self.codes.items())), "flags": sorted(self.flags)}


def assign_codes(facts: SessionFacts, policy: CodingPolicy = DEFAULT_POLICY) -> CodingResult:
    """Apply the numbered decision rules to the facts of one session."""
    result = CodingResult()
    if facts.device_family == "ccm_d":  # rule 9
        result.flags.append("ccm_d_out_of_scope")
        return result
    if facts.device_family != "ccm":  # rule 8
        return result

    codes: dict[str, int] = {}
    if facts.generator_inserted and facts.electrodes_inserted:
        kept_old = facts.electrodes_retained > 0
        if facts.generator_removed and kept_old and policy.generator_change_plus_electrodes_as_0414t:
            codes["0414T"] = 1  # rule 4
            _add_electrode_codes(codes, facts, policy)
        else:
            codes["0408T"] = 1  # rule 1
            if facts.generator_removed:
                codes["0412T"] = 1
    elif facts.generator_inserted:  # rule 2
        codes["0414T" if facts.generator_removed else "0409T"] = 1
    else:  # rules 3 and 5
        _add_electrode_codes(codes, facts, policy)
        if facts.generator_removed:
            codes["0412T"] = 1
    if facts.electrodes_removed:
        codes["0413T"] = code_units("0413T", facts, policy)
    if facts.repositioned:  # rule 6
        codes["0415T"] = code_units("0415T", facts, policy)
    if facts.pocket_relocated:
        codes["0416T"] = 1
    if facts.evaluation != "none":  # rule 7
        codes["0417T" if facts.evaluation == "programming" else "0418T"] = 1
    result.codes = apply_bundling(codes)

    if facts.stopped_early:  # rule 10
        result.flags.append("partial" if result.codes else "aborted")
    return result


def apply_bundling(codes: dict[str, int]) -> dict[str, int]:
    """The exclusivity edits of rules 1 and 7, applicable to any code set."""
    out = dict(codes)
    if "0408T" in out:
        for code in FULL_SYSTEM_EXCLUDES:
            out.pop(code, None)
    if EVALUATION_BUNDLED_INTO & out.keys():
        out.pop("0417T", None)
        out.pop("0418T", None)
    if "0417T" in out:
        out.pop("0418T", None)
    return out


def _units(policy: CodingPolicy) -> dict:
    def per_unit(enabled: bool):
        return (lambda n: n) if enabled else (lambda n: 1)

    return {
        "ventricular": per_unit(policy.ventricular_units_per_electrode),
        "removal": per_unit(policy.removal_units_per_electrode),
        "reposition": per_unit(policy.reposition_units_per_electrode),
    }


def code_units(code: str, facts: SessionFacts, policy: CodingPolicy = DEFAULT_POLICY) -> int:
    """The units of one code for these facts: electrodes inserted (0411T), removed (0413T)
    or repositioned (0415T) where the policy counts them, else 1. Also for a code the
    classifier chose that the rules' own set left out."""
    counted = {"0411T": ("ventricular", facts.ventricular_inserted),
               "0413T": ("removal", facts.electrodes_removed),
               "0415T": ("reposition", facts.repositioned)}.get(code)
    if not counted or not counted[1]:
        return 1
    kind, count = counted
    return _units(policy)[kind](count)


def _add_electrode_codes(codes: dict[str, int], facts: SessionFacts, policy: CodingPolicy) -> None:
    if facts.atrial_inserted:
        codes["0410T"] = 1
    if facts.ventricular_inserted:
        codes["0411T"] = code_units("0411T", facts, policy)
