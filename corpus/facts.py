"""The facts of one synthetic session: what a note must say, before any wording.

A :class:`NoteFacts` holds the hardware touched or mentioned (generators, leads,
other devices, each with its *fate* in this session) and the clinical details a
writer needs. :func:`session_facts` reduces it to the coder's
:class:`nlp.coding_rules.SessionFacts`, from which the gold codes follow.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from nlp.coding_rules import SessionFacts

Fate = Literal["inserted", "removed", "abandoned", "retained", "repositioned", "untouched"]


@dataclass
class Lead:
    """A CCM electrode. ``fate`` is what this session did to it."""

    chamber: Literal["atrial", "ventricular"]
    fate: Fate
    position: str            # "high septum", "RA appendage", ...
    channel: str             # "RV", "LS", "RA", "V1", "V2", "lead 1"
    model: str               # "Tendril STS 2088TC 58 cm"
    sensing_mv: float        # R wave (ventricular) or P wave (atrial)
    impedance_ohm: int
    threshold_v: float
    implant_year: int | None = None   # old leads only


@dataclass
class Generator:
    """A CCM pulse generator. ``fate``: inserted, removed, retained, repositioned
    (moved to a new pocket) or untouched (present, not part of the procedure)."""

    model: str
    fate: Fate
    implant_year: int | None = None
    reason: str | None = None   # why an old one came out: "elective replacement indicator"


@dataclass
class OtherDevice:
    """A non-CCM implant (ICD, pacemaker, ...) and what this session did to it."""

    kind: str                # "ICD", "dual-chamber ICD", "pacemaker", "CRT-D", "spinal cord stimulator"
    maker: str
    side: str
    work: str                # "none", "generator change", "new implant", "lead revision", "interrogation"
    fate: Fate = "untouched"


@dataclass
class Settings:
    amplitude_v: float
    train_delay_ms: int
    hours_per_day: int
    programmer: str          # "OMNI II", "Intelio"
    charger: str             # "Mini Charger", "Vesta"


@dataclass
class NoteFacts:
    """Everything a note about one session may say."""

    scenario: str
    summary: str             # one line, for writers: "generator change, leads kept"
    device_family: Literal["ccm", "ccm_d", "other", "none"]
    age: int
    sex: Literal["male", "female"]
    side: Literal["right", "left"]
    access: Literal["axillary", "subclavian", "cephalic", "none"]
    pocket: Literal["prepectoral", "subpectoral"]
    fluoro_min: float
    venogram: bool
    sedation: str
    ef: int
    nyha: str
    cardiomyopathy: str
    qrs_ms: int
    generators: list[Generator] = field(default_factory=list)
    leads: list[Lead] = field(default_factory=list)
    other_devices: list[OtherDevice] = field(default_factory=list)
    settings: Settings | None = None
    evaluation: Literal["none", "interrogation", "programming"] = "none"
    programming_changes: list[str] = field(default_factory=list)
    stopped_early: bool = False
    stop_reason: str | None = None
    original_implant_year: int | None = None
    ccm_meaning: Literal["device", "chronic care management", "cerebral cavernous malformation"] = "device"
    planned: str | None = None   # consult only: what is planned for later
    new_pocket: str | None = None   # pocket relocation: where the generator goes

    # --- views a renderer needs -------------------------------------------------
    def leads_with(self, *fates: str, chamber: str | None = None) -> list[Lead]:
        return [lead for lead in self.leads
                if lead.fate in fates and (chamber is None or lead.chamber == chamber)]

    def generator_with(self, *fates: str) -> Generator | None:
        return next((g for g in self.generators if g.fate in fates), None)

    @property
    def new_generator(self) -> Generator | None:
        return self.generator_with("inserted")

    @property
    def old_generator(self) -> Generator | None:
        return self.generator_with("removed", "retained", "repositioned", "untouched")

    @property
    def icd(self) -> OtherDevice | None:
        return self.other_devices[0] if self.other_devices else None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> NoteFacts:
        data = dict(data)
        data["generators"] = [Generator(**g) for g in data.get("generators", [])]
        data["leads"] = [Lead(**x) for x in data.get("leads", [])]
        data["other_devices"] = [OtherDevice(**o) for o in data.get("other_devices", [])]
        if data.get("settings"):
            data["settings"] = Settings(**data["settings"])
        return cls(**data)


def session_facts(facts: NoteFacts) -> SessionFacts:
    """Reduce a note's facts to what the coding rules need."""
    if facts.device_family != "ccm":
        return SessionFacts(device_family=facts.device_family)

    def n(fate: str, chamber: str) -> int:
        return len(facts.leads_with(fate, chamber=chamber))

    fates = {g.fate for g in facts.generators}
    return SessionFacts(
        device_family="ccm",
        generator_inserted="inserted" in fates,
        generator_removed="removed" in fates,
        pocket_relocated="repositioned" in fates,
        atrial_inserted=n("inserted", "atrial"),
        ventricular_inserted=n("inserted", "ventricular"),
        atrial_removed=n("removed", "atrial"),
        ventricular_removed=n("removed", "ventricular"),
        atrial_abandoned=n("abandoned", "atrial"),
        ventricular_abandoned=n("abandoned", "ventricular"),
        atrial_retained=n("retained", "atrial"),
        ventricular_retained=n("retained", "ventricular"),
        repositioned=len(facts.leads_with("repositioned")),
        evaluation=facts.evaluation,
        stopped_early=facts.stopped_early,
    )
