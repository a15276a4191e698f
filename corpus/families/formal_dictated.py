"""Community-hospital transcribed dictation in the classic MTSamples shape.

ALL-CAPS headers with colons, numbered procedure lists, long past-tense narrative
paragraphs ("The patient was brought to the electrophysiology laboratory in a
fasting state..."), a FINDINGS block and the usual EBL / COMPLICATIONS /
DISPOSITION trailer. Clinic, consult and non-device notes use the same
capitalised-header dictation shape.
"""

from __future__ import annotations

import random

from corpus.facts import Lead, NoteFacts
from corpus.families import Family, route

# --------------------------------------------------------------------------- helpers


def m(text: str, label: str, action: str | None = None, *flags: str) -> str:
    """One inline span."""
    attrs = label
    if action or flags:
        attrs += "|" + (action or "none")
    if flags:
        attrs += "|" + ",".join(flags)
    return f"[{text}]({attrs})"


NUM = {1: "one", 2: "two", 3: "three"}
SURGEONS = ["Robert T. Vance, MD", "Anita K. Desai, MD", "Michael J. Orlando, MD",
            "Susan L. Whitfield, MD", "Gregory P. Nakamura, MD", "Helen M. Castellanos, MD"]
ASSISTANTS = ["None.", "None.", "Physician assistant present for the entire case.",
              "Cardiology fellow.", "Impulse Dynamics clinical representative present for device testing."]


def pro(facts: NoteFacts) -> tuple[str, str, str]:
    return ("he", "his", "him") if facts.sex == "male" else ("she", "her", "her")


def cap(s: str) -> str:
    return s[:1].upper() + s[1:]


def side_word(facts: NoteFacts) -> str:
    return facts.side


def access_span(facts: NoteFacts, rng: random.Random, side: str | None = None) -> str:
    side = side or facts.side
    if facts.access == "axillary":
        return m(rng.choice([f"{side} axillary vein", f"{side} extrathoracic axillary vein",
                             "axillary vein"]), "VENOUS_ACCESS")
    if facts.access == "subclavian":
        return m(rng.choice([f"{side} subclavian vein", "subclavian vein"]), "VENOUS_ACCESS")
    return m(rng.choice([f"{side} cephalic vein", "cephalic vein"]), "VENOUS_ACCESS")


def pocket_span(facts: NoteFacts, rng: random.Random, existing: bool = False) -> str:
    plane = facts.pocket
    if existing:
        return m(rng.choice(["existing generator pocket", f"{facts.side} pectoral pocket",
                             "device pocket", f"existing {plane} pocket"]), "POCKET")
    if plane == "subpectoral":
        return m(rng.choice([f"{facts.side} subpectoral pocket", "subpectoral pocket"]), "POCKET")
    return m(rng.choice([f"{facts.side} prepectoral pocket", "prepectoral pocket",
                         f"{facts.side} pectoral subcutaneous pocket"]), "POCKET")


def fluoro(rng: random.Random) -> str:
    return m(rng.choice(["fluoroscopic guidance", "fluoroscopy", "fluoroscopic guidance"]), "IMAGING")


def lead_text(lead: Lead, rng: random.Random, prefix: str = "") -> tuple[str, str]:
    """A chamber-bearing name for one CCM lead and its label."""
    if lead.chamber == "atrial":
        text, label = rng.choice(["right atrial lead", "right atrial sensing lead", "atrial lead",
                                  "RA lead"]), "ATRIAL_LEAD"
    else:
        ch = lead.channel
        if ch in ("RV", "LS"):
            opts = [f"{ch} lead", f"{ch} septal lead", "right ventricular septal lead"]
        elif ch in ("V1", "V2"):
            opts = [f"{ch} lead", f"{ch} septal lead", "septal lead"]
        else:
            opts = [f"septal {ch}", f"RV septal {ch}", f"right ventricular {ch}"]
        text, label = rng.choice(opts), "VENTRICULAR_LEAD"
        if ch.startswith("lead ") and prefix and rng.random() < 0.3:
            text, label = ch, "LEAD"
    return (f"{prefix} {text}".strip(), label)


def lead_span(lead: Lead, rng: random.Random, action: str, prefix: str = "", *flags: str) -> str:
    text, label = lead_text(lead, rng, prefix)
    return m(text, label, action, *flags)


def group_span(leads: list[Lead], rng: random.Random, action: str, prefix: str = "", *flags: str) -> str:
    """A single phrase for one or several leads of one fate."""
    if len(leads) == 1:
        return lead_span(leads[0], rng, action, prefix, *flags)
    n = len(leads)
    chambers = {x.chamber for x in leads}
    cnt = f"count={n}"
    if chambers == {"ventricular"}:
        word = NUM[n]
        noun = rng.choice(["right ventricular septal leads", "septal leads", "ventricular leads",
                           "RV septal leads"])
        text = " ".join(x for x in (word, prefix, noun) if x)
        return m(text, "VENTRICULAR_LEAD", action, *flags, cnt)
    text = " ".join(x for x in (NUM[n], prefix, rng.choice(["leads", "CCM leads", "electrodes"])) if x)
    return m(text, "LEAD", action, *flags, cnt)


def pos_span(lead: Lead, rng: random.Random) -> str:
    p = lead.position
    if lead.chamber == "ventricular" and rng.random() < 0.4 and not p.startswith("RV"):
        p = "RV " + p
    return m(p, "LEAD_POSITION")


def gen_model_span(gen, rng: random.Random, action: str, prefix: str = "", *flags: str) -> str:
    noun = rng.choice(["pulse generator", "generator", "generator", "IPG"])
    model = gen.model
    if rng.random() < 0.25:
        text = f"{prefix} {noun}".strip()
    else:
        text = f"{prefix} {model} {noun}".strip()
    return m(text, "PULSE_GENERATOR", action, *flags)


def gen_plain(rng: random.Random, action: str, prefix: str = "", *flags: str) -> str:
    noun = rng.choice(["generator", "pulse generator", "device generator", "can"])
    return m(f"{prefix} {noun}".strip(), "PULSE_GENERATOR", action, *flags)


def system_span(rng: random.Random, action: str, model: str | None = None, *flags: str) -> str:
    opts = ["cardiac contractility modulation system", "CCM system", "CCM device",
            "cardiac contractility modulation device"]
    if model:
        opts += [f"{model} system", model, f"{model} CCM system"]
    return m(rng.choice(opts), "CCM_SYSTEM", action, *flags)


def icd_span(dev, rng: random.Random, action: str, *flags: str) -> str:
    kind = dev.kind
    opts = [kind, f"{dev.maker} {kind}", f"existing {kind}"] if action == "retained" else [kind, f"{dev.maker} {kind}"]
    return m(rng.choice(opts), "OTHER_DEVICE", action, *flags)


def measure_sentence(lead: Lead, rng: random.Random) -> str:
    wave = "P wave" if lead.chamber == "atrial" else "R wave"
    if rng.random() < 0.5:
        return (f"The {wave} measured {lead.sensing_mv} mV, pacing impedance was {lead.impedance_ohm} ohms "
                f"and the pacing threshold was {lead.threshold_v} V at 0.5 msec.")
    return (f"Sensed {wave} amplitude was {lead.sensing_mv} mV with an impedance of {lead.impedance_ohm} ohms "
            f"and a capture threshold of {lead.threshold_v} V at 0.5 msec.")


# --------------------------------------------------------------------------- common blocks


def diagnosis_lines(facts: NoteFacts, rng: random.Random, extra: list[str]) -> str:
    lines = [f"{cap(facts.cardiomyopathy)} with left ventricular ejection fraction of {facts.ef}%.",
             f"Chronic systolic heart failure, NYHA class {facts.nyha}, on guideline-directed medical therapy."]
    if rng.random() < 0.5:
        lines.append(f"Narrow QRS duration of {facts.qrs_ms} msec.")
    lines += extra
    return "\n".join(f"{i}. {x}" for i, x in enumerate(lines, 1))


def arrival(facts: NoteFacts, rng: random.Random) -> list[str]:
    _he, _his, _ = pro(facts)
    out = [rng.choice([
        "The patient was brought to the electrophysiology laboratory in a fasting state.",
        "The patient was brought to the electrophysiology laboratory in a fasting, nonsedated state.",
        "After informed consent was obtained, the patient was brought to the electrophysiology laboratory in a fasting state.",
    ])]
    if facts.sedation == "general anesthesia":
        out.append("General endotracheal anesthesia was induced by the anesthesia service.")
    elif facts.sedation == "monitored anesthesia care":
        out.append("Monitored anesthesia care was provided by the anesthesia service with intravenous propofol.")
    else:
        out.append(rng.choice([
            f"{cap(facts.sedation)} was provided with intravenous midazolam and fentanyl as needed.",
            f"Intravenous {facts.sedation} was administered with Versed and fentanyl in divided doses.",
        ]))
    out.append(rng.choice([
        "Cefazolin 2 g IV was administered prior to the incision.",
        "Preoperative antibiotics were given within one hour of the incision.",
        "Vancomycin 1 g IV was infused prior to the skin incision.",
    ]))
    return out


def prep(facts: NoteFacts, rng: random.Random) -> str:
    side = facts.side
    return rng.choice([
        f"The {side} chest was prepped with chlorhexidine and draped in the usual sterile manner.",
        f"The {side} neck and chest were prepped and draped in the usual sterile fashion.",
        f"The {side} upper chest was prepped with ChloraPrep and draped in a sterile fashion.",
    ]) + " " + rng.choice([
        f"The skin and subcutaneous tissues below the {side} clavicle were infiltrated with 1% lidocaine for local anesthesia.",
        "Local anesthesia was obtained with 1% lidocaine with epinephrine.",
        f"Approximately {rng.choice([20, 25, 30])} mL of 1% lidocaine was infiltrated for local anesthesia.",
    ])


def icd_off(facts: NoteFacts, rng: random.Random) -> str | None:
    if not facts.icd:
        return None
    return rng.choice([
        f"The patient's {icd_span(facts.icd, rng, 'retained')} was programmed to monitor-only mode for the duration of the case, and external defibrillator pads were placed.",
        f"Tachyarrhythmia therapies of the {icd_span(facts.icd, rng, 'retained')} were suspended prior to the procedure.",
    ])


def icd_on(facts: NoteFacts, rng: random.Random) -> str | None:
    if not facts.icd:
        return None
    if facts.stopped_early:
        return f"Therapies on the {icd_span(facts.icd, rng, 'retained')} were re-enabled at the end of the case."
    return rng.choice([
        f"The {icd_span(facts.icd, rng, 'retained')} was reprogrammed to its original settings at the end of the case and there was no interaction between the two devices.",
        f"Therapies on the {icd_span(facts.icd, rng, 'retained')} were re-enabled, and device-device interaction testing showed no inappropriate sensing of CCM signals by the {m('defibrillator', 'OTHER_DEVICE', 'retained')}.",
    ])


def ccm_test(facts: NoteFacts, rng: random.Random) -> str:
    s = facts.settings
    v = rng.choice(["a 7.5 V test", "maximal output"])
    out = [rng.choice([
        f"CCM signal delivery was then tested at {v}, and there was no extracardiac or diaphragmatic stimulation and the patient reported no sensation.",
        f"CCM therapy was delivered at {v} without phrenic nerve stimulation, pectoral muscle stimulation or patient discomfort.",
    ])]
    out.append(rng.choice([
        f"Final programming using the {s.programmer} programmer was CCM amplitude {s.amplitude_v} V with a train delay of {s.train_delay_ms} msec, delivered {s.hours_per_day} hours per day.",
        f"The device was programmed with the {s.programmer} to {s.amplitude_v} V, train delay {s.train_delay_ms} msec, for {s.hours_per_day} hours of therapy daily.",
    ]))
    return " ".join(out)


def closure(facts: NoteFacts, rng: random.Random) -> str:
    return " ".join([
        rng.choice(["The pocket was irrigated with antibiotic solution.",
                    "The pocket was copiously irrigated with bacitracin-containing saline.",
                    "Hemostasis was confirmed and the pocket was irrigated with antibiotic solution."]),
        rng.choice(["The incision was closed in three layers with 2-0 Vicryl, 3-0 Vicryl and a subcuticular 4-0 Monocryl.",
                    "The incision was closed with two layers of 3-0 Monocryl and a subcuticular closure of 4-0 Monocryl.",
                    "The wound was closed in layers with absorbable suture and the skin was approximated with 4-0 Monocryl in a subcuticular fashion."]),
        rng.choice(["Steri-Strips and a sterile pressure dressing were applied.",
                    "Dermabond and a sterile dressing were applied.",
                    "The incision was dressed with Steri-Strips and a sterile bandage."]),
    ])


def trailer(facts: NoteFacts, rng: random.Random, disposition: str) -> list[str]:
    ebl = rng.choice(["Minimal.", "Less than 10 mL.", "15 mL.", "20 mL.", "25 mL."])
    out = [f"ESTIMATED BLOOD LOSS: {ebl}"]
    if facts.fluoro_min and rng.random() < 0.7:
        out.append(f"FLUOROSCOPY TIME: {facts.fluoro_min} minutes.")
    if facts.stopped_early:
        out.append(f"COMPLICATIONS: {cap(facts.stop_reason)}, as described above.")
    else:
        out.append("COMPLICATIONS: " + rng.choice(["None.", "None apparent.", "No immediate complications."]))
    out.append(f"DISPOSITION: {disposition}")
    return out


def history_old_system(facts: NoteFacts, rng: random.Random) -> str:
    """A history sentence about the existing CCM system (historical mentions)."""
    he, his, _ = pro(facts)
    gen = facts.old_generator
    year = facts.original_implant_year
    if gen and year:
        return rng.choice([
            f"{cap(he)} underwent implantation of an {m(gen.model + ' system', 'CCM_SYSTEM', 'none', 'historical')} in {year}.",
            f"{cap(his)} {m(gen.model + ' system', 'CCM_SYSTEM', 'none', 'historical')} was implanted in {year} with {m('two septal leads', 'VENTRICULAR_LEAD', 'none', 'historical', 'count=2')}.",
        ])
    return f"{cap(he)} has an existing {system_span(rng, 'none', gen.model if gen else None)}."


# --------------------------------------------------------------------------- CCM procedure notes


def procedure_items(facts: NoteFacts, rng: random.Random) -> list[str]:
    items: list[str] = []
    new_gen = facts.new_generator
    old = facts.generator_with("removed", "retained", "repositioned")
    ins = facts.leads_with("inserted")
    v_ins = [x for x in ins if x.chamber == "ventricular"]
    a_ins = [x for x in ins if x.chamber == "atrial"]
    if old and old.fate == "removed":
        items.append(f"Removal of {gen_model_span(old, rng, 'removed', rng.choice(['previously implanted', 'depleted', 'old']))}.")
    if new_gen and ins and not old:
        items.append(f"Implantation of {system_span(rng, 'inserted', new_gen.model)}.")
        items.append(f"Insertion of {gen_model_span(new_gen, rng, 'inserted')}.")
    elif new_gen:
        items.append(f"Insertion of new {gen_model_span(new_gen, rng, 'inserted')}.")
    if v_ins:
        items.append(f"Placement of {group_span(v_ins, rng, 'inserted', 'new' if old else '') if len(v_ins) > 1 else lead_span(v_ins[0], rng, 'inserted', 'new')} under {fluoro(rng)}.")
    if a_ins:
        items.append(f"Placement of {lead_span(a_ins[0], rng, 'inserted', 'new')}.")
    for fate, verb in (("removed", "Extraction of"), ("abandoned", "Capping and abandonment of"),
                       ("repositioned", "Repositioning of")):
        ls = facts.leads_with(fate)
        if ls:
            items.append(f"{verb} {group_span(ls, rng, fate, 'chronic' if fate != 'repositioned' else 'dislodged')}.")
    if old and old.fate == "repositioned":
        items.append(f"Relocation of {gen_plain(rng, 'repositioned', 'CCM')} to {m(facts.new_pocket, 'POCKET')}.")
    if facts.venogram and ins:
        items.append(f"{cap(facts.side)} upper extremity {m('venography', 'IMAGING')}.")
    if new_gen or (old and old.fate in ("retained", "repositioned")):
        items.append(rng.choice(["Intraoperative device testing and programming.",
                                 "Evaluation and programming of the CCM signal."]))
    return items


def title_line(facts: NoteFacts, rng: random.Random) -> str | None:
    """An optional vague one-line title (never contradicting the facts)."""
    s = facts.scenario
    if s in ("S7", "S8", "S9", "S10", "S11"):
        return rng.choice(["CCM lead revision.", "Lead revision, cardiac contractility modulation device.",
                           "Device procedure."])
    if s == "S5":
        return rng.choice(["CCM generator exchange.", "Generator change.", "Device procedure."])
    if s == "S12":
        return rng.choice(["Generator change and lead revision.", "CCM device revision."])
    if s in ("S1", "S2", "S3", "S23"):
        return rng.choice(["CCM implant.", "Cardiac contractility modulation device implantation.", "Device implant."])
    return None


def indication(facts: NoteFacts, rng: random.Random) -> str:
    he, his, _him = pro(facts)
    s = facts.scenario
    age = f"{facts.age}-year-old {'man' if facts.sex == 'male' else 'woman'}"
    out = [f"The patient is a {age} with {facts.cardiomyopathy}, ejection fraction {facts.ef}%, and NYHA class {facts.nyha} symptoms despite optimal medical therapy."]
    if facts.icd and s not in ("S16",):
        out.append(rng.choice([
            f"{cap(he)} has a {m(facts.icd.side + ' ' + facts.icd.kind, 'OTHER_DEVICE', 'none', 'historical')} implanted previously for primary prevention.",
            f"{cap(his)} {m(facts.icd.maker + ' ' + facts.icd.kind, 'OTHER_DEVICE', 'none', 'historical')} was placed several years ago.",
        ]))
    new_gen = facts.new_generator
    old = facts.generator_with("removed", "retained", "repositioned")
    if s in ("S1", "S2", "S3", "S23", "S19", "S20", "S21"):
        out.append(f"With a QRS duration of {facts.qrs_ms} msec, {he} is not a candidate for cardiac resynchronization therapy and was referred for cardiac contractility modulation.")
    elif s == "S4":
        reason = new_gen.reason
        hist = f"{m('two septal leads', 'VENTRICULAR_LEAD', 'none', 'historical', 'count=2')}"
        if "infection" in reason:
            out.append(f"{cap(he)} previously had a CCM {m('generator', 'PULSE_GENERATOR', 'none', 'historical')} explanted for a superficial pocket infection, at which time the {hist} were capped and left in place. After completion of antibiotics {he} returns for re-implantation of a generator.")
        elif "unavailable" in reason:
            out.append(f"At the index procedure {hist} were placed, but a generator was not available, and {he} returns now for the staged generator implant.")
        else:
            out.append(f"As a planned staged procedure, {hist} were implanted several weeks ago to allow lead maturation, and {he} returns for connection to a generator.")
    elif old:
        out.append(history_old_system(facts, rng))
        if old.fate == "removed" and old.reason and s != "S13":
            out.append(f"The {gen_plain(rng, 'none')} has now reached {old.reason}.")
        if s == "S13":
            out.append(f"{cap(he)} now presents with {old.reason}, and complete removal of the system was recommended.")
        if s == "S6":
            out.append("CCM delivery has been limited by atrial sensing issues, and an atrial sensing lead was recommended to improve timing.")
        if s == "S7":
            out.append(f"The chronic {m('atrial lead', 'ATRIAL_LEAD', 'none')} has shown intermittent undersensing with rising impedance.")
        if s in ("S8", "S9", "S10", "S12"):
            out.append(f"Interrogation showed high impedance and noise on the {m('ventricular lead', 'VENTRICULAR_LEAD', 'none')} consistent with lead failure.")
        if s == "S11":
            out.append(f"Shortly after implant, interrogation and chest x-ray demonstrated dislodgement of one {m('septal lead', 'VENTRICULAR_LEAD', 'none')} with loss of CCM delivery.")
        if s == "S14":
            out.append(f"{cap(he)} reports chronic pocket discomfort with thinning of the skin over the {m('generator', 'PULSE_GENERATOR', 'none')}, and relocation was recommended.")
        if s == "S22":
            out.append("Both chronic leads have failed, and the generator is near end of service; a complete system replacement was planned.")
    if rng.random() < 0.5:
      out.append(rng.choice([
        "The risks, benefits and alternatives of the procedure, including bleeding, infection, pneumothorax, lead dislodgement and cardiac perforation, were discussed in detail, and informed consent was obtained.",
        "Risks including but not limited to bleeding, infection, vascular injury, pneumothorax and tamponade were explained, and the patient agreed to proceed.",
    ]))
    return " ".join(out)


def narrative(facts: NoteFacts, rng: random.Random) -> list[str]:
    """The DESCRIPTION OF PROCEDURE paragraphs for any CCM procedure session."""
    _he, _his, _him = pro(facts)
    side = facts.side
    paras: list[list[str]] = [[]]
    p = paras[0]
    p += arrival(facts, rng)
    off = icd_off(facts, rng)
    if off:
        p.append(off)
    p.append(prep(facts, rng))

    new_gen = facts.new_generator
    old = facts.generator_with("removed", "retained", "repositioned")
    ins = facts.leads_with("inserted")
    existing_pocket = old is not None or bool(facts.leads_with("retained")) and not ins

    # venogram and access first in some dictations
    if facts.venogram and ins:
        p.append(rng.choice([
            f"A {m('venogram', 'IMAGING')} was performed through a peripheral intravenous line and demonstrated a widely patent {access_span(facts, rng)}.",
            f"{m('Contrast venography', 'IMAGING')} of the {side} upper extremity was obtained, confirming patency of the {access_span(facts, rng)}.",
        ]))

    # pocket
    p2: list[str] = []
    paras.append(p2)
    if existing_pocket:
        p2.append(rng.choice([
            f"An incision was made over the previous scar and carried down to the capsule of the {pocket_span(facts, rng, True)}.",
            f"The prior incision was opened with a scalpel and electrocautery was used to enter the {pocket_span(facts, rng, True)}.",
        ]))
    else:
        p2.append(rng.choice([
            f"A {rng.choice(['4 cm', '5 cm', '2-1/2-inch'])} incision was made below the {side} clavicle and electrocautery was used for hemostasis. Dissection was carried out to the level of the pectoralis fascia to create a {pocket_span(facts, rng)} for the pulse generator.",
            f"A transverse incision was made in the {side} infraclavicular region, and a {pocket_span(facts, rng)} was fashioned using blunt dissection and electrocautery.",
        ]))
    if facts.pocket == "subpectoral" and not existing_pocket:
        p2.append("The pectoralis major fibers were separated and the pocket was developed beneath the muscle.")

    # old generator handling
    if old is not None:
        if old.fate == "removed":
            p2.append(rng.choice([
                f"The {gen_model_span(old, rng, 'removed')} was freed from its capsule, delivered from the pocket and disconnected from the leads.",
                f"Using blunt dissection, the {gen_model_span(old, rng, 'removed', 'old')} was removed from the pocket and the leads were disconnected.",
            ]))
        elif old.fate in ("retained", "repositioned"):
            p2.append(rng.choice([
                f"The {gen_plain(rng, old.fate)} was delivered from the pocket and disconnected from the leads.",
                f"The {gen_model_span(old, rng, old.fate)} was freed from the capsule and lifted out of the pocket.",
            ]))
        ret = facts.leads_with("retained")
        if ret:
            ms = " ".join(measure_sentence(x, rng) for x in ret[:1])
            p2.append(f"The {group_span(ret, rng, 'retained', 'chronic') if len(ret) > 1 else lead_span(ret[0], rng, 'retained', 'chronic')} {'were' if len(ret) > 1 else 'was'} interrogated with the analyzer and found to have stable values. {ms}")
    elif facts.scenario == "S4":
        ret = facts.leads_with("retained")
        p2.append(f"The capped pins of the {group_span(ret, rng, 'retained', 'previously placed')} were identified in the pocket, the caps were removed and the leads were tested with the analyzer.")
        p2.append(" ".join(measure_sentence(x, rng) for x in ret))

    # old lead handling
    rem_t = 0
    for lead in facts.leads_with("removed"):
        rem_t += 1
        if rem_t > 1:
            p2.append(rng.choice([
                f"In the same manner the {lead_span(lead, rng, 'removed')} on the {pos_span(lead, rng)} was unscrewed and withdrawn intact.",
                f"The {lead_span(lead, rng, 'removed', 'remaining chronic')} was then extracted using the same technique, and the tip was inspected and found to be intact.",
            ]))
            continue
        p2.append(rng.choice([
            f"The suture sleeve of the {lead_span(lead, rng, 'removed', 'chronic')} at the {pos_span(lead, rng)} was freed, a locking stylet was advanced to the tip, the helix was retracted and the lead was extracted with gentle traction under {fluoro(rng)}.",
            f"The {lead_span(lead, rng, 'removed', 'old')} on the {pos_span(lead, rng)} was dissected free, the fixation helix was unscrewed and the lead was explanted in its entirety without difficulty.",
        ]))
    ab = facts.leads_with("abandoned")
    if ab:
        p2.append(rng.choice([
            f"The {group_span(ab, rng, 'abandoned', 'chronic')} {'were' if len(ab) > 1 else 'was'} capped and left in the pocket.",
            f"The {group_span(ab, rng, 'abandoned', 'old')} {'were' if len(ab) > 1 else 'was'} abandoned; the connector {'pins were' if len(ab) > 1 else 'pin was'} capped, sutured to the pectoralis fascia and buried in the pocket.",
        ]))

    # access and new leads
    if ins:
        p3: list[str] = []
        paras.append(p3)
        n = len(ins)
        if facts.access == "cephalic":
            p3.append(f"The deltopectoral groove was explored and the {access_span(facts, rng)} was identified. The distal end of the vein was ligated and a venotomy was performed, and {NUM[n]} guidewire{'s were' if n > 1 else ' was'} advanced to the inferior vena cava under {fluoro(rng)}.")
        elif facts.access == "axillary":
            p3.append(f"Using {fluoro(rng)} and the first rib as a landmark, the {access_span(facts, rng)} was punctured {NUM[n] if n > 1 else 'once'} {'times ' if n > 1 else ''}with a micropuncture needle, and {'separate guidewires were' if n > 1 else 'a guidewire was'} advanced to the inferior vena cava.")
        else:
            p3.append(f"Using the modified Seldinger technique, the {access_span(facts, rng)} was accessed and {NUM[n]} guidewire{'s were' if n > 1 else ' was'} passed into the inferior vena cava under {fluoro(rng)}.")
        p3.append("Peel-away introducer sheaths were placed over the wires." if n > 1 else "A peel-away introducer sheath was placed over the wire.")
        order = [x for x in ins if x.chamber == "ventricular"] + [x for x in ins if x.chamber == "atrial"]
        for i, lead in enumerate(order):
            if lead.chamber == "ventricular":
                first = i == 0
                p3.append(rng.choice([
                    f"A {lead.model} active-fixation lead was advanced through the sheath into the right ventricle, and using a shaped stylet the {lead_span(lead, rng, 'inserted')} was positioned on the {pos_span(lead, rng)}.",
                    f"The {('first' if first else 'second') if len(order) > 1 else 'new'} lead, a {lead.model}, was passed under {fluoro(rng)} to the right ventricular outflow tract and withdrawn onto the septum; the {lead_span(lead, rng, 'inserted')} was screwed into the {pos_span(lead, rng)}.",
                ]))
                p3.append(rng.choice([
                    "Septal position was confirmed in the LAO projection and the helix was deployed with a current of injury noted.",
                    "Position was confirmed in RAO and LAO views, the helix was extended, and a brisk current of injury was seen.",
                    "Septal orientation was verified in the 40-degree LAO view and the paced QRS morphology was consistent with a septal location.",
                ]) + (" The two ventricular electrodes were separated by more than 2 cm." if not first else ""))
            else:
                p3.append(rng.choice([
                    f"The {lead_span(lead, rng, 'inserted')}, a {lead.model}, was advanced to the right atrium and fixed in the {pos_span(lead, rng)} using a J-shaped stylet.",
                    f"A {lead.model} lead was then positioned in the {pos_span(lead, rng)} as the {lead_span(lead, rng, 'inserted')} and the helix was deployed.",
                ]))
            p3.append(measure_sentence(lead, rng))
        p3.append(rng.choice([
            f"The sheaths were removed and the {m(('new leads' if n > 1 else 'new lead'), 'LEAD', 'inserted', *([f'count={n}'] if n > 1 else []))} {'were' if n > 1 else 'was'} secured to the pectoralis muscle with 0 silk around the suture {'sleeves' if n > 1 else 'sleeve'}.",
            f"Slack was adjusted under {fluoro(rng)} and each suture sleeve was anchored to the underlying fascia with 2-0 Ethibond.",
        ]))

    # repositioned leads
    for lead in facts.leads_with("repositioned"):
        paras[-1].append(
            f"The suture sleeve of the dislodged {lead_span(lead, rng, 'repositioned')} was released, a straight stylet was reinserted and the helix was retracted. Under {fluoro(rng)} the lead was repositioned to the {pos_span(lead, rng)} with a newly shaped stylet, and the helix was redeployed. {measure_sentence(lead, rng)} The sleeve was re-secured with 0 silk.")

    # generator / connection / stop
    p4: list[str] = []
    paras.append(p4)
    if facts.stopped_early:
        n = len(ins)
        p4.append(f"At this point the case was complicated by {facts.stop_reason}.")
        p4.append(rng.choice([
            f"A decision was made to terminate the procedure without implanting the {m('generator', 'PULSE_GENERATOR', 'none', 'negated')}.",
            f"The {m('pulse generator', 'PULSE_GENERATOR', 'none', 'negated')} was therefore not implanted.",
        ]))
        p4.append(f"The {m('lead' if n == 1 else 'two leads', 'LEAD', 'inserted', *([f'count={n}'] if n > 1 else []))} {'was' if n == 1 else 'were'} capped and secured in the pocket.")
        p4.append(closure(facts, rng))
        return [" ".join(x) for x in paras if x]

    connected = facts.leads_with("inserted", "retained", "repositioned")
    nconn = len(connected)
    if new_gen:
        mixed = bool(ins) and any(x.fate != "inserted" for x in connected)
        if mixed:
            p4.append(f"The new and chronic leads were connected to the {gen_model_span(new_gen, rng, 'inserted', 'new')} and the set screws were tightened.")
        else:
            act = "inserted" if ins else "retained"
            grp = m(f"{NUM[nconn]} leads" if nconn > 1 else "lead", "LEAD", act, *([f"count={nconn}"] if nconn > 1 else []))
            p4.append(rng.choice([
                f"The leads were connected to the {gen_model_span(new_gen, rng, 'inserted', 'new')} and the set screws were tightened.",
                f"The {gen_model_span(new_gen, rng, 'inserted')} was attached to the {grp} and the connections were verified.",
            ]))
        p4.append(ccm_test(facts, rng))
        p4.append(f"The {gen_plain(rng, 'inserted')} was placed in the pocket{rng.choice(['', ' within an antibacterial envelope', ' and secured with 2-0 silk'])}.")
        if rng.random() < 0.5:
            p4.append(f"Use of the {facts.settings.charger} was reviewed with the patient after the procedure.")
    elif old is not None and old.fate == "retained":
        p4.append(rng.choice([
            f"The leads were reconnected to the {gen_plain(rng, 'retained', 'existing')} and the set screws were tightened.",
            f"The {gen_model_span(old, rng, 'retained', 'existing')} was reattached to the lead system and returned to the pocket.",
        ]))
        p4.append(ccm_test(facts, rng))
    elif old is not None and old.fate == "repositioned":
        p4.append(f"A {m(facts.new_pocket, 'POCKET')} was created with blunt dissection, and the old pocket was debrided of its capsule anteriorly.")
        p4.append(f"The {gen_plain(rng, 'repositioned')} was reconnected and moved into the new pocket, where it was secured with 2-0 silk.")
        p4.append(ccm_test(facts, rng))
    elif old is not None and old.fate == "removed" and not new_gen:
        p4.append("The pocket capsule was partially debrided and a sample was sent for culture.")
    on = icd_on(facts, rng)
    if on:
        p4.append(on)
    p4.append(closure(facts, rng))
    p4.append(rng.choice(["The patient tolerated the procedure well.",
                          "The patient tolerated the procedure well and left the laboratory in stable condition.",
                          "There were no immediate complications."]))
    return [" ".join(x) for x in paras if x]


def findings(facts: NoteFacts, rng: random.Random) -> str | None:
    leads = facts.leads_with("inserted", "repositioned", "retained")
    if not leads:
        return None
    lines = []
    for lead in leads:
        wave = "P wave" if lead.chamber == "atrial" else "R wave"
        name = lead_span(lead, rng, lead.fate, {"inserted": "new", "retained": "chronic", "repositioned": "repositioned"}[lead.fate])
        lines.append(f"{name}: {wave} {lead.sensing_mv} mV, impedance {lead.impedance_ohm} ohms, threshold {lead.threshold_v} V at 0.5 msec.")
    return "\n".join(f"{i}. {cap_span(x)}" for i, x in enumerate(lines, 1))


def cap_span(s: str) -> str:
    if s.startswith("["):
        return "[" + cap(s[1:])
    return cap(s)


def ccm_procedure_note(facts: NoteFacts, rng: random.Random) -> str:
    he, _his, _him = pro(facts)
    extra = []
    old = facts.generator_with("removed")
    if old and old.reason and facts.scenario != "S13":
        extra.append(f"CCM {m('generator', 'PULSE_GENERATOR', 'none')} at {old.reason}.")
    if facts.scenario == "S13":
        extra.append(f"{cap(old.reason)} involving the CCM system.")
    if facts.scenario in ("S8", "S9", "S10", "S12", "S22"):
        extra.append(f"CCM {m('lead', 'LEAD', 'none')} malfunction.")
    if facts.scenario == "S11":
        extra.append(f"Dislodged CCM {m('septal lead', 'VENTRICULAR_LEAD', 'none')}.")
    pre = diagnosis_lines(facts, rng, extra)
    post = rng.choice(["Same.", "Same as above.", "Same as preoperative diagnosis."])
    if facts.stopped_early:
        post = f"Same; procedure terminated early because of {facts.stop_reason}."
    items = procedure_items(facts, rng)
    title = title_line(facts, rng)
    proc = ("PROCEDURES PERFORMED:\n" if rng.random() < 0.6 else "PROCEDURE(S) PERFORMED:\n")
    if title and rng.random() < 0.5:
        proc = f"PROCEDURE: {title}\n\nPROCEDURE(S) PERFORMED:\n"
    proc += "\n".join(f"{i}. {x}" for i, x in enumerate(items, 1))
    surgeon = f"SURGEON: {rng.choice(SURGEONS)}"
    anesth = f"ANESTHESIA: {cap(facts.sedation)} with local 1% lidocaine."
    blocks = [f"PREOPERATIVE DIAGNOSIS:\n{pre}", f"POSTOPERATIVE DIAGNOSIS: {post}", proc]
    header_tail = [surgeon, anesth]
    if rng.random() < 0.4:
        header_tail.insert(1, f"ASSISTANT: {rng.choice(ASSISTANTS)}")
    if rng.random() < 0.5:
        header_tail.reverse()
    blocks += header_tail
    blocks.append(f"INDICATIONS FOR PROCEDURE: {indication(facts, rng)}")
    fnd = findings(facts, rng)
    devices = device_block(facts, rng)
    desc = "DESCRIPTION OF PROCEDURE: " + "\n\n".join(narrative(facts, rng))
    if fnd and rng.random() < 0.4:
        fnd = None
    if fnd and rng.random() < 0.35:
        blocks.append(f"FINDINGS:\n{fnd}")
        blocks.append(desc)
    else:
        blocks.append(desc)
        if fnd:
            blocks.append(f"FINDINGS:\n{fnd}")
    if devices and rng.random() < 0.4:
        blocks.append(devices)
    if facts.stopped_early:
        disp = rng.choice([f"The patient was returned to the recovery area in stable condition. {cap(he)} will return for a staged procedure to implant the {m('generator', 'PULSE_GENERATOR', 'none', 'hypothetical')}.",
                           f"Stable to the cardiac step-down unit. Completion of the implant with a {m('pulse generator', 'PULSE_GENERATOR', 'none', 'hypothetical')} will be scheduled once {he} has recovered."])
    else:
        disp = rng.choice(["The patient was transferred to the telemetry floor in stable condition for overnight observation with a chest x-ray in the morning.",
                           "To the recovery area in stable condition. Wound check in 7 to 10 days and follow-up in device clinic.",
                           f"Stable to recovery. {cap(he)} will be observed overnight and will go home in the morning if the chest x-ray is unremarkable."])
    blocks += trailer(facts, rng, disp)
    return "\n\n".join(blocks)


def device_block(facts: NoteFacts, rng: random.Random) -> str | None:
    lines = []
    g = facts.new_generator
    if g:
        lines.append(f"{m(g.model + ' generator', 'PULSE_GENERATOR', 'inserted')}, serial number on file.")
    for lead in facts.leads_with("inserted"):
        lines.append(f"{lead_span(lead, rng, 'inserted')}: {lead.model}, serial number on file.")
    old = facts.generator_with("removed")
    if old:
        lines.append(f"Explanted: {m(old.model + ' generator', 'PULSE_GENERATOR', 'removed')}.")
    if not lines:
        return None
    return "DEVICES IMPLANTED:\n" + "\n".join(f"{i}. {cap_span(x)}" for i, x in enumerate(lines, 1))


# --------------------------------------------------------------------------- aborted (S19)


def aborted_note(facts: NoteFacts, rng: random.Random) -> str:
    _he, _his, _him = pro(facts)
    reason = facts.stop_reason
    pre = diagnosis_lines(facts, rng, [])
    proc = (f"PROCEDURE: Attempted implantation of {system_span(rng, 'none', None, 'hypothetical')}, aborted.")
    p = arrival(facts, rng)
    off = icd_off(facts, rng)
    if off:
        p.append(off)
    p.append(prep(facts, rng))
    if "venous occlusion" in reason:
        p.append(f"A {m('venogram', 'IMAGING')} of the {facts.side} upper extremity demonstrated occlusion of the {access_span(facts, rng)} with extensive collaterals and no usable route to the superior vena cava.")
        p.append(f"Attempts at access under {fluoro(rng)} were unsuccessful, and the procedure was terminated before a pocket was made.")
    elif "pneumothorax" in reason:
        p.append(f"During the initial puncture of the {access_span(facts, rng)} under {fluoro(rng)}, air was aspirated, and a pneumothorax was confirmed fluoroscopically.")
        p.append("The needle was withdrawn and the procedure was terminated; a chest tube was placed by the thoracic surgery service.")
    elif "hypotension" in reason:
        p.append("After administration of sedation the patient developed persistent hypotension with systolic pressures in the 70s despite fluid boluses and phenylephrine.")
        p.append("No incision had been made, and the procedure was terminated.")
    else:
        p.append("Despite escalating doses of sedation the patient remained agitated and repeatedly moved into the sterile field, and the procedure could not be performed safely.")
        p.append("The case was aborted prior to the skin incision.")
    on = icd_on(facts, rng)
    if on:
        p.append(on)
    p.append(rng.choice([
        f"No {m('leads', 'LEAD', 'none', 'negated')} or {m('generator', 'PULSE_GENERATOR', 'none', 'negated')} were implanted.",
        f"No hardware was implanted; specifically, no {m('septal leads', 'VENTRICULAR_LEAD', 'none', 'negated')} were placed and no {m('pulse generator', 'PULSE_GENERATOR', 'none', 'negated')} was inserted.",
    ]))
    blocks = [f"PREOPERATIVE DIAGNOSIS:\n{pre}",
              f"POSTOPERATIVE DIAGNOSIS: Same. Procedure aborted because of {reason}.",
              proc, f"SURGEON: {rng.choice(SURGEONS)}",
              f"ANESTHESIA: {cap(facts.sedation)}.",
              f"INDICATIONS FOR PROCEDURE: {indication(facts, rng)}",
              "DESCRIPTION OF PROCEDURE: " + " ".join(p)]
    disp = rng.choice([
        f"Stable to the recovery area. We will reschedule implantation of a {m('CCM system', 'CCM_SYSTEM', 'none', 'hypothetical')} once the issue is addressed.",
        f"Observation overnight. A repeat attempt at {m('CCM device', 'CCM_SYSTEM', 'none', 'hypothetical')} implantation will be discussed with the patient and the heart failure team.",
    ])
    blocks += trailer(facts, rng, disp)
    return "\n\n".join(blocks)


# --------------------------------------------------------------------------- CCM-D (S21)


def ccmd_note(facts: NoteFacts, rng: random.Random) -> str:
    _he, _his, _him = pro(facts)
    facts.generators[0]
    leads = facts.leads_with("inserted")
    pre = diagnosis_lines(facts, rng, ["Primary prevention of sudden cardiac death."])
    items = [f"Implantation of {m('OPTIMIZER Integra CCM-D system', 'CCM_SYSTEM', 'inserted')} (combined cardiac contractility modulation and defibrillator).",
             f"Placement of {group_span(leads, rng, 'inserted')} under {fluoro(rng)}.",
             "Device testing and programming."]
    p = arrival(facts, rng) + [prep(facts, rng)]
    p.append(f"A {pocket_span(facts, rng)} was created through a {facts.side} infraclavicular incision.")
    p.append(f"The {access_span(facts, rng)} was accessed{' by cutdown' if facts.access == 'cephalic' else ' with a micropuncture needle'} under {fluoro(rng)}.")
    for lead in leads:
        p.append(f"The {lead_span(lead, rng, 'inserted')} ({lead.model}) was positioned on the {pos_span(lead, rng)} and fixed with a current of injury. {measure_sentence(lead, rng)}")
    p.append(f"The leads were connected to the {m('Integra CCM-D generator', 'PULSE_GENERATOR', 'inserted')}, and CCM delivery at 7.5 V produced no extracardiac stimulation.")
    p.append(rng.choice(["Defibrillation testing was not performed per current practice.",
                         "Ventricular fibrillation was induced and terminated successfully with a single shock at 10 J less than maximal output."]))
    p.append(closure(facts, rng))
    blocks = [f"PREOPERATIVE DIAGNOSIS:\n{pre}", "POSTOPERATIVE DIAGNOSIS: Same.",
              "PROCEDURES PERFORMED:\n" + "\n".join(f"{i}. {x}" for i, x in enumerate(items, 1)),
              f"SURGEON: {rng.choice(SURGEONS)}", f"ANESTHESIA: {cap(facts.sedation)}.",
              f"INDICATIONS FOR PROCEDURE: The patient is a {facts.age}-year-old with {facts.cardiomyopathy}, EF {facts.ef}%, NYHA class {facts.nyha}, with an indication for both a {m('defibrillator', 'OTHER_DEVICE', 'none', 'hypothetical')} and CCM therapy; a combined CCM-D device was chosen.",
              "DESCRIPTION OF PROCEDURE: " + " ".join(p)]
    blocks += trailer(facts, rng, "Stable to telemetry overnight.")
    return "\n\n".join(blocks)


# --------------------------------------------------------------------------- other-device work


OTHER_DETAIL = {
    "dual-chamber pacemaker": ("implantation of a dual-chamber permanent pacemaker", "symptomatic sinus node dysfunction"),
    "dual-chamber ICD": ("implantation of a dual-chamber ICD", "primary prevention of sudden cardiac death"),
    "ICD": ("ICD procedure", "ventricular arrhythmia"),
    "CRT-D": ("upgrade to a CRT-D", "left bundle branch block with worsening heart failure"),
    "pacemaker": ("pacemaker generator change", "complete heart block"),
    "leadless pacemaker": ("implantation of a leadless pacemaker", "symptomatic bradycardia with permanent atrial fibrillation"),
    "loop recorder": ("implantation of an implantable loop recorder", "recurrent unexplained syncope"),
    "spinal cord stimulator": ("replacement of a spinal cord stimulator generator", "chronic lumbar radiculopathy"),
    "vagus nerve stimulator": ("replacement of a vagus nerve stimulator generator", "medically refractory epilepsy"),
    "hypoglossal nerve stimulator": ("implantation of a hypoglossal nerve stimulator", "moderate to severe obstructive sleep apnea intolerant of CPAP"),
    "baroreflex activation system": ("implantation of a baroreflex activation therapy system", "heart failure with reduced ejection fraction"),
    "Port-A-Cath": ("placement of a Port-A-Cath", "need for long-term chemotherapy"),
}


def other_work_sentences(dev, facts: NoteFacts, rng: random.Random) -> tuple[str, list[str], str]:
    """Procedure line, narrative sentences and indication for non-CCM device work."""
    side = dev.side
    kind, work = dev.kind, dev.work
    O = lambda t, a, *f: m(t, "OTHER_DEVICE", a, *f)
    acc = m(f"{side} {rng.choice(['axillary', 'subclavian'])} vein", "VENOUS_ACCESS")
    pk = m(f"{side} prepectoral pocket", "POCKET")
    fl = fluoro(rng)
    s: list[str] = []
    if kind == "leadless pacemaker":
        proc = f"Implantation of {O('leadless pacemaker', 'inserted')} ({dev.maker})."
        s.append(f"The {m('right femoral vein', 'VENOUS_ACCESS')} was accessed with ultrasound guidance and a 27 French introducer sheath was placed.")
        s.append(f"Under {fl} the delivery catheter was advanced across the tricuspid valve and the {O('leadless pacemaker', 'inserted')} was deployed on the mid to low right ventricular septum; tug test confirmed fixation, R wave 9 mV, impedance 650 ohms, threshold 0.5 V.")
        s.append("The sheath was removed and hemostasis was obtained with a figure-of-eight suture.")
    elif kind == "loop recorder":
        proc = f"Insertion of {O('implantable loop recorder', 'inserted')}."
        s.append(f"A small incision was made in the left parasternal region and the {O('loop recorder', 'inserted')} was inserted with the insertion tool; R waves measured 0.6 mV. The incision was closed with Steri-Strips.")
    elif kind == "Port-A-Cath":
        proc = f"Placement of {O('Port-A-Cath', 'inserted')} via the {m(side + ' subclavian vein', 'VENOUS_ACCESS')} under {fl}."
        s.append(f"The {m(side + ' subclavian vein', 'VENOUS_ACCESS')} was punctured and a guidewire passed under {fluoro(rng)}. A {m('subcutaneous pocket', 'POCKET')} was created on the {side} chest, the {O('catheter', 'inserted')} was tunneled and cut to length with its tip at the cavoatrial junction, and the {O('port', 'inserted')} was sutured in the pocket and accessed to confirm blood return.")
    elif kind == "spinal cord stimulator":
        proc = f"Replacement of {O('spinal cord stimulator generator', 'removed')}."
        s.append(f"The prior flank incision was opened, the depleted {O('spinal cord stimulator IPG', 'removed')} was removed from its pocket and the {O('stimulator leads', 'retained')} were disconnected. A new {O('IPG', 'inserted')} was connected, impedances were normal, and it was placed in the pocket.")
    elif kind == "vagus nerve stimulator":
        proc = f"Replacement of {O('vagus nerve stimulator generator', 'removed')}."
        s.append(f"The left chest incision was opened, the {O('VNS generator', 'removed')} was removed and the {O('vagus nerve lead', 'retained')} was disconnected. The new {O('generator', 'inserted')} was connected and diagnostics showed normal lead impedance.")
    elif kind == "hypoglossal nerve stimulator":
        proc = f"Implantation of {O('hypoglossal nerve stimulator', 'inserted')}."
        s.append(f"Through a submandibular incision the hypoglossal nerve was exposed and the {O('stimulation cuff electrode', 'inserted')} placed around the protrusor branches. A {O('sensing lead', 'inserted')} was placed in the intercostal space and the {O('IPG', 'inserted')} was placed in a {m('right infraclavicular pocket', 'POCKET')}; tongue protrusion was confirmed with stimulation.")
    elif kind == "baroreflex activation system":
        proc = f"Implantation of {O('baroreflex activation therapy system', 'inserted')}."
        s.append(f"Through a neck incision the carotid bifurcation was exposed, the {O('carotid sinus lead', 'inserted')} was mapped and sutured in place, tunneled to a {m('right infraclavicular pocket', 'POCKET')} and connected to the {O('Barostim generator', 'inserted')}.")
    elif work == "generator change":
        nm = "ICD" if "ICD" in kind else "pacemaker"
        proc = f"{cap(nm)} generator change ({dev.maker})."
        s.append(f"The prior incision over the {m(side + ' ' + nm + ' pocket', 'POCKET')} was opened and the {O(nm + ' generator', 'removed')} was removed from the pocket and disconnected from the {O(nm + ' leads', 'retained')}.")
        s.append(f"The leads were tested with satisfactory values and connected to a new {O(dev.maker + ' ' + nm + ' generator', 'inserted')}.")
    elif work == "upgrade":
        proc = f"Upgrade to {O('CRT-D', 'inserted')} with placement of {O('coronary sinus lead', 'inserted')}."
        s.append(f"The {pk} was opened, the old {O('ICD generator', 'removed')} was disconnected and removed, and the {acc} was accessed under {fl}.")
        s.append(f"The coronary sinus was cannulated and an occlusive {m('venogram', 'IMAGING')} obtained; the {O('left ventricular lead', 'inserted')} was placed in a lateral branch without phrenic stimulation. The leads were connected to the new {O('CRT-D generator', 'inserted')}.")
    elif work == "lead revision":
        proc = f"Revision of {O('ICD lead', 'inserted')}."
        s.append(f"The {pk} was opened and the {O('ICD generator', 'retained')} disconnected. The fractured {O('defibrillator lead', 'abandoned')} was capped and abandoned, and via the {acc} a new {O('RV defibrillator lead', 'inserted')} was placed at the RV apex under {fl}, then connected to the generator.")
    else:  # new transvenous implant: dual-chamber pacemaker or ICD
        nm = "ICD" if "ICD" in kind else "pacemaker"
        proc = f"Implantation of {O(kind, 'inserted')} ({dev.maker})."
        s.append(f"A {pk} was created and the {acc} accessed twice under {fl}.")
        s.append(f"The {O(('RV defibrillator lead' if nm == 'ICD' else 'right ventricular pacing lead'), 'inserted')} was screwed into the RV septum and the {O(nm + ' atrial lead', 'inserted')} into the right atrial appendage with satisfactory values, and both were connected to the {O(nm + ' generator', 'inserted')}.")
    _label, why = OTHER_DETAIL.get(kind, (kind, "device indication"))
    return proc, s, why


def other_device_note(facts: NoteFacts, rng: random.Random) -> str:
    _he, _his, _him = pro(facts)
    dev = facts.other_devices[-1]
    proc, s, why = other_work_sentences(dev, facts, rng)
    has_ccm = facts.device_family == "ccm"
    hist = []
    pre = [f"{cap(why)}."]
    if has_ccm:
        gen = facts.old_generator
        pre.append(f"{cap(facts.cardiomyopathy)}, EF {facts.ef}%, with an existing {system_span(rng, 'none', gen.model)}.")
        hist.append(history_old_system(facts, rng))
    pectoral = dev.kind not in ("loop recorder", "leadless pacemaker", "spinal cord stimulator", "vagus nerve stimulator",
                                "hypoglossal nerve stimulator", "baroreflex activation system", "Port-A-Cath")
    if pectoral:
        body = arrival(facts, rng)[:2] + [prep(facts, rng).replace(facts.side, dev.side)] + s
    else:
        room = "operating room" if dev.kind not in ("loop recorder", "leadless pacemaker") else "electrophysiology laboratory"
        body = [f"The patient was brought to the {room} in a fasting state and placed supine.",
                arrival(facts, rng)[1],
                "The operative field was prepped and draped in the usual sterile fashion and local anesthesia was obtained with 1% lidocaine."] + s
    if has_ccm:
        gen = facts.old_generator
        body.insert(2, rng.choice([
            f"The patient's {system_span(rng, 'retained', gen.model)} on the {facts.side} side was left undisturbed; CCM therapy was temporarily suspended with the programmer.",
            f"The {m(gen.model + ' generator', 'PULSE_GENERATOR', 'retained')} in the {facts.side} chest was not part of this procedure, and CCM delivery was turned off during the case.",
        ]))
        if facts.evaluation == "interrogation":
            body.append(f"At the conclusion of the case the {system_span(rng, 'retained', gen.model)} was interrogated with the {facts.settings.programmer}; the {m('septal leads', 'VENTRICULAR_LEAD', 'retained', 'count=2')} showed stable impedances, CCM delivery was resumed and no programming changes were made.")
        else:
            body.append(f"CCM therapy was re-enabled at the end of the case; the {m('CCM leads', 'LEAD', 'retained', 'count=2')} were not manipulated.")
    body.append(rng.choice(["Hemostasis was obtained and the incision closed in layers.", "The wound was closed in layers with absorbable suture and a sterile dressing applied."])
                if dev.kind not in ("loop recorder", "leadless pacemaker") else "A sterile dressing was applied.")
    body.append("The patient tolerated the procedure well.")
    ind = f"The patient is a {facts.age}-year-old {'man' if facts.sex == 'male' else 'woman'} with {why}. " + " ".join(hist)
    blocks = ["PREOPERATIVE DIAGNOSIS:\n" + "\n".join(f"{i}. {x}" for i, x in enumerate(pre, 1)),
              "POSTOPERATIVE DIAGNOSIS: Same.",
              f"PROCEDURE PERFORMED: {proc}",
              f"SURGEON: {rng.choice(SURGEONS)}",
              f"ANESTHESIA: {cap(facts.sedation)} and local lidocaine.",
              f"INDICATIONS FOR PROCEDURE: {ind.strip()}",
              "DESCRIPTION OF PROCEDURE: " + " ".join(body)]
    blocks += trailer(facts, rng, rng.choice(["Stable to recovery.", "Discharged home the same day after observation."]))
    return "\n\n".join(blocks)


# --------------------------------------------------------------------------- clinic (S15)


def clinic_note(facts: NoteFacts, rng: random.Random) -> str:
    he, _his, _him = pro(facts)
    gen = facts.old_generator
    s = facts.settings
    v = facts.leads_with("untouched")
    pct = rng.choice([88, 91, 94, 96, 98])
    blocks = ["DEVICE CLINIC NOTE", f"REASON FOR VISIT: Routine follow-up of {system_span(rng, 'tested', gen.model)}."]
    blocks.append(f"HISTORY: The patient is a {facts.age}-year-old with {facts.cardiomyopathy}, EF {facts.ef}%, NYHA class {facts.nyha}. "
                  f"{history_old_system(facts, rng)} {cap(he)} reports {rng.choice(['improved exercise tolerance', 'stable symptoms', 'no change in dyspnea'])} and charges the device {rng.choice(['daily', 'every other day', 'several times a week'])} with the {s.charger}."
                  + (f" {cap(he)} also has a {m(facts.icd.kind, 'OTHER_DEVICE', 'none')} followed in this clinic." if facts.icd else ""))
    inter = [f"The {gen_model_span(gen, rng, 'tested')} was interrogated in person with the {s.programmer} programmer.",
             f"Battery status was adequate. CCM therapy was delivered {pct}% of the scheduled time over {s.hours_per_day} hours per day."]
    for lead in v:
        wave = "P wave" if lead.chamber == "atrial" else "R wave"
        inter.append(f"{cap_span(lead_span(lead, rng, 'tested'))} impedance {lead.impedance_ohm} ohms, {wave} {lead.sensing_mv} mV.")
    blocks.append("INTERROGATION FINDINGS: " + " ".join(inter))
    if facts.evaluation == "programming":
        ch = "\n".join(f"{i}. {cap(x)}." for i, x in enumerate(facts.programming_changes, 1))
        blocks.append(f"PROGRAMMING CHANGES:\n{ch}\nThresholds and sensing were retested after each change.")
        imp = f"Functioning {system_span(rng, 'tested')} with reprogramming as above."
    else:
        blocks.append("PROGRAMMING CHANGES: None. Current settings were left unchanged.")
        imp = f"Normally functioning {system_span(rng, 'tested')}; interrogation only, no changes."
    blocks.append(f"IMPRESSION: {imp}")
    blocks.append(f"PLAN: Continue daily charging with the {s.charger}. Return to device clinic in {rng.choice(['3', '6'])} months or sooner as needed.")
    return "\n\n".join(blocks)


# --------------------------------------------------------------------------- consult (S24)


def consult_note(facts: NoteFacts, rng: random.Random) -> str:
    he, _his, _him = pro(facts)
    plan = facts.planned
    blocks = ["ELECTROPHYSIOLOGY CONSULTATION",
              f"REASON FOR CONSULTATION: Evaluation for {m('cardiac contractility modulation device', 'CCM_SYSTEM', 'none', 'hypothetical')}."]
    hpi = (f"HISTORY OF PRESENT ILLNESS: The patient is a {facts.age}-year-old {'man' if facts.sex == 'male' else 'woman'} with {facts.cardiomyopathy} and an ejection fraction of {facts.ef}% "
           f"who continues to have NYHA class {facts.nyha} symptoms despite maximally tolerated guideline-directed therapy. The QRS duration is {facts.qrs_ms} msec, so {he} is not a candidate for resynchronization.")
    if facts.icd:
        hpi += f" {cap(he)} has a {m(facts.icd.maker + ' ' + facts.icd.kind, 'OTHER_DEVICE', 'none', 'historical')} implanted previously for primary prevention, without therapies."
    blocks.append(hpi)
    blocks.append("PHYSICAL EXAMINATION: Jugular venous pressure is mildly elevated. Lungs are clear. Regular rhythm without gallop. Trace bilateral edema.")
    a_plan = "with an atrial lead" in plan
    lines = [f"Recommend {m('CCM system', 'CCM_SYSTEM', 'none', 'hypothetical')} implantation"
             + (" after a repeat echocardiogram confirms the ejection fraction remains in the 25 to 45% range." if "echocardiogram" in plan else ".")]
    lines.append(f"The planned approach is a {m(facts.side + ' pectoral pocket', 'POCKET')} with {m('two right ventricular septal leads', 'VENTRICULAR_LEAD', 'none', 'hypothetical', 'count=2')}"
                 + (f" and a {m('right atrial lead', 'ATRIAL_LEAD', 'none', 'hypothetical')}" if a_plan else "") + f" via the {m(facts.side + ' axillary vein', 'VENOUS_ACCESS')}.")
    if facts.icd:
        lines.append(f"The existing {m(facts.icd.kind, 'OTHER_DEVICE', 'none')} is on the {facts.icd.side} side and will be left in place; device-device interaction testing will be performed at implant.")
    lines.append("Risks and benefits were discussed at length and the patient wishes to proceed.")
    blocks.append("IMPRESSION AND PLAN:\n" + "\n".join(f"{i}. {x}" for i, x in enumerate(lines, 1)))
    return "\n\n".join(blocks)


# --------------------------------------------------------------------------- non-device CCM (S18)


def non_device_note(facts: NoteFacts, rng: random.Random) -> str:
    he, _his, _him = pro(facts)
    icd = (f" {cap(he)} has a {m(facts.icd.kind, 'OTHER_DEVICE', 'none')} followed by cardiology." if facts.icd else "")
    if facts.ccm_meaning == "chronic care management":
        mins = rng.choice([20, 25, 35, 40, 60])
        blocks = ["CHRONIC CARE MANAGEMENT (CCM) MONTHLY SUMMARY",
                  f"CHRONIC CONDITIONS: 1. Heart failure with reduced ejection fraction, EF {facts.ef}%. 2. Type 2 diabetes mellitus. 3. Chronic kidney disease stage 3.",
                  f"SERVICES PROVIDED: {mins} minutes of clinical staff time were spent this calendar month on non-face-to-face care coordination, including medication reconciliation, telephone follow-up of daily weights and coordination with the heart failure clinic.{icd}",
                  "CARE PLAN: The comprehensive care plan was reviewed and updated. Patient consent for CCM services is on file. The patient was reminded to call for weight gain greater than 3 pounds in a day.",
                  "IMPRESSION: Ongoing CCM enrollment. Continue monthly outreach."]
    else:
        blocks = ["NEUROSURGERY CLINIC NOTE",
                  f"HISTORY OF PRESENT ILLNESS: The patient is a {facts.age}-year-old with a known cerebral cavernous malformation (CCM) of the {rng.choice(['right frontal lobe', 'left temporal lobe', 'pons'])}, followed with serial MRI. Past history includes {facts.cardiomyopathy} with EF {facts.ef}%.{icd}",
                  "IMAGING: Susceptibility-weighted MRI shows a stable lesion without evidence of new hemorrhage.",
                  "IMPRESSION: Stable cerebral CCM, no recent hemorrhage.",
                  "PLAN: Repeat MRI in 12 months. No surgical intervention indicated at this time."]
    return "\n\n".join(blocks)


# --------------------------------------------------------------------------- entry point


def render(facts: NoteFacts, rng: random.Random) -> str:
    return route(facts, rng, non_device=non_device_note, other_device=other_device_note, ccm_d=ccmd_note, clinic=clinic_note, consult=consult_note, aborted=aborted_note, procedure=ccm_procedure_note)


FAMILY = Family(
    name="formal_dictated",
    style="dictation",
    description="Community-hospital transcribed dictation: ALL-CAPS colon headers, numbered procedure lists, long past-tense narrative.",
    render=render,
)
