"""Samplers for the 24 corpus scenarios (S1-S24): random but coherent session facts.

``sample(scenario, rng)`` returns a :class:`corpus.facts.NoteFacts`; the gold codes
are never chosen here, they follow from the facts through the coding rules.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from corpus.facts import Generator, Lead, NoteFacts, OtherDevice, Settings

SCENARIOS: dict[str, str] = {
    "S1": "new CCM system: generator + 2 ventricular leads",
    "S2": "new CCM system with a right-atrial lead (3 leads)",
    "S3": "new CCM system beside an existing ICD",
    "S4": "staged implant: generator only, connected to leads placed earlier",
    "S5": "generator change, all leads kept",
    "S6": "atrial lead added to an existing system",
    "S7": "atrial lead replaced, old one capped",
    "S8": "ventricular lead replaced, old one extracted",
    "S9": "ventricular lead replaced, old one capped",
    "S10": "both ventricular leads replaced",
    "S11": "existing lead repositioned",
    "S12": "generator change plus one new ventricular lead",
    "S13": "full explant: generator and leads removed",
    "S14": "pocket relocation of the CCM generator",
    "S15": "device clinic visit: CCM interrogation or programming",
    "S16": "pacemaker/ICD/CRT work in a patient who has a CCM system",
    "S17": "pacemaker/ICD work, no CCM at all",
    "S18": "'CCM' meaning chronic care management (or another non-device CCM)",
    "S19": "aborted CCM implant, nothing implanted",
    "S20": "partial CCM implant: leads placed, no generator",
    "S21": "CCM-D system (OPTIMIZER Integra)",
    "S22": "whole-system replacement",
    "S23": "left-sided CCM implant via cephalic cutdown",
    "S24": "consult planning a future CCM implant",
}

CCM_MODELS = ["OPTIMIZER Smart Mini", "OPTIMIZER Smart", "OPTIMIZER Smart Mini (CCM X11)"]
OLD_MODELS = ["OPTIMIZER IVs", "OPTIMIZER Smart", "OPTIMIZER III"]
LEAD_MODELS = [
    "Tendril STS 2088TC 58 cm", "Medtronic CapSureFix Novus 5076-58", "Boston Scientific Ingevity+ 7742",
    "Biotronik Solia S 60", "Tendril STS 52 cm", "Medtronic 5076-52",
]
V_POSITIONS = [("high septum", "mid septum"), ("anterior septum", "posterior septum"),
               ("upper septum", "mid septum"), ("anterior mid septum", "posterior mid septum")]
A_POSITIONS = ["RA appendage", "right atrial appendage", "lateral RA wall"]
ICD_KINDS = ["single-chamber ICD", "dual-chamber ICD", "CRT-D", "subcutaneous ICD", "ICD"]
ICD_MAKERS = ["Medtronic", "Abbott", "Boston Scientific", "Biotronik"]
OTHER_WORK = [
    ("dual-chamber pacemaker", "new implant"), ("ICD", "generator change"),
    ("CRT-D", "upgrade"), ("ICD", "lead revision"), ("dual-chamber ICD", "new implant"),
    ("pacemaker", "generator change"), ("leadless pacemaker", "new implant"),
    ("loop recorder", "new implant"), ("spinal cord stimulator", "generator change"),
    ("vagus nerve stimulator", "generator change"), ("hypoglossal nerve stimulator", "new implant"),
    ("baroreflex activation system", "new implant"), ("Port-A-Cath", "new implant"),
]
CARDIOMYOPATHIES = ["ischemic cardiomyopathy", "nonischemic dilated cardiomyopathy",
                    "idiopathic dilated cardiomyopathy", "hypertensive cardiomyopathy"]
GEN_REASONS = ["elective replacement indicator", "battery depletion", "end of service",
               "generator malfunction", "recall advisory"]
STOP_REASONS = [
    "venous occlusion on venogram with no usable access", "persistent hypotension under sedation",
    "no stable septal position without phrenic capture", "generator failed telemetry out of the package",
    "patient agitation despite sedation", "pneumothorax on the access puncture",
]


def _lead(rng: random.Random, chamber: str, fate: str, position: str, channel: str,
          old: bool = False) -> Lead:
    atrial = chamber == "atrial"
    return Lead(
        chamber=chamber, fate=fate, position=position, channel=channel,
        model=rng.choice(LEAD_MODELS),
        sensing_mv=round(rng.uniform(1.5, 4.5) if atrial else rng.uniform(7.0, 18.0), 1),
        impedance_ohm=rng.randrange(420, 900, 10),
        threshold_v=round(rng.uniform(0.4, 1.5), 1),
        implant_year=rng.randrange(2014, 2024) if old else None,
    )


def _same_year(leads: list[Lead], year: int | None) -> None:
    """Old leads implanted together share the year (after sampling, so the random stream,
    and with it every other fact of the corpus, stays the same)."""
    for lead in leads:
        if lead.implant_year is not None:
            lead.implant_year = year


def _ventricular_pair(rng, fates: tuple[str, str], old: bool = False) -> list[Lead]:
    positions = rng.choice(V_POSITIONS)
    channels = rng.choice([("RV", "LS"), ("V1", "V2"), ("lead 1", "lead 2")])
    return [_lead(rng, "ventricular", f, p, c, old) for f, p, c in zip(fates, positions, channels)]


def _base(rng: random.Random, scenario: str, **kw) -> NoteFacts:
    facts = NoteFacts(
        scenario=scenario, summary=SCENARIOS[scenario], device_family=kw.pop("device_family", "ccm"),
        age=rng.randrange(38, 86), sex=rng.choice(["male", "female"]),
        side=kw.pop("side", rng.choice(["right"] * 4 + ["left"])),
        access=kw.pop("access", rng.choice(["axillary", "axillary", "subclavian", "cephalic"])),
        pocket=rng.choice(["prepectoral"] * 5 + ["subpectoral"]),
        fluoro_min=round(rng.uniform(3.0, 18.0), 1), venogram=rng.random() < 0.5,
        sedation=rng.choice(["moderate sedation", "monitored anesthesia care", "general anesthesia",
                             "conscious sedation"]),
        ef=rng.randrange(20, 45), nyha=rng.choice(["II", "III", "III", "III", "ambulatory IV"]),
        cardiomyopathy=rng.choice(CARDIOMYOPATHIES), qrs_ms=rng.randrange(84, 130),
        settings=Settings(amplitude_v=rng.choice([5.0, 6.0, 6.5, 7.0, 7.5, 7.5, 7.5]),
                          train_delay_ms=rng.randrange(25, 45), hours_per_day=rng.choice([5, 7, 7, 9]),
                          programmer=rng.choice(["OMNI II", "Intelio"]),
                          charger=rng.choice(["Mini Charger", "Vesta"])),
    )
    if rng.random() < kw.pop("icd_rate", 0.6):
        facts.other_devices.append(OtherDevice(
            kind=rng.choice(ICD_KINDS), maker=rng.choice(ICD_MAKERS),
            side="left" if facts.side == "right" else rng.choice(["right", "left"]), work="none"))
    for key, value in kw.items():
        setattr(facts, key, value)
    return facts


def _existing_system(rng, facts: NoteFacts, *, gen_fate: str, lead_fates: tuple[str, str],
                     atrial_fate: str | None = None) -> None:
    year = rng.randrange(2014, 2024)
    facts.original_implant_year = year
    model = rng.choice(OLD_MODELS)
    facts.generators.append(Generator(model=model, fate=gen_fate, implant_year=year,
                                      reason=rng.choice(GEN_REASONS) if gen_fate == "removed" else None))
    facts.leads += _ventricular_pair(rng, lead_fates, old=True)
    if atrial_fate is None and model == "OPTIMIZER IVs":
        atrial_fate = lead_fates[0] if lead_fates[0] == lead_fates[1] else "retained"
    if atrial_fate:
        facts.leads.append(_lead(rng, "atrial", atrial_fate, rng.choice(A_POSITIONS), "RA", old=True))
    _same_year(facts.leads, year)  # the system's leads went in with its first generator


def _new_generator(rng, facts: NoteFacts) -> None:
    facts.generators.append(Generator(model=rng.choice(CCM_MODELS), fate="inserted"))


def s1(rng):
    f = _base(rng, "S1", icd_rate=0.5)
    _new_generator(rng, f)
    f.leads += _ventricular_pair(rng, ("inserted", "inserted"))
    return f


def s2(rng):
    f = s1(rng)
    f.scenario, f.summary = "S2", SCENARIOS["S2"]
    if rng.random() < 0.4:
        f.generators[0].model = "OPTIMIZER IVs"
    f.leads.append(_lead(rng, "atrial", "inserted", rng.choice(A_POSITIONS), "RA"))
    return f


def s3(rng):
    f = _base(rng, "S3", icd_rate=1.0)
    f.other_devices[0].fate = "retained"
    _new_generator(rng, f)
    f.leads += _ventricular_pair(rng, ("inserted", "inserted"))
    if rng.random() < 0.25:
        f.leads.append(_lead(rng, "atrial", "inserted", rng.choice(A_POSITIONS), "RA"))
    return f


def s4(rng):
    f = _base(rng, "S4")
    f.leads += _ventricular_pair(rng, ("retained", "retained"), old=True)
    _same_year(f.leads, f.leads[0].implant_year)  # both leads went in at the index procedure
    f.original_implant_year = None
    _new_generator(rng, f)
    f.generators[0].reason = rng.choice(["staged implant after lead maturation",
                                         "re-implant after explant for pocket infection",
                                         "generator unavailable at the index procedure"])
    return f


def s5(rng):
    f = _base(rng, "S5")
    _existing_system(rng, f, gen_fate="removed", lead_fates=("retained", "retained"))
    _new_generator(rng, f)
    return f


def s6(rng):
    f = _base(rng, "S6")
    _existing_system(rng, f, gen_fate="retained", lead_fates=("retained", "retained"), atrial_fate="")
    f.generators[0].model = rng.choice(["OPTIMIZER Smart", "OPTIMIZER Smart Mini"])
    f.leads.append(_lead(rng, "atrial", "inserted", rng.choice(A_POSITIONS), "RA"))
    return f


def s7(rng):
    f = _base(rng, "S7")
    _existing_system(rng, f, gen_fate="retained", lead_fates=("retained", "retained"),
                     atrial_fate="abandoned")
    f.leads.append(_lead(rng, "atrial", "inserted", rng.choice(A_POSITIONS), "RA"))
    return f


def _replace_ventricular(rng, scenario: str, old_fate: str, both: bool = False) -> NoteFacts:
    f = _base(rng, scenario)
    fates = (old_fate, old_fate) if both else (old_fate, "retained")
    _existing_system(rng, f, gen_fate="retained", lead_fates=fates, atrial_fate="")
    for old in f.leads_with(old_fate):
        f.leads.append(_lead(rng, "ventricular", "inserted", old.position, old.channel))
    return f


def s8(rng):
    return _replace_ventricular(rng, "S8", "removed")


def s9(rng):
    return _replace_ventricular(rng, "S9", "abandoned")


def s10(rng):
    return _replace_ventricular(rng, "S10", rng.choice(["abandoned", "abandoned", "removed"]), both=True)


def s11(rng):
    f = _base(rng, "S11")
    _existing_system(rng, f, gen_fate="retained", lead_fates=("repositioned", "retained"), atrial_fate="")
    f.original_implant_year = None   # usually an early dislodgement
    return f


def s12(rng):
    f = _base(rng, "S12")
    _existing_system(rng, f, gen_fate="removed",
                     lead_fates=("retained", rng.choice(["abandoned", "abandoned", "removed"])))
    _new_generator(rng, f)
    old = next(x for x in f.leads if x.fate in ("abandoned", "removed"))
    f.leads.append(_lead(rng, "ventricular", "inserted", old.position, old.channel))
    return f


def s13(rng):
    f = _base(rng, "S13")
    _existing_system(rng, f, gen_fate="removed", lead_fates=("removed", "removed"))
    f.generators[0].reason = rng.choice(["pocket infection", "device erosion", "bacteremia",
                                         "patient request after heart transplant listing"])
    return f


def s14(rng):
    f = _base(rng, "S14")
    _existing_system(rng, f, gen_fate="repositioned", lead_fates=("retained", "retained"), atrial_fate="")
    f.new_pocket = rng.choice(["subpectoral pocket", "new prepectoral pocket more medially",
                               "new pocket inferior to the old one"])
    return f


def s15(rng):
    f = _base(rng, "S15", access="none", fluoro_min=0.0, venogram=False)
    _existing_system(rng, f, gen_fate="untouched", lead_fates=("untouched", "untouched"), atrial_fate="")
    f.evaluation = rng.choice(["interrogation", "programming"])
    if f.evaluation == "programming":
        f.programming_changes = rng.sample([
            "amplitude reduced from 7.5 V to 6.5 V for extracardiac sensation",
            "train delay shortened by 4 ms", "LS alert window widened",
            "daily therapy hours increased from 5 to 7", "sensing threshold raised",
            "channel 2 turned off and amplitude retested"], k=rng.randrange(2, 4))
    return f


def s16(rng):
    f = _base(rng, "S16", icd_rate=0.0)
    _existing_system(rng, f, gen_fate="untouched", lead_fates=("untouched", "untouched"), atrial_fate="")
    kind, work = rng.choice(OTHER_WORK[:7])
    f.other_devices.append(OtherDevice(kind=kind, maker=rng.choice(ICD_MAKERS),
                                       side="left" if f.side == "right" else "right", work=work,
                                       fate="inserted" if work in ("new implant", "upgrade") else "removed"))
    if rng.random() < 0.3:   # the CCM device was checked at the end (rule 7 still applies)
        f.evaluation = "interrogation"
    return f


def s17(rng):
    f = _base(rng, "S17", device_family="other", icd_rate=0.0)
    kind, work = rng.choice(OTHER_WORK)
    f.other_devices.append(OtherDevice(kind=kind, maker=rng.choice(ICD_MAKERS), side=f.side, work=work,
                                       fate="inserted" if work in ("new implant", "upgrade") else "removed"))
    f.settings = None
    return f


def s18(rng):
    f = _base(rng, "S18", device_family="none", icd_rate=0.2, access="none", fluoro_min=0.0)
    f.ccm_meaning = rng.choice(["chronic care management"] * 4 + ["cerebral cavernous malformation"])
    f.settings = None
    return f


def s19(rng):
    f = _base(rng, "S19", stopped_early=True)
    f.stop_reason = rng.choice(STOP_REASONS[:2] + STOP_REASONS[4:])
    f.planned = "CCM system implant (generator and two ventricular leads)"
    return f


def s20(rng):
    f = _base(rng, "S20", stopped_early=True)
    f.stop_reason = rng.choice(["generator failed telemetry out of the package",
                                "hemodynamic instability after lead placement",
                                "pocket hematoma forming during the case"])
    f.leads += _ventricular_pair(rng, ("inserted", "inserted"))
    if rng.random() < 0.3:
        f.leads.pop()   # only one lead could be placed
    f.planned = "return as a staged procedure for the generator"
    return f


def s21(rng):
    f = _base(rng, "S21", device_family="ccm_d", icd_rate=0.0)
    f.generators.append(Generator(model="OPTIMIZER Integra CCM-D", fate="inserted"))
    f.leads += _ventricular_pair(rng, ("inserted", "inserted"))
    return f


def s22(rng):
    f = _base(rng, "S22")
    old_fate = rng.choice(["abandoned", "abandoned", "removed"])
    _existing_system(rng, f, gen_fate="removed", lead_fates=(old_fate, old_fate), atrial_fate="")
    _new_generator(rng, f)
    f.leads += _ventricular_pair(rng, ("inserted", "inserted"))
    return f


def s23(rng):
    f = _base(rng, "S23", side="left", access="cephalic")
    _new_generator(rng, f)
    f.leads += _ventricular_pair(rng, ("inserted", "inserted"))
    return f


def s24(rng):
    f = _base(rng, "S24", access="none", fluoro_min=0.0)
    f.planned = rng.choice(["CCM system implant with two septal leads",
                            "CCM system implant with an atrial lead and two septal leads",
                            "CCM implant after repeat echocardiogram"])
    return f


SAMPLERS: dict[str, Callable[[random.Random], NoteFacts]] = {
    name: globals()[name.lower()] for name in SCENARIOS
}


def sample(scenario: str, rng: random.Random) -> NoteFacts:
    """Random, coherent facts for one scenario."""
    return SAMPLERS[scenario](rng)
