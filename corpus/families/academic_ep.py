"""Academic electrophysiology lab: attending procedure report.

A "Procedure Date / Attending / Fellow" block, Title-Case section names on their
own lines ("History of Present Illness", "Procedure Details", "Measurements",
"Summary", "Recommendations"), procedure details in the first person plural
("We obtained access..."), measurements as a prose paragraph and numbered
conclusions. Device-clinic notes are SOAP-like prose; consults end in
Assessment / Plan.
"""

from __future__ import annotations

import random

from corpus.facts import Lead, NoteFacts
from corpus.families import Family, route


def m(text: str, label: str, action: str | None = None, *flags: str) -> str:
    attrs = label
    if action or flags:
        attrs += "|" + (action or "none")
    if flags:
        attrs += "|" + ",".join(flags)
    return f"[{text}]({attrs})"


def cap(s: str) -> str:
    if s.startswith("["):
        return "[" + s[1:2].upper() + s[2:]
    return s[:1].upper() + s[1:]


WORD = {1: "one", 2: "two", 3: "three"}
ATTENDINGS = ["Priya Raman, MD", "Jonathan Feld, MD, PhD", "Claire Osei, MD", "Marcus Lindqvist, MD",
              "Elena Petrova, MD", "David Abernathy, MD"]
FELLOWS = ["Kevin Tran, MD", "Sara Haddad, MD", "Luis Moreno, MD", "Aisha Bello, MD", "Tom Becker, MD"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


def pr(facts: NoteFacts):
    return ("he", "his", "him", "Mr.") if facts.sex == "male" else ("she", "her", "her", "Ms.")


def date(rng: random.Random) -> str:
    return f"{rng.choice(MONTHS)} {rng.randrange(1, 29)}, {rng.choice([2023, 2024, 2025])}"


def vein(facts: NoteFacts, rng: random.Random) -> str:
    side = facts.side
    if facts.access == "axillary":
        t = rng.choice([f"{side} axillary vein", "axillary vein", f"extrathoracic {side} axillary vein"])
    elif facts.access == "subclavian":
        t = rng.choice([f"{side} subclavian vein", "subclavian vein"])
    else:
        t = rng.choice([f"{side} cephalic vein", "cephalic vein"])
    return m(t, "VENOUS_ACCESS")


def pocket(facts: NoteFacts, rng: random.Random, existing: bool = False) -> str:
    if existing:
        return m(rng.choice(["existing pocket", f"{facts.side} chest pocket", "CCM pocket",
                             f"{facts.side} pectoral pocket"]), "POCKET")
    if facts.pocket == "subpectoral":
        return m(rng.choice([f"{facts.side} subpectoral pocket", "submuscular pocket"]), "POCKET")
    return m(rng.choice([f"{facts.side} prepectoral pocket", f"{facts.side} infraclavicular pocket",
                         "subcutaneous pocket"]), "POCKET")


def img(rng: random.Random) -> str:
    return m(rng.choice(["fluoroscopy", "fluoroscopic guidance", "fluoroscopy"]), "IMAGING")


def lead_name(lead: Lead, rng: random.Random, prefix: str = "") -> tuple[str, str]:
    if lead.chamber == "atrial":
        t, lab = rng.choice(["RA lead", "right atrial lead", "atrial lead", "RA sensing lead"]), "ATRIAL_LEAD"
    elif lead.channel in ("RV", "LS"):
        t, lab = rng.choice([f"{lead.channel} lead", f"{lead.channel} channel lead", "RV septal lead"]), "VENTRICULAR_LEAD"
    elif lead.channel in ("V1", "V2"):
        t, lab = rng.choice([f"{lead.channel} lead", f"{lead.channel} electrode", "septal lead"]), "VENTRICULAR_LEAD"
    else:
        if prefix and rng.random() < 0.35:
            t, lab = lead.channel, "LEAD"
        else:
            t, lab = rng.choice([f"septal {lead.channel}", f"RV {lead.channel}", f"septal {lead.channel}"]), "VENTRICULAR_LEAD"
    return f"{prefix} {t}".strip(), lab


def ld(lead: Lead, rng: random.Random, action: str, prefix: str = "", *flags: str) -> str:
    t, lab = lead_name(lead, rng, prefix)
    return m(t, lab, action, *flags)


def leads_phrase(leads: list[Lead], rng: random.Random, action: str, prefix: str = "", *flags: str) -> str:
    if len(leads) == 1:
        return ld(leads[0], rng, action, prefix, *flags)
    n = len(leads)
    if all(x.chamber == "ventricular" for x in leads):
        head = WORD[n]
        noun = rng.choice(["septal leads", "RV septal leads", "ventricular leads", "RV leads"])
        return m(" ".join(x for x in (head, prefix, noun) if x), "VENTRICULAR_LEAD", action, *flags, f"count={n}")
    return m(" ".join(x for x in (WORD[n], prefix, "leads") if x), "LEAD", action, *flags, f"count={n}")


def where(lead: Lead, rng: random.Random) -> str:
    p = lead.position
    if lead.chamber == "ventricular" and rng.random() < 0.35 and not p.startswith("RV"):
        p = "RV " + p
    return m(p, "LEAD_POSITION")


def gen(g, rng: random.Random, action: str, prefix: str = "", *flags: str) -> str:
    noun = rng.choice(["generator", "pulse generator", "IPG"])
    t = f"{prefix} {g.model} {noun}" if rng.random() < 0.6 else f"{prefix} {noun}"
    return m(t.strip(), "PULSE_GENERATOR", action, *flags)


def gen_bare(rng: random.Random, action: str, prefix: str = "", *flags: str) -> str:
    return m(f"{prefix} {rng.choice(['generator', 'IPG', 'pulse generator'])}".strip(), "PULSE_GENERATOR", action, *flags)


def system(rng: random.Random, action: str, model: str | None = None, *flags: str) -> str:
    opts = ["CCM system", "cardiac contractility modulation (CCM) system", "CCM device", "Impulse Dynamics system"]
    if model:
        opts += [model, f"{model} system"]
    return m(rng.choice(opts), "CCM_SYSTEM", action, *flags)


def values(lead: Lead, rng: random.Random, name: str) -> str:
    wave = "P-wave" if lead.chamber == "atrial" else "R-wave"
    return rng.choice([
        f"The {name} showed an {wave} amplitude of {lead.sensing_mv} mV, a pacing impedance of {lead.impedance_ohm} ohms and a capture threshold of {lead.threshold_v} V at 0.5 ms.",
        f"For the {name}, sensed {wave}s measured {lead.sensing_mv} mV, impedance was {lead.impedance_ohm} ohms and the threshold was {lead.threshold_v} V at 0.5 ms.",
        f"The {name} measured {lead.sensing_mv} mV sensing, {lead.impedance_ohm} ohms and {lead.threshold_v} V threshold at 0.5 ms.",
    ])


# --------------------------------------------------------------------------- header and history


def header(facts: NoteFacts, rng: random.Random, title: str) -> list[str]:
    _he, _his, _him, _hon = pr(facts)
    lines = [title, "", f"Procedure Date: {date(rng)}", f"Attending: {rng.choice(ATTENDINGS)}"]
    if rng.random() < 0.85:
        lines.append(f"Fellow: {rng.choice(FELLOWS)}")
    if rng.random() < 0.5:
        lines.append(f"Referring Physician: {rng.choice(['Heart Failure Program', 'Advanced Heart Failure Clinic', 'outside cardiologist'])}")
    lines.append(f"Anesthesia: {facts.sedation}" + (" (anesthesiology)" if facts.sedation in ("general anesthesia", "monitored anesthesia care") else " administered by EP nursing under attending supervision"))
    return ["\n".join(lines)]


def icd_hist(facts: NoteFacts, rng: random.Random) -> str:
    d = facts.icd
    if not d:
        return ""
    return rng.choice([
        f" {pr(facts)[0].capitalize()} has a {m(d.maker + ' ' + d.kind, 'OTHER_DEVICE', 'none', 'historical')} implanted previously on the {d.side} side.",
        f" A {m(d.kind, 'OTHER_DEVICE', 'none', 'historical')} was placed years ago for primary prevention and has not delivered therapy.",
    ])


def hpi(facts: NoteFacts, rng: random.Random) -> str:
    he, his, _him, hon = pr(facts)
    s = facts.scenario
    out = [f"{hon} Doe is a {facts.age}-year-old with {facts.cardiomyopathy} (LVEF {facts.ef}%) and NYHA class {facts.nyha} symptoms on optimized GDMT."]
    out.append(icd_hist(facts, rng).strip())
    old = facts.generator_with("removed", "retained", "repositioned")
    newg = facts.new_generator
    if s in ("S1", "S2", "S3", "S23", "S19", "S20", "S21"):
        out.append(f"QRS duration is {facts.qrs_ms} ms, so {he} does not meet criteria for CRT, and {he} was referred for CCM therapy after discussion at our heart failure device conference.")
    elif s == "S4":
        hist = m("two septal leads", "VENTRICULAR_LEAD", "none", "historical", "count=2")
        r = newg.reason
        if "infection" in r:
            out.append(f"{cap(his)} original {m('CCM generator', 'PULSE_GENERATOR', 'none', 'historical')} was explanted for a superficial pocket infection; the {hist} were left capped. {cap(he)} completed antibiotics and presents for generator re-implantation.")
        elif "unavailable" in r:
            out.append(f"At the index procedure we placed {hist}; a generator was not available that day, and {he} returns for the generator.")
        else:
            out.append(f"This is the second stage of a planned staged implant: {hist} were placed several weeks ago to allow maturation before connection to a generator.")
    elif old is not None:
        yr = facts.original_implant_year
        sysm = m(f"{old.model} system", "CCM_SYSTEM", "none", "historical")
        out.append(f"{cap(he)} received an {sysm} at an outside hospital in {yr}." if yr and rng.random() < 0.5
                   else f"{cap(his)} {sysm} was implanted here in {yr}." if yr else f"{cap(he)} has an existing {system(rng, 'none', old.model)}.")
        if s == "S5":
            out.append(f"Remote monitoring showed the {gen_bare(rng, 'none')} reached {old.reason}, and {he} presents for generator replacement.")
        elif s == "S12":
            out.append(f"The {gen_bare(rng, 'none')} has reached {old.reason}, and one {m('septal lead', 'VENTRICULAR_LEAD', 'none')} has shown rising impedance with noise on interrogation.")
        elif s == "S13":
            out.append(f"{cap(he)} now presents with {old.reason}; after infectious disease and heart failure input we recommended complete system removal.")
        elif s == "S6":
            out.append(f"CCM delivery has been reduced by inappropriate timing, and we recommended adding an {m('atrial sensing lead', 'ATRIAL_LEAD', 'none', 'hypothetical')}.")
        elif s == "S7":
            out.append(f"The existing {m('RA lead', 'ATRIAL_LEAD', 'none')} has shown intermittent loss of atrial sensing and an impedance rise.")
        elif s in ("S8", "S9"):
            out.append(f"Device checks showed a progressive rise in impedance on one {m('ventricular lead', 'VENTRICULAR_LEAD', 'none')}, concerning for conductor fracture.")
        elif s == "S10":
            out.append(f"Both {m('ventricular leads', 'VENTRICULAR_LEAD', 'none', 'count=2')} now show abnormal impedances with loss of CCM delivery.")
        elif s == "S11":
            out.append(f"Follow-up chest radiography after implant showed a change in position of one {m('septal lead', 'VENTRICULAR_LEAD', 'none')} with loss of capture.")
        elif s == "S14":
            out.append(f"{cap(he)} has pocket pain and the {gen_bare(rng, 'none')} sits laterally over the axilla; relocation was recommended.")
        elif s == "S22":
            out.append(f"The {gen_bare(rng, 'none')} is at {old.reason} and both {m('chronic leads', 'LEAD', 'none', 'count=2')} have failed, so we planned a complete system replacement.")
    return " ".join(x for x in out if x)


# --------------------------------------------------------------------------- CCM procedure report


def procedures_list(facts: NoteFacts, rng: random.Random) -> list[str]:
    items = []
    newg = facts.new_generator
    old = facts.generator_with("removed", "retained", "repositioned")
    ins = facts.leads_with("inserted")
    if newg and ins and not old:
        items.append(f"Implantation of {system(rng, 'inserted', newg.model)}")
    if old and old.fate == "removed":
        items.append(f"Explant of {gen(old, rng, 'removed')}")
    if newg:
        items.append(f"Implant of {gen(newg, rng, 'inserted', 'new' if old else '')}")
    v = [x for x in ins if x.chamber == "ventricular"]
    a = [x for x in ins if x.chamber == "atrial"]
    if v:
        items.append(f"Implant of {leads_phrase(v, rng, 'inserted')}")
    if a:
        items.append(f"Implant of {ld(a[0], rng, 'inserted')}")
    for fate, verb in (("removed", "Extraction of"), ("abandoned", "Abandonment (capping) of"),
                       ("repositioned", "Repositioning of")):
        ls = facts.leads_with(fate)
        if ls:
            items.append(f"{verb} {leads_phrase(ls, rng, fate, 'chronic' if fate != 'repositioned' else '')}")
    if old and old.fate == "repositioned":
        items.append(f"Pocket revision with relocation of {gen_bare(rng, 'repositioned')} to {m(facts.new_pocket, 'POCKET')}")
    if facts.venogram and ins:
        items.append(f"Left/right upper extremity {m('venography', 'IMAGING')}".replace("Left/right", cap(facts.side)))
    return items


def details(facts: NoteFacts, rng: random.Random) -> list[str]:
    he, his, _him, _hon = pr(facts)
    side = facts.side
    newg = facts.new_generator
    old = facts.generator_with("removed", "retained", "repositioned")
    ins = facts.leads_with("inserted")
    ret = facts.leads_with("retained")
    paras = []
    p = [rng.choice([
        "We obtained written informed consent after discussing risks, benefits and alternatives.",
        f"Informed consent was obtained and documented; {he} was brought to the EP laboratory fasting.",
    ])]
    p.append(rng.choice([
        f"{cap(facts.sedation)} was used throughout and the {side} chest was prepped and draped in standard sterile fashion.",
        f"Under {facts.sedation}, we prepped the {side} chest with chlorhexidine and draped in the usual way.",
    ]))
    if facts.icd:
        p.append(rng.choice([
            f"We placed the {m(facts.icd.kind, 'OTHER_DEVICE', 'retained')} in monitor mode and applied external pads.",
            f"Detection on {his} {m(facts.icd.maker + ' ' + facts.icd.kind, 'OTHER_DEVICE', 'retained')} was suspended for the duration of the case.",
        ]))
    p.append(rng.choice(["Cefazolin was given before incision.", "Weight-based vancomycin was given before incision.",
                         "IV antibiotics were administered within an hour of incision."]))
    paras.append(p)

    p = []
    existing = old is not None or (bool(ret) and not ins) or facts.scenario == "S4"
    if facts.venogram and ins:
        p.append(f"A contrast {m('venogram', 'IMAGING')} through a peripheral IV outlined a patent {vein(facts, rng)}.")
    if existing:
        p.append(rng.choice([
            f"We infiltrated lidocaine along the old incision and opened the {pocket(facts, rng, True)} with sharp dissection and cautery.",
            f"After local lidocaine, we reopened the prior incision and entered the {pocket(facts, rng, True)}.",
        ]))
    else:
        p.append(rng.choice([
            f"After local lidocaine we made a {rng.choice(['4', '5', '4.5'])} cm incision parallel to the {side} clavicle and created a {pocket(facts, rng)} with blunt dissection.",
            f"We infiltrated lidocaine with epinephrine, made an infraclavicular incision and fashioned a {pocket(facts, rng)} down to the pectoral fascia.",
        ]))
    if old is not None:
        if old.fate == "removed":
            p.append(rng.choice([
                f"We freed the {gen(old, rng, 'removed')} from the capsule, disconnected it and removed it from the field.",
                f"The {gen(old, rng, 'removed', 'old')} was explanted and sent to the manufacturer for analysis.",
            ]))
        else:
            p.append(f"We delivered the {gen_bare(rng, old.fate, 'existing')} from the pocket and disconnected the leads.")
    if ret:
        if facts.scenario == "S4":
            p.append(f"We identified the capped {leads_phrase(ret, rng, 'retained', 'previously placed')}, removed the caps and tested them through the analyzer cable.")
        else:
            p.append(f"The {leads_phrase(ret, rng, 'retained', 'chronic')} {'were' if len(ret) > 1 else 'was'} tested and performed acceptably, so {'they were' if len(ret) > 1 else 'it was'} kept.")
    for i, lead in enumerate(facts.leads_with("removed")):
        p.append(rng.choice([
            f"We removed the suture sleeve from the {ld(lead, rng, 'removed', 'chronic')} ({where(lead, rng)}), inserted a locking stylet, unscrewed the helix and extracted the lead with steady traction under {img(rng)}.",
            f"Using a locking stylet and gentle counter-traction, we extracted the {ld(lead, rng, 'removed', 'old')} from the {where(lead, rng)} intact.",
        ]))
    ab = facts.leads_with("abandoned")
    if ab:
        pl = len(ab) > 1
        p.append(rng.choice([
            f"The {leads_phrase(ab, rng, 'abandoned', 'chronic')} {'were' if pl else 'was'} not extracted; we capped the connector {'pins' if pl else 'pin'} and secured {'them' if pl else 'it'} in the pocket.",
            f"We elected to abandon the {leads_phrase(ab, rng, 'abandoned', 'old')}, which {'were' if pl else 'was'} capped and buried in the pocket.",
        ]))
    paras.append(p)

    if ins:
        p = []
        n = len(ins)
        if facts.access == "cephalic":
            p.append(f"We isolated the {vein(facts, rng)} in the deltopectoral groove by cutdown and advanced {WORD[n]} {'wires' if n > 1 else 'wire'} under {img(rng)}" + ("; a second wire was passed alongside the first using the retained-wire technique." if n > 1 else "."))
        elif facts.access == "axillary":
            p.append(f"We obtained {WORD[n]} {'punctures' if n > 1 else 'puncture'} of the {vein(facts, rng)} under {img(rng)} with a micropuncture needle, using the first rib as the landmark.")
        else:
            p.append(f"We accessed the {vein(facts, rng)} {'twice' if n == 2 else 'three times' if n == 3 else 'once'} with the Seldinger technique under {img(rng)}.")
        p.append(rng.choice(["Through 7 Fr peel-away sheaths,", "Via peel-away sheaths,", "Through separate sheaths,"]) + " we placed the leads as follows.")
        for lead in [x for x in ins if x.chamber == "ventricular"] + [x for x in ins if x.chamber == "atrial"]:
            if lead.chamber == "ventricular":
                p.append(rng.choice([
                    f"We advanced a {lead.model} on a hand-shaped stylet to the RVOT, pulled back onto the septum and fixed the {ld(lead, rng, 'inserted')} at the {where(lead, rng)}.",
                    f"The {ld(lead, rng, 'inserted')} ({lead.model}) was positioned at the {where(lead, rng)} and the helix deployed.",
                    f"We screwed the {ld(lead, rng, 'inserted')}, a {lead.model}, into the {where(lead, rng)}.",
                ]))
                p.append(rng.choice([
                    "Septal orientation was confirmed in RAO 30 and LAO 40 projections, and a current of injury was present.",
                    "LAO 40 confirmed a septal, not free-wall, trajectory; the paced QRS was narrower than the free-wall morphology.",
                    "A current of injury was seen, and a contrast puff through the sheath was not needed as position was clear in LAO.",
                ]))
            else:
                p.append(f"We then placed the {ld(lead, rng, 'inserted')} ({lead.model}) in the {where(lead, rng)} with a J stylet and fixed the helix.")
        if sum(1 for x in ins if x.chamber == "ventricular") == 2:
            p.append("The two septal electrodes were at least 2 cm apart on fluoroscopy.")
        p.append(rng.choice(["Sleeves were sutured to the pectoralis with 2-0 silk.",
                             "We secured each lead with a suture sleeve and nonabsorbable suture.",
                             "Each sleeve was tied down with 0 Ethibond after adjusting slack."]))
        paras.append(p)

    for lead in facts.leads_with("repositioned"):
        paras.append([
            f"We freed the {ld(lead, rng, 'repositioned', 'displaced')} from its sleeve, reintroduced a stylet and retracted the helix.",
            f"Under {img(rng)} we re-shaped the stylet and moved the lead to the {where(lead, rng)}, confirmed septal position in LAO and redeployed the helix.",
            "The sleeve was re-secured.",
        ])

    p = []
    s = facts.settings
    if facts.stopped_early:
        n = len(ins)
        p.append(f"Before connecting a generator, the case was complicated by {facts.stop_reason}.")
        p.append(f"We therefore did not implant the {m('pulse generator', 'PULSE_GENERATOR', 'none', 'negated')}; the {m('leads' if n > 1 else 'lead', 'LEAD', 'inserted', *([f'count={n}'] if n > 1 else []))} {'were' if n > 1 else 'was'} capped and left coiled in the pocket for a staged connection.")
    else:
        if newg:
            p.append(rng.choice([
                f"We connected the leads to the {gen(newg, rng, 'inserted', 'new')} and confirmed the set screws.",
                f"The leads were attached to the {gen(newg, rng, 'inserted')} and the header was checked.",
            ]))
        elif old is not None and old.fate in ("retained", "repositioned"):
            if old.fate == "repositioned":
                p.append(f"We created a {m(facts.new_pocket, 'POCKET')}, closed the dead space of the old pocket and placed the {gen_bare(rng, 'repositioned')} in the new location.")
            p.append(f"The leads were reconnected to the {gen_bare(rng, old.fate, 'existing')}.")
        if newg or (old is not None and old.fate in ("retained", "repositioned")):
            p.append(rng.choice([
                f"CCM was delivered at 7.5 V without diaphragmatic or pectoral stimulation, and the patient felt nothing. We programmed amplitude {s.amplitude_v} V, train delay {s.train_delay_ms} ms, {s.hours_per_day} h/day with the {s.programmer}.",
                f"We tested CCM delivery at maximal output with no extracardiac capture, then programmed {s.amplitude_v} V with a {s.train_delay_ms} ms train delay for {s.hours_per_day} hours daily ({s.programmer}).",
            ]))
        if old is not None and old.fate == "removed" and not newg:
            p.append("The capsule was partially excised and sent for culture.")
    if facts.icd:
        p.append(f"The {m(facts.icd.kind, 'OTHER_DEVICE', 'retained')} was restored to baseline programming" + (", and there was no oversensing of CCM pulses during CCM delivery." if not facts.stopped_early else "."))
    p.append(rng.choice([
        "We irrigated the pocket with antibiotic solution and closed in three layers with absorbable suture.",
        "The pocket was irrigated and closed in layers with 2-0 and 3-0 Vicryl and 4-0 Monocryl subcuticular; skin glue was applied.",
    ]))
    paras.append(p)
    return [" ".join(x) for x in paras if x]


def measurements(facts: NoteFacts, rng: random.Random) -> str | None:
    leads = facts.leads_with("inserted", "retained", "repositioned")
    if not leads:
        return None
    parts = []
    for lead in leads:
        pre = {"inserted": "new", "retained": "chronic", "repositioned": "repositioned"}[lead.fate]
        t, lab = lead_name(lead, rng, pre)
        parts.append(values(lead, rng, m(t, lab, lead.fate)))
    if facts.fluoro_min:
        parts.append(f"Fluoroscopy time was {facts.fluoro_min} minutes.")
    parts.append(f"Estimated blood loss was {rng.choice(['minimal', 'under 10 mL', '20 mL', '30 mL'])}.")
    return " ".join(parts)


def summary_lines(facts: NoteFacts, rng: random.Random) -> list[str]:
    newg = facts.new_generator
    old = facts.generator_with("removed", "retained", "repositioned")
    ins = facts.leads_with("inserted")
    out = []
    if facts.stopped_early:
        out.append(f"Partial procedure: {leads_phrase(ins, rng, 'inserted')} placed; {m('generator', 'PULSE_GENERATOR', 'none', 'negated')} not implanted because of {facts.stop_reason}.")
    elif newg and ins and not old:
        out.append(f"Successful implantation of {system(rng, 'inserted', newg.model)} with {leads_phrase(ins, rng, 'inserted')}.")
    else:
        bits = []
        if old and old.fate == "removed":
            bits.append(f"explant of the {gen_bare(rng, 'removed', 'old')}")
        if newg:
            bits.append(f"implant of a {gen_bare(rng, 'inserted', 'new')}")
        if ins:
            bits.append(f"placement of {leads_phrase(ins, rng, 'inserted', 'new')}")
        for fate, w in (("removed", "extraction of"), ("abandoned", "capping of"), ("repositioned", "repositioning of")):
            ls = facts.leads_with(fate)
            if ls:
                bits.append(f"{w} {leads_phrase(ls, rng, fate, 'chronic' if fate != 'repositioned' else '')}")
        if old and old.fate == "repositioned":
            bits.append(f"relocation of the {gen_bare(rng, 'repositioned')} to a {m(facts.new_pocket, 'POCKET')}")
        out.append("Successful " + ", ".join(bits[:-1]) + (" and " if len(bits) > 1 else "") + bits[-1] + ".")
    ret = facts.leads_with("retained")
    if ret and not facts.stopped_early:
        out.append(f"{cap(leads_phrase(ret, rng, 'retained', 'chronic'))} retained with stable function.")
    out.append(rng.choice(["No acute complications.", "No procedural complications."]) if not facts.stopped_early else "Procedure stopped early; patient stable.")
    return out


def recommendations(facts: NoteFacts, rng: random.Random) -> list[str]:
    pr(facts)[0]
    out = []
    if facts.stopped_early:
        out.append(f"Return for a staged procedure to connect a {m('CCM generator', 'PULSE_GENERATOR', 'none', 'hypothetical')} once stable.")
    elif facts.generator_with("removed") and not facts.new_generator:
        out.append("IV antibiotics per infectious disease; blood cultures to be followed.")
        out.append(f"Re-implantation of a {m('CCM system', 'CCM_SYSTEM', 'none', 'hypothetical')} can be considered once infection has cleared.")
    else:
        out.append(f"Chest x-ray {rng.choice(['in the morning', 'post-procedure'])} to confirm lead position and exclude pneumothorax.")
        out.append(f"Begin charging with the {facts.settings.charger} at home; device nurse teaching before discharge.")
    out.append("Arm precautions and no lifting over 10 lb for 4 weeks." if facts.leads_with("inserted", "repositioned") else "Wound care instructions given.")
    out.append(f"Wound check in {rng.choice(['7', '10', '7 to 10'])} days; device clinic in {rng.choice(['4', '6'])} weeks.")
    return out


def ccm_report(facts: NoteFacts, rng: random.Random) -> str:
    s = facts.scenario
    titles = {"S5": ["CCM Generator Change", "Device Procedure Report"],
              "S12": ["CCM Generator Change and Lead Revision", "CCM System Revision"],
              "S13": ["CCM System Extraction", "Device Explant"],
              "S14": ["CCM Pocket Revision", "Device Procedure Report"],
              "S20": ["CCM Implant (staged)", "Device Procedure Report"]}
    t = rng.choice(titles.get(s, ["Electrophysiology Procedure Report", "CCM Device Procedure", "Device Procedure Report"]))
    if s in ("S7", "S8", "S9", "S10", "S11"):
        t = rng.choice(["CCM Lead Revision", "Device Procedure Report"])
    blocks = header(facts, rng, t)
    blocks.append("Procedures\n" + "\n".join(f"- {x}" for x in procedures_list(facts, rng)))
    if rng.random() < 0.5:
        blocks.append(f"Indication\n{cap(facts.cardiomyopathy)}, EF {facts.ef}%, NYHA {facts.nyha}.")
    blocks.append("History of Present Illness\n" + hpi(facts, rng))
    blocks.append("Procedure Details\n" + "\n\n".join(details(facts, rng)))
    meas = measurements(facts, rng)
    if meas:
        blocks.append("Measurements\n" + meas)
    blocks.append("Summary\n" + "\n".join(f"{i}. {x}" for i, x in enumerate(summary_lines(facts, rng), 1)))
    blocks.append("Recommendations\n" + "\n".join(f"{i}. {x}" for i, x in enumerate(recommendations(facts, rng), 1)))
    return "\n\n".join(blocks)


# --------------------------------------------------------------------------- aborted (S19)


def aborted_report(facts: NoteFacts, rng: random.Random) -> str:
    _he, _his, _him, _hon = pr(facts)
    r = facts.stop_reason
    blocks = header(facts, rng, rng.choice(["Electrophysiology Procedure Report", "CCM Implant - Aborted"]))
    blocks.append("Procedures\n" + f"- Attempted implantation of {system(rng, 'none', None, 'hypothetical')} (aborted)")
    blocks.append("History of Present Illness\n" + hpi(facts, rng))
    d = ["We obtained informed consent and brought the patient to the EP laboratory fasting.",
         f"{cap(facts.sedation)} was started."]
    if facts.icd:
        d.append(f"The {m(facts.icd.kind, 'OTHER_DEVICE', 'retained')} was placed in monitor mode.")
    if "venous" in r:
        d.append(f"A {m('venogram', 'IMAGING')} showed an occluded {vein(facts, rng)} with collateral drainage, and we could not pass a wire centrally under {img(rng)}.")
    elif "pneumothorax" in r:
        d.append(f"On the first needle pass toward the {vein(facts, rng)} under {img(rng)} we aspirated air, and a pneumothorax was seen on fluoroscopy; a pigtail chest tube was placed.")
    elif "hypotension" in r:
        d.append("Shortly after sedation the patient became persistently hypotensive despite fluids and vasopressors.")
    else:
        d.append("The patient remained agitated despite additional sedation and could not lie still safely.")
    d.append(f"We stopped before any hardware was placed: no {m('leads', 'LEAD', 'none', 'negated')} were implanted and no {m('generator', 'PULSE_GENERATOR', 'none', 'negated')} was opened.")
    blocks.append("Procedure Details\n" + " ".join(d))
    blocks.append("Summary\n" + f"1. Aborted CCM implant because of {r}.\n2. No device implanted.")
    blocks.append("Recommendations\n" + f"1. Reassess and reschedule {m('CCM implant', 'CCM_SYSTEM', 'none', 'hypothetical')}" + (" via the contralateral side or after venoplasty." if "venous" in r else " with general anesthesia." if "agitation" in r else ".") + "\n2. Routine post-procedure monitoring.")
    return "\n\n".join(blocks)


# --------------------------------------------------------------------------- CCM-D (S21)


def ccmd_report(facts: NoteFacts, rng: random.Random) -> str:
    leads = facts.leads_with("inserted")
    blocks = header(facts, rng, "Electrophysiology Procedure Report")
    blocks.append("Procedures\n" + f"- Implantation of {m('OPTIMIZER Integra CCM-D', 'CCM_SYSTEM', 'inserted')} (combined CCM and defibrillator)\n- Implant of {leads_phrase(leads, rng, 'inserted')}")
    blocks.append("History of Present Illness\n" + hpi(facts, rng) + " Given a concurrent primary-prevention defibrillator indication, we chose the combined CCM-D platform.")
    d = [f"Under {facts.sedation} we created a {pocket(facts, rng)} and accessed the {vein(facts, rng)} under {img(rng)}."]
    for lead in leads:
        d.append(f"We fixed the {ld(lead, rng, 'inserted')} at the {where(lead, rng)}.")
    d.append(f"The leads were connected to the {m('Integra CCM-D generator', 'PULSE_GENERATOR', 'inserted')}; CCM delivery at 7.5 V caused no extracardiac stimulation. Defibrillation testing was {rng.choice(['not performed', 'deferred'])}.")
    blocks.append("Procedure Details\n" + " ".join(d))
    blocks.append("Measurements\n" + " ".join(values(x, rng, ld(x, rng, 'inserted')) for x in leads))
    blocks.append("Summary\n1. Successful CCM-D implant.\n2. No complications.")
    blocks.append("Recommendations\n1. Device clinic in 2 weeks.\n2. Arm precautions.")
    return "\n\n".join(blocks)


# --------------------------------------------------------------------------- other device work (S16, S17)


def other_details(dev, rng: random.Random) -> tuple[str, list[str]]:
    O = lambda t, a: m(t, "OTHER_DEVICE", a)
    k, w, side = dev.kind, dev.work, dev.side
    acc = m(f"{side} axillary vein", "VENOUS_ACCESS")
    if k == "leadless pacemaker":
        return (f"Implantation of {O('leadless pacemaker', 'inserted')}",
                [f"We accessed the {m('right femoral vein', 'VENOUS_ACCESS')} under ultrasound and placed the large-bore introducer.",
                 f"Under {img(rng)} the delivery system was steered to the RV septum and the {O('leadless pacemaker', 'inserted')} deployed; tug test and electrical measurements were satisfactory.",
                 "A figure-of-eight stitch was placed at the access site."])
    if k == "loop recorder":
        return (f"Insertion of {O('implantable loop recorder', 'inserted')}",
                [f"We inserted the {O('loop recorder', 'inserted')} through a small parasternal incision with the manufacturer's tool; R-wave sensing was adequate."])
    if k == "Port-A-Cath":
        return (f"Placement of {O('chest port', 'inserted')}",
                [f"We accessed the {m(side + ' internal jugular vein', 'VENOUS_ACCESS')} under ultrasound, created a {m('subcutaneous pocket', 'POCKET')}, tunneled the {O('port catheter', 'inserted')} and positioned the tip at the cavoatrial junction under {img(rng)}."])
    if k == "spinal cord stimulator":
        return (f"Replacement of {O('spinal cord stimulator IPG', 'inserted')}",
                [f"We opened the flank pocket, removed the depleted {O('spinal cord stimulator generator', 'removed')}, connected the {O('existing leads', 'retained')} to a new {O('IPG', 'inserted')} and confirmed impedances."])
    if k == "vagus nerve stimulator":
        return (f"Replacement of {O('vagus nerve stimulator', 'inserted')} generator",
                [f"Through the left chest incision we removed the {O('VNS generator', 'removed')}, connected the {O('VNS lead', 'retained')} to the new {O('generator', 'inserted')} and ran system diagnostics."])
    if k == "hypoglossal nerve stimulator":
        return (f"Implantation of {O('hypoglossal nerve stimulator', 'inserted')}",
                [f"We placed the {O('stimulation cuff', 'inserted')} on the distal hypoglossal nerve, a {O('respiratory sensing lead', 'inserted')} in the intercostal space and the {O('IPG', 'inserted')} in a {m('right infraclavicular pocket', 'POCKET')}."])
    if k == "baroreflex activation system":
        return (f"Implantation of {O('baroreflex activation system', 'inserted')}",
                [f"We mapped the carotid sinus, sutured the {O('carotid sinus lead', 'inserted')}, tunneled it to a {m('right infraclavicular pocket', 'POCKET')} and connected the {O('Barostim IPG', 'inserted')}."])
    nm = "ICD" if "ICD" in k or "CRT" in k else "pacemaker"
    pk = m(f"{side} {nm} pocket", "POCKET")
    if w == "generator change":
        return (f"{nm} generator change",
                [f"We opened the {pk}, removed the {O(nm + ' generator', 'removed')}, tested the {O(nm + ' leads', 'retained')} and connected them to a new {O(dev.maker + ' ' + nm, 'inserted')}."])
    if w == "upgrade":
        return (f"Upgrade to {O('CRT-D', 'inserted')}",
                [f"We opened the {pk} and removed the {O('ICD generator', 'removed')}.",
                 f"Via the {acc} under {img(rng)} we cannulated the coronary sinus, obtained an occlusive {m('CS venogram', 'IMAGING')} and placed the {O('LV lead', 'inserted')} in a posterolateral branch.",
                 f"All leads were connected to the new {O('CRT-D generator', 'inserted')}."])
    if w == "lead revision":
        return (f"{O('ICD lead', 'inserted')} revision",
                [f"We opened the {pk}, disconnected the {O('ICD generator', 'retained')} and capped the failed {O('ICD lead', 'abandoned')}.",
                 f"Via the {acc} under {img(rng)} we placed a new {O('defibrillator lead', 'inserted')} at the RV apex and reconnected the generator."])
    return (f"Implantation of {O(k, 'inserted')}",
            [f"We created a {pk}, accessed the {acc} twice under {img(rng)}, and placed the {O('RA lead of the ' + nm, 'inserted')} and the {O(('RV defibrillator lead' if nm == 'ICD' else 'RV pacing lead'), 'inserted')}, then connected them to the {O(nm + ' generator', 'inserted')}."])


WHY = {"dual-chamber pacemaker": "symptomatic sinus node dysfunction", "dual-chamber ICD": "primary prevention ICD indication",
       "ICD": "ICD at ERI or ICD lead failure", "CRT-D": "new LBBB with worsening LV function", "pacemaker": "pacemaker at ERI",
       "leadless pacemaker": "bradycardia with permanent AF", "loop recorder": "unexplained syncope",
       "spinal cord stimulator": "failed back surgery syndrome, IPG at end of service",
       "vagus nerve stimulator": "refractory epilepsy, VNS battery depleted",
       "hypoglossal nerve stimulator": "obstructive sleep apnea intolerant of CPAP",
       "baroreflex activation system": "HFrEF not eligible for CRT", "Port-A-Cath": "need for long-term IV therapy"}


def other_report(facts: NoteFacts, rng: random.Random) -> str:
    he, _his, _him, hon = pr(facts)
    dev = facts.other_devices[-1]
    proc, d = other_details(dev, rng)
    why = WHY.get(dev.kind, "a device indication")
    if dev.kind == "ICD":
        why = "ICD lead fracture with noise" if dev.work == "lead revision" else "ICD at elective replacement indicator"
    blocks = header(facts, rng, rng.choice(["Electrophysiology Procedure Report", "Device Procedure Report"])
                    if dev.kind not in ("spinal cord stimulator", "vagus nerve stimulator", "hypoglossal nerve stimulator", "Port-A-Cath")
                    else "Procedure Report")
    blocks.append(f"Procedures\n- {proc}")
    h = f"{hon} Doe is a {facts.age}-year-old with {why}."
    ccm = facts.device_family == "ccm"
    if ccm:
        old = facts.old_generator
        h += f" {cap(he)} also has an {m(old.model + ' system', 'CCM_SYSTEM', 'none', 'historical')} implanted in {facts.original_implant_year} on the {facts.side} side for {facts.cardiomyopathy} (EF {facts.ef}%)."
    blocks.append("History of Present Illness\n" + h)
    pre = [f"We obtained consent and prepped the field sterilely under {facts.sedation}."]
    if ccm:
        pre.append(f"CCM delivery from the {m('CCM generator', 'PULSE_GENERATOR', 'retained')} was paused with the programmer; the {system(rng, 'retained')} itself was not opened or manipulated.")
    post = []
    if ccm:
        if facts.evaluation == "interrogation":
            post.append(f"At the end we interrogated the {system(rng, 'retained', facts.old_generator.model)} with the {facts.settings.programmer}: normal lead impedances on the {m('septal leads', 'VENTRICULAR_LEAD', 'retained', 'count=2')}, no changes were made and therapy resumed.")
        else:
            post.append("CCM therapy was resumed at the end of the case.")
    post.append("The incision was closed in layers.")
    blocks.append("Procedure Details\n" + " ".join(pre + d + post))
    blocks.append("Summary\n" + f"1. Successful {proc[0].lower() + proc[1:] if proc[1:2].islower() else proc}.\n2. No complications.")
    blocks.append("Recommendations\n1. Wound check in 7-10 days.\n2. Routine follow-up in the appropriate device clinic.")
    return "\n\n".join(blocks)


# --------------------------------------------------------------------------- clinic (S15)


def clinic(facts: NoteFacts, rng: random.Random) -> str:
    he, his, _him, hon = pr(facts)
    g = facts.old_generator
    st = facts.settings
    blocks = [rng.choice(["Device Clinic Visit", "CCM Device Clinic"]), f"Date: {date(rng)}\nProvider: {rng.choice(ATTENDINGS)}"]
    blocks.append("Subjective\n" + f"{hon} Doe returns for follow-up of {his} {system(rng, 'tested', g.model)} implanted in {facts.original_implant_year} for {facts.cardiomyopathy}. "
                  + rng.choice([f"{cap(he)} feels more energetic and walks farther than before implant.",
                                f"{cap(he)} reports stable NYHA class {facts.nyha} symptoms without hospitalization.",
                                f"{cap(he)} notes occasional chest wall sensation during therapy delivery."])
                  + f" Charging with the {st.charger} {rng.choice(['is done daily', 'takes about 40 minutes weekly', 'has been reliable'])}."
                  + (f" {cap(his)} {m(facts.icd.kind, 'OTHER_DEVICE', 'none')} is followed separately." if facts.icd else ""))
    obj = [f"Blood pressure {rng.randrange(98, 138)}/{rng.randrange(58, 84)}, heart rate {rng.randrange(58, 88)}. Pocket well healed."]
    obj.append(f"We interrogated the {gen(g, rng, 'tested')} in person with the {st.programmer}. CCM therapy delivery was {rng.choice([86, 90, 93, 97])}% of scheduled periods.")
    for lead in facts.leads_with("untouched"):
        obj.append(values(lead, rng, ld(lead, rng, "tested")))
    blocks.append("Objective\n" + " ".join(obj))
    if facts.evaluation == "programming":
        ch = "; ".join(facts.programming_changes)
        ap = f"Functioning {system(rng, 'tested')}. We reprogrammed the device with iterative testing: {ch}. Sensing and CCM delivery were rechecked after each change."
    else:
        ap = f"Normal {system(rng, 'tested')} function on interrogation. No programming changes were made."
    blocks.append("Assessment and Plan\n" + ap + f" Continue current therapy, {st.hours_per_day} hours per day. Return in {rng.choice(['3', '6'])} months; remote checks in between.")
    return "\n\n".join(blocks)


# --------------------------------------------------------------------------- consult (S24)


def consult(facts: NoteFacts, rng: random.Random) -> str:
    _he, _his, _him, hon = pr(facts)
    plan = facts.planned
    blocks = ["Electrophysiology Consultation", f"Date: {date(rng)}\nAttending: {rng.choice(ATTENDINGS)}\nFellow: {rng.choice(FELLOWS)}"]
    blocks.append("Reason for Consultation\n" + f"Candidacy for {m('cardiac contractility modulation', 'CCM_SYSTEM', 'none', 'hypothetical')} therapy.")
    blocks.append("History of Present Illness\n" + f"{hon} Doe is a {facts.age}-year-old with {facts.cardiomyopathy}, LVEF {facts.ef}%, NYHA class {facts.nyha} despite GDMT including an ARNI, beta-blocker, MRA and SGLT2 inhibitor. QRS {facts.qrs_ms} ms." + icd_hist(facts, rng))
    a = [f"{cap(facts.cardiomyopathy)} with persistent symptoms, narrow QRS, EF within the range studied for CCM."]
    p = []
    if "echocardiogram" in plan:
        p.append(f"Repeat echocardiogram; if EF remains 25-45%, proceed with {m('CCM implant', 'CCM_SYSTEM', 'none', 'hypothetical')}.")
    else:
        p.append(f"We recommend implantation of a {m('CCM system', 'CCM_SYSTEM', 'none', 'hypothetical')}.")
    leads = m("two RV septal leads", "VENTRICULAR_LEAD", "none", "hypothetical", "count=2")
    if "atrial" in plan:
        p.append(f"Planned hardware: {leads} plus an {m('RA lead', 'ATRIAL_LEAD', 'none', 'hypothetical')}, {m(facts.side + ' pectoral pocket', 'POCKET')}.")
    else:
        p.append(f"Planned hardware: {leads}, no {m('atrial lead', 'ATRIAL_LEAD', 'none', 'negated')}, {m(facts.side + ' pectoral pocket', 'POCKET')}.")
    if facts.icd:
        p.append(f"Will coordinate with the {m(facts.icd.kind, 'OTHER_DEVICE', 'none')} manufacturer for interaction testing.")
    p.append("Shared decision-making completed; the patient would like to proceed.")
    blocks.append("Assessment\n" + " ".join(a))
    blocks.append("Plan\n" + "\n".join(f"{i}. {x}" for i, x in enumerate(p, 1)))
    return "\n\n".join(blocks)


# --------------------------------------------------------------------------- non-device CCM (S18)


def non_device(facts: NoteFacts, rng: random.Random) -> str:
    he, _his, _him, hon = pr(facts)
    icd = f" {cap(he)} has a {m(facts.icd.kind, 'OTHER_DEVICE', 'none')}." if facts.icd else ""
    if facts.ccm_meaning == "chronic care management":
        return "\n\n".join([
            "Chronic Care Management Note",
            f"Date: {date(rng)}\nCare manager: {rng.choice(['RN care coordinator', 'clinical pharmacist'])}",
            "Subjective\n" + f"Monthly CCM outreach call. {hon} Doe reports stable weights and adherence to diuretics.{icd}",
            "Assessment and Plan\n" + f"Chronic conditions: HFrEF (EF {facts.ef}%), hypertension, CKD. Care plan reviewed; {rng.choice([22, 31, 45])} minutes of CCM time this month. Continue CCM services.",
        ])
    return "\n\n".join([
        "Neurology Clinic Note",
        "Subjective\n" + f"{hon} Doe follows for a cerebral cavernous malformation (CCM) found on MRI after a headache workup. Comorbid {facts.cardiomyopathy}.{icd}",
        "Assessment and Plan\n" + "Single cavernous malformation without hemorrhage. No seizures. Continue observation; MRI in one year. Avoid anticoagulation unless clearly indicated.",
    ])


def render(facts: NoteFacts, rng: random.Random) -> str:
    return route(facts, rng, non_device=non_device, other_device=other_report, ccm_d=ccmd_report, clinic=clinic, consult=consult, aborted=aborted_report, procedure=ccm_report)


FAMILY = Family(
    name="academic_ep",
    style="narrative",
    description="Academic EP attending report: date/attending/fellow block, first-person-plural procedure details, prose measurements, numbered summary.",
    render=render,
)
