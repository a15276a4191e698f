"""Cardiology fellow's post-procedure progress note / brief op note, written fast.

Terse house style: "Procedure:" header line, "s/p", abbreviations (IPG, RA/RV, LS,
pt, yo, HFrEF, NYHA), "-" bullets and sentence fragments, hospital-day framing
(POD0, HD#2, "tolerated well") and plan bullets. Device-clinic visits, consults
and non-procedure notes come out as short follow-up / consult notes.
"""

from __future__ import annotations

import random
import re

from corpus.facts import Lead, NoteFacts
from corpus.families import Family


# --------------------------------------------------------------------------- markup
def _m(text: str, label: str, action: str | None = None, *flags: str, n: int | None = None) -> str:
    extra = list(flags) + ([f"count={n}"] if n and n > 1 else [])
    if flags:
        action = "none"
    if extra:
        return f"[{text}]({label}|{action or 'none'}|{','.join(extra)})"
    if action:
        return f"[{text}]({label}|{action})"
    return f"[{text}]({label})"


def _plural(f: NoteFacts, rng: random.Random, fates: tuple[str, ...], cap: bool = False) -> str | None:
    """A plural 'leads' mention for the CCM leads with these fates, if they share one action."""
    leads = f.leads_with(*fates)
    acts = {_action(x.fate) for x in leads}
    if len(leads) < 2 or len(acts) != 1:
        return None
    n = len(leads)
    word = {2: "both", 3: "all 3"}.get(n, str(n))
    text = _c(rng, f"{word} leads", "leads", f"{n} leads")
    if cap:
        text = text[0].upper() + text[1:]
    return _m(text, "LEAD", acts.pop(), n=n if text.lower() != "leads" else None)


def _cap(text: str) -> str:
    if text.startswith("["):
        return "[" + text[1:2].upper() + text[2:]
    return text[:1].upper() + text[1:]


def _c(rng: random.Random, *opts):
    return rng.choice(opts)


def _model(model: str) -> str:
    return model.split(" (")[0]


_REASON = {"elective replacement indicator": "at ERI", "battery depletion": "w/ battery depletion",
           "end of service": "at EOS", "generator malfunction": "malfunctioning",
           "recall advisory": "under recall advisory"}

_TX = "patient request after heart transplant listing"

_SIDE = {"right": ("R", "right"), "left": ("L", "left")}


def _sd(side: str, rng: random.Random) -> str:
    return rng.choice(_SIDE[side])


def _other_side(side: str) -> str:
    return "left" if side == "right" else "right"


def _action(fate: str) -> str:
    return "retained" if fate == "untouched" else fate


# --------------------------------------------------------------------------- leads
def _lead(lead: Lead, rng: random.Random, action: str, pre: str = "", *flags: str) -> str:
    ch = lead.channel
    if lead.chamber == "atrial":
        text, label = _c(rng, "RA lead", "atrial lead", "RA sensing lead", "RA lead"), "ATRIAL_LEAD"
    elif ch in ("lead 1", "lead 2"):
        text, label = _c(rng, (ch, "LEAD"), (ch, "LEAD"), (f"RV septal {ch}", "VENTRICULAR_LEAD"))
    elif ch in ("V1", "V2"):
        text, label = _c(rng, f"{ch} lead", f"{ch} septal lead"), "VENTRICULAR_LEAD"
    else:
        text, label = _c(rng, f"{ch} lead", f"{ch} septal lead", f"{ch} lead"), "VENTRICULAR_LEAD"
    if pre:
        text = f"{pre} {text}"
    return _m(text, label, action, *flags)


def _pos(lead: Lead, rng: random.Random) -> str:
    p = lead.position
    if lead.chamber == "ventricular" and rng.random() < 0.35 and not p.startswith("RV"):
        p = "RV " + p
    return _m(p, "LEAD_POSITION")


def _meas(lead: Lead, rng: random.Random) -> str:
    wave = "P" if lead.chamber == "atrial" else "R"
    parts = [
        _c(rng, f"{wave} {lead.sensing_mv} mV", f"{wave} wave {lead.sensing_mv} mV", f"{wave}W {lead.sensing_mv}"),
        _c(rng, f"imp {lead.impedance_ohm} ohms", f"{lead.impedance_ohm} ohms", f"Z {lead.impedance_ohm}"),
    ]
    if rng.random() < 0.7:
        parts.append(_c(rng, f"thr {lead.threshold_v} V @ 0.5 ms", f"threshold {lead.threshold_v} V",
                        f"capture {lead.threshold_v} V"))
    return ", ".join(parts)


def _gen(rng: random.Random, action: str, model: str | None = None, pre: str = "", *flags: str) -> str:
    opts = ["IPG", "generator", "IPG", "pulse generator", "can"]
    if model:
        opts += [f"{_model(model)} IPG", f"{_model(model)} generator"]
    text = rng.choice(opts)
    if pre:
        text = f"{pre} {text}"
    return _m(text, "PULSE_GENERATOR", action, *flags)


def _sys(rng: random.Random, action: str, model: str | None = None, *flags: str) -> str:
    opts = ["CCM system", "CCM device", "CCM"]
    if model:
        opts += [_model(model), _model(model), f"{_model(model)} CCM system"]
    return _m(rng.choice(opts), "CCM_SYSTEM", action, *flags)


def _icd(f: NoteFacts, rng: random.Random, action: str, *flags: str) -> str:
    d = f.icd
    return _m(_c(rng, d.kind, f"{d.maker} {d.kind}", d.kind), "OTHER_DEVICE", action, *flags)


def _icd_present(f: NoteFacts) -> bool:
    return bool(f.other_devices) and f.other_devices[0].fate in ("untouched", "retained")


def _access(f: NoteFacts, rng: random.Random, side: str | None = None) -> str:
    s = _sd(side or f.side, rng)
    if f.access == "cephalic":
        return _c(rng, _m(f"{s} cephalic cutdown", "VENOUS_ACCESS"),
                  _m(f"{s} cephalic vein", "VENOUS_ACCESS") + " cutdown")
    if f.access == "subclavian":
        return _c(rng, _m(f"{s} subclavian vein", "VENOUS_ACCESS"), _m(f"{s} subclavian", "VENOUS_ACCESS") + " stick")
    return _c(rng, _m(f"{s} axillary vein", "VENOUS_ACCESS"),
              _m(f"{s} axillary", "VENOUS_ACCESS") + " stick, extrathoracic",
              _m(f"extrathoracic {s} axillary vein", "VENOUS_ACCESS") + " puncture")


def _pocket(f: NoteFacts, rng: random.Random, side: str | None = None) -> str:
    s = _sd(side or f.side, rng)
    return _m(_c(rng, f"{s} {f.pocket} pocket", f"{f.pocket} pocket", f"{s} chest pocket"), "POCKET")


def _fluoro(rng: random.Random) -> str:
    return _m(_c(rng, "fluoro", "fluoroscopy", "Fluoro"), "IMAGING")


def _venogram(rng: random.Random) -> str:
    return _m(_c(rng, "venogram", "venogram", "contrast venogram"), "IMAGING")


def _age(f: NoteFacts, rng: random.Random) -> str:
    sx = _c(rng, "M", "male") if f.sex == "male" else _c(rng, "F", "female")
    return _c(rng, f"{f.age} yo {sx}", f"{f.age}{'M' if f.sex == 'male' else 'F'}", f"{f.age} y/o {sx}")


def _cm(f: NoteFacts, rng: random.Random) -> str:
    short = {"ischemic cardiomyopathy": "ICM", "nonischemic dilated cardiomyopathy": "NICM",
             "idiopathic dilated cardiomyopathy": "idiopathic DCM",
             "hypertensive cardiomyopathy": "HTN CMP"}[f.cardiomyopathy]
    return _c(rng, short, f.cardiomyopathy)


def _pt_line(f: NoteFacts, rng: random.Random) -> str:
    bits = [f"{_age(f, rng)} w/ {_cm(f, rng)}",
            _c(rng, f"HFrEF (EF {f.ef}%)", f"EF {f.ef}%", f"LVEF {f.ef}%"),
            f"NYHA {f.nyha}"]
    if rng.random() < 0.7:
        bits.append(_c(rng, f"QRS {f.qrs_ms} ms", f"narrow QRS ({f.qrs_ms} ms)" if f.qrs_ms < 120 else f"QRS {f.qrs_ms}"))
    if rng.random() < 0.5:
        bits.append(_c(rng, "on GDMT", "on max tolerated GDMT", "GDMT optimized"))
    return ", ".join(bits)


def _hx_icd(f: NoteFacts, rng: random.Random) -> str:
    """History fragment for a present ICD."""
    if not f.other_devices or f.other_devices[0].fate not in ("untouched", "retained"):
        return ""
    d = f.other_devices[0]
    return _c(rng, f", s/p {_icd(f, rng, '', 'historical')} ({_sd(d.side, rng)} chest)",
              f", has {_icd(f, rng, 'none')} in situ",
              f", s/p {_icd(f, rng, '', 'historical')} for primary prevention")


# ------------------------------------------------------------------ procedure kinds
def _kind(f: NoteFacts) -> str:
    if f.device_family == "ccm_d":
        return "ccmd"
    if f.device_family == "other":
        return "other"
    if f.device_family == "none":
        return "none"
    if f.stopped_early:
        return "partial" if f.leads_with("inserted") or f.new_generator else "aborted"
    if not f.generators and not f.leads:
        return "consult"
    gfates = {g.fate for g in f.generators}
    ofate = f.other_devices[-1].fate if f.other_devices else ""
    if any(o.work != "none" for o in f.other_devices) and ofate in ("inserted", "removed"):
        return "otherwork"
    if f.evaluation != "none" and gfates <= {"untouched"}:
        return "clinic"
    new_leads = f.leads_with("inserted")
    if "inserted" in gfates:
        if "removed" in gfates:
            if new_leads:
                return "sysreplace" if not f.leads_with("retained") else "genchange_lead"
            return "genchange"
        return "newsys" if new_leads else "staged"
    if "removed" in gfates:
        return "explant"
    if "repositioned" in gfates:
        return "pocket"
    if f.leads_with("repositioned"):
        return "reposition"
    return "leadwork"


def _title(f: NoteFacts, kind: str, rng: random.Random) -> str:
    ng = f.new_generator
    v_new = f.leads_with("inserted", chamber="ventricular")
    a_new = f.leads_with("inserted", chamber="atrial")
    if kind in ("newsys", "ccmd"):
        n = len(f.leads_with("inserted"))
        leads = _m(_c(rng, f"{n} leads", f"{n} new leads"), "LEAD", "inserted", n=n)
        if kind == "newsys":
            sysm = _sys(rng, "inserted", ng.model)
        else:
            sysm = _m(_c(rng, "OPTIMIZER Integra CCM-D", "CCM-D system", "Integra CCM-D"), "CCM_SYSTEM", "inserted")
        extra = " incl RA" if a_new else ""
        return _c(rng, f"{sysm} implant ({_gen(rng, 'inserted')} + {leads}{extra})", f"new {sysm} implant",
                  f"{sysm} implant")
    if kind == "staged":
        return _c(rng, f"staged {_gen(rng, 'inserted', ng.model)} implant, connected to existing leads"
                  .replace("existing leads", _m("existing leads", "LEAD", "retained")),
                  f"{_gen(rng, 'inserted', ng.model, 'new')} placement (stage 2)")
    if kind == "genchange":
        return _c(rng, f"{_gen(rng, 'inserted', None, 'CCM')} change", f"{_gen(rng, 'inserted', None, 'CCM')} replacement",
                  "device procedure", f"{_gen(rng, 'inserted')} change ({(f.old_generator.reason or 'ERI').replace('generator malfunction', 'malfunction')})")
    if kind == "genchange_lead":
        return _c(rng, f"{_gen(rng, 'inserted')} change + new {_lead(v_new[0], rng, 'inserted')}",
                  f"{_gen(rng, 'inserted', None, 'CCM')} change / {_m('lead', 'LEAD', 'inserted')} revision")
    if kind == "sysreplace":
        return _c(rng, f"{_m('CCM system', 'CCM_SYSTEM', 'inserted')} revision - new {_gen(rng, 'inserted')} + {_m('2 new leads', 'LEAD', 'inserted', n=2)}",
                  "device procedure", f"{_sys(rng, 'inserted')} replacement (entire system)")
    if kind == "explant":
        return _c(rng, f"{_sys(rng, 'removed', f.old_generator.model)} explant",
                  f"{_m('CCM device', 'CCM_SYSTEM', 'removed')} extraction",
                  f"complete {_sys(rng, 'removed')} removal")
    if kind == "pocket":
        return _c(rng, f"{_m('CCM pocket', 'POCKET')} revision", f"{_gen(rng, 'repositioned')} pocket relocation",
                  "device procedure")
    if kind == "reposition":
        return _c(rng, f"{_m('CCM lead', 'LEAD', 'repositioned')} revision",
                  f"{_lead(f.leads_with('repositioned')[0], rng, 'repositioned')} reposition", "lead repositioning"
                  .replace("lead", _m("lead", "LEAD", "repositioned")))
    if kind == "leadwork":
        if a_new and not v_new:
            if f.leads_with("abandoned", "removed"):
                return _c(rng, f"{_lead(a_new[0], rng, 'inserted', 'new')} placement",
                          f"{_m('CCM lead', 'LEAD', 'inserted')} revision", f"{_lead(a_new[0], rng, 'inserted')} replacement")
            return _c(rng, f"{_lead(a_new[0], rng, 'inserted', 'new')} placement",
                      f"{_m('CCM lead', 'LEAD', 'inserted')} addition",
                      f"add {_lead(a_new[0], rng, 'inserted')} to {_sys(rng, 'retained')}")
        return _c(rng, f"{_m('CCM lead', 'LEAD', 'inserted')} revision", "device procedure",
                  f"new {_lead(v_new[0], rng, 'inserted')} placement")
    if kind == "partial":
        return _c(rng, f"attempted {_m('CCM', 'CCM_SYSTEM')} implant (incomplete)",
                  f"{_m('CCM', 'CCM_SYSTEM')} implant - partial, staged")
    if kind == "aborted":
        return _c(rng, f"attempted {_m('CCM', 'CCM_SYSTEM')} implant - aborted",
                  f"{_m('CCM', 'CCM_SYSTEM')} implant attempt", "device procedure (aborted)")
    return "device procedure"


# --------------------------------------------------------------- procedure bullets
def _steps(f: NoteFacts, kind: str, rng: random.Random) -> list[str]:
    b: list[str] = []
    side = f.side
    old_gen = f.old_generator
    new_gen = f.new_generator
    new_leads = f.leads_with("inserted")
    existing_pocket = old_gen is not None and old_gen.fate in ("removed", "retained", "repositioned")

    b.append(_c(rng, f"{f.sedation.capitalize()}, prepped/draped, lido 1% local",
                f"Under {f.sedation}; standard prep and drape; local w/ lidocaine",
                f"{f.sedation.capitalize()}, sterile prep, 1% lidocaine + bupi local"))
    if kind == "aborted":
        return b + _abort_bullets(f, rng)
    if existing_pocket:
        act = _action(old_gen.fate)
        b.append(_c(rng, f"Incision over old {_pocket(f, rng)}, capsule opened, {_gen(rng, act, old_gen.model, 'old' if act == 'removed' else '')} freed",
                    f"Opened existing {_pocket(f, rng)} along prior scar; {_gen(rng, act)} delivered out of pocket"))
        pl = _plural(f, rng, ("retained", "abandoned", "removed", "repositioned"))
        if old_gen.fate in ("removed", "retained"):
            if pl:
                b.append(_c(rng, f"{pl} disconnected from header", f"Set screws loosened, {pl} disconnected"))
            else:
                b.append(_c(rng, "Set screws loosened, header disconnected", "Header disconnected"))
    elif kind == "staged":
        r = new_gen.reason or ""
        if "infection" in r:
            b.append(f"New {_pocket(f, rng)} created (old site healed), {_m('leads', 'LEAD', 'retained')} tunneled/retrieved from old site")
        else:
            b.append(_c(rng, f"Reopened {_pocket(f, rng)} from stage 1, capped {_m('leads', 'LEAD', 'retained')} found, pin caps removed",
                        f"Old incision opened, {_pocket(f, rng)} re-entered; {_m('lead pins', 'LEAD', 'retained')} uncapped"))
    else:
        b.append(_c(rng, f"~5 cm infraclavicular incision, {_pocket(f, rng)} created w/ blunt dissection + cautery",
                    f"{_pocket(f, rng)} fashioned via {_m(f'{_sd(side, rng)} infraclavicular incision', 'POCKET')}",
                    f"Incision {_sd(side, rng)} infraclavicular, {_pocket(f, rng)} made to fascia"))
    if new_leads:
        vg = ""
        if f.venogram:
            vg = _c(rng, f" under {_venogram(rng)} guidance", f" after {_venogram(rng)}", f" ({_venogram(rng)} done)")
        vg2 = f", {_venogram(rng)} first" if f.venogram else ""
        b.append(_c(rng, f"Access: {_access(f, rng)}{vg}, {len(new_leads)} wire(s), 7 Fr sheath(s)",
                    f"{_access(f, rng)} access under {_fluoro(rng)}{vg2}",
                    f"Access via {_access(f, rng)}{vg}"))

    for lead in f.leads_with("removed"):
        yr = f" ({lead.implant_year})" if lead.implant_year and rng.random() < 0.5 else ""
        b.append(_c(rng, f"Old {_lead(lead, rng, 'removed')}{yr} freed from scar, extracted w/ locking stylet + gentle traction, tip intact",
                    f"{_lead(lead, rng, 'removed', 'chronic')} unscrewed and explanted, no resistance",
                    f"{_lead(lead, rng, 'removed', 'old')} removed (simple traction), helix retracted, intact"))
    for lead in f.leads_with("abandoned"):
        b.append(_c(rng, f"Old {_lead(lead, rng, 'abandoned')} capped and left in pocket",
                    f"{_lead(lead, rng, 'abandoned', 'old')} abandoned - IS-1 cap placed, sutured to fascia",
                    f"{_lead(lead, rng, 'abandoned', 'chronic')} capped/buried (not extracted)"))
    for lead in f.leads_with("repositioned"):
        b.append(_c(rng, f"{_lead(lead, rng, 'repositioned')} found retracted toward RVOT on {_fluoro(rng)}; sleeve freed, helix unscrewed, repositioned to {_pos(lead, rng)}",
                    f"Dislodged {_lead(lead, rng, 'repositioned')} - sleeve untied, withdrawn and re-fixed at {_pos(lead, rng)} under {_fluoro(rng)}"))
        b.append(f"  {_meas(lead, rng)}, {_c(rng, 'stable w/ slack', 'good COI', 'slack adjusted')}")

    v_new = f.leads_with("inserted", chamber="ventricular")
    replaced = bool(f.leads_with("removed", "abandoned", "retained"))
    for lead in v_new:
        pre = "new" if replaced else ""
        b.append(_c(rng,
                    f"{_lead(lead, rng, 'inserted', pre)} ({lead.model}) -> {_pos(lead, rng)}, screwed in, COI+",
                    f"{_lead(lead, rng, 'inserted', pre)} advanced w/ curved stylet, fixed at {_pos(lead, rng)}",
                    f"{_lead(lead, rng, 'inserted', pre)} positioned {_pos(lead, rng)}, helix deployed"))
        b.append(f"  {_meas(lead, rng)}")
    if len(v_new) == 2:
        b.append(_c(rng, "Septal position confirmed LAO 40 / RAO 30, >2 cm apart",
                    "LAO/RAO views c/w septal orientation, ~3 cm separation", "Septal position confirmed in LAO"))
    elif v_new:
        b.append(_c(rng, "Septal orientation confirmed in LAO", "LAO view: septal, >2 cm separation"))
    for lead in f.leads_with("inserted", chamber="atrial"):
        pre = "new" if replaced else ""
        b.append(_c(rng,
                    f"{_lead(lead, rng, 'inserted', pre)} ({lead.model}) to {_pos(lead, rng)}, active fixation",
                    f"{_lead(lead, rng, 'inserted', pre)} placed in {_pos(lead, rng)} w/ J stylet"))
        b.append(f"  {_meas(lead, rng)}")
    if new_leads:
        nl = len(new_leads)
        b.append(_c(rng, "Sleeves sutured w/ 2-0 silk",
                    f"{_m('Leads' if nl > 1 else 'Lead', 'LEAD', 'inserted', n=nl if nl > 1 else None)} secured to fascia w/ suture sleeve(s)",
                    "Suture sleeves tied down"))

    if kind in ("genchange", "genchange_lead", "staged", "leadwork", "reposition"):
        for lead in f.leads_with("retained"):
            b.append(_c(rng, f"Chronic {_lead(lead, rng, 'retained')}: {_meas(lead, rng)}",
                        f"{_lead(lead, rng, 'retained', 'existing')} checked - {_meas(lead, rng)}"))

    if kind == "partial":
        b += _partial_bullets(f, rng)
    if old_gen and old_gen.fate == "removed":
        why = f" ({old_gen.reason.replace('generator malfunction', 'malfunction')})" if old_gen.reason and rng.random() < 0.8 else ""
        b.append(_c(rng, f"Old {_gen(rng, 'removed', old_gen.model)}{why} explanted",
                    f"{_gen(rng, 'removed', old_gen.model, 'old')} removed{why}"))
    if old_gen and old_gen.fate == "repositioned":
        dest = f.new_pocket or "new pocket"
        core = dest.replace(" more medially", "").replace(" inferior to the old one", "")
        tail = dest[len(core):]
        b.append(_c(rng, f"{_m(core, 'POCKET')}{tail} created; {_gen(rng, 'repositioned')} moved there, old pocket capsulectomy"
                    .replace("old pocket", _m("old pocket", "POCKET")),
                    f"{_gen(rng, 'repositioned', old_gen.model)} relocated to {_m(core, 'POCKET')}{tail}"))
        b.append(_c(rng, f"{_m('Leads', 'LEAD', 'retained')} intact, reconnected",
                    f"Chronic {_m('leads', 'LEAD', 'retained')} unchanged, {_meas(f.leads[0], rng)}"))
    if old_gen and old_gen.fate == "retained":
        b.append(_c(rng, f"Existing {_gen(rng, 'retained')} reconnected, returned to pocket",
                    f"Header reconnected, {_gen(rng, 'retained', old_gen.model)} back in pocket"))
    if new_gen:
        if kind == "ccmd":
            g = _m(_c(rng, "Integra CCM-D generator", "CCM-D can", "OPTIMIZER Integra generator"), "PULSE_GENERATOR", "inserted")
        else:
            g = _gen(rng, "inserted", new_gen.model, "new" if old_gen else "")
        conn = _plural(f, rng, ("inserted", "retained"))
        b.append(_c(rng, f"{g} connected, set screws tightened, placed in pocket",
                    f"{conn} attached to {g}, pocket irrigated, placed in pocket" if conn else f"{g} attached, pocket irrigated",
                    f"{g} connected + secured"))

    if kind == "explant" and old_gen.reason == _TX:
        b.append(_c(rng, "Pocket irrigated, hemostasis w/ cautery", "Capsule left, pocket irrigated"))
    elif kind == "explant":
        b.append(_c(rng, "Pocket debrided, capsulectomy, irrigated w/ abx solution", "Pocket washed out, cultures sent"))
    elif f.settings and kind != "partial":
        s = f.settings
        b.append(_c(rng, f"Therapy test: {s.amplitude_v} V, train delay {s.train_delay_ms} ms, no extracardiac stim / pt sensation",
                    f"Delivery checked at {s.amplitude_v} V (TD {s.train_delay_ms} ms), no diaphragmatic capture",
                    f"Programmed {s.amplitude_v} V, train delay {s.train_delay_ms} ms, {s.hours_per_day} h/d via {s.programmer}"))
    if _icd_present(f):
        b.append(_c(rng, f"{_icd(f, rng, 'retained')} interrogated pre/post, tachy tx off during case then re-enabled; no interaction",
                    f"{_icd(f, rng, 'retained')} untouched; no oversensing of stim pulses on EGMs",
                    f"Crosstalk testing w/ {_icd(f, rng, 'retained')}: OK"))
    b.append(_c(rng, "Closure 2-0/3-0 Vicryl + 4-0 subcuticular, Dermabond", "Layered closure, steri-strips, pressure dressing",
                "Pocket irrigated, closed in 3 layers"))
    return b


def _partial_bullets(f: NoteFacts, rng: random.Random) -> list[str]:
    r = f.stop_reason or ""
    n = len(f.leads_with("inserted"))
    b = []
    if "telemetry" in r:
        b.append(_c(rng, f"{_gen(rng, 'none', None, 'new')} failed telemetry out of package, no backup on shelf",
                    "Generator would not communicate w/ programmer (failed telemetry), no spare available"
                    .replace("Generator", _m("Generator", "PULSE_GENERATOR", "none"))))
    elif "hemodynamic" in r:
        b.append(f"Hemodynamically unstable after {_m('lead', 'LEAD', 'inserted')} placement (SBP 70s, needed pressors) - decision to stop")
    else:
        b.append("Expanding pocket hematoma during case despite cautery/thrombin - decision to stop and stage")
    lt = _m("leads" if n > 1 else "lead", "LEAD", "inserted", n=n if n > 1 else None)
    b.append(_c(rng, f"{lt} capped, coiled in pocket for staged procedure",
                f"{lt} secured, pin cap(s) placed, left in pocket"))
    b.append(_c(rng, f"{_m('No generator', 'PULSE_GENERATOR', '', 'negated')} implanted today",
                f"{_gen(rng, '', None, '', 'negated')} NOT placed"))
    if n == 1:
        b.append(f"{_m('2nd septal lead', 'VENTRICULAR_LEAD', '', 'negated')} not placed")
    return b


def _abort_bullets(f: NoteFacts, rng: random.Random) -> list[str]:
    r = f.stop_reason or ""
    b = []
    if "venogram" in r:
        b.append(_c(rng, f"{_venogram(rng)}: occluded {_sd(f.side, rng)} subclavian/innominate, no usable channel",
                    f"{_venogram(rng)} showed total occlusion of {_access(f, rng)}, wire would not pass"))
    elif "hypotension" in r:
        b.append(_c(rng, "Persistent hypotension (SBP 70s) after sedation despite fluids + phenylephrine",
                    "Became hypotensive under sedation, not responsive to pressors"))
    elif "agitation" in r:
        b.append("Pt agitated despite escalating sedation, unable to keep sterile field")
    elif "pneumothorax" in r:
        b.append(f"{_access(f, rng)} puncture: air aspirated, PTX seen on {_fluoro(rng)}")
    else:
        b.append(f"Case stopped: {r}")
    b.append(_c(rng, "Case aborted, decision made w/ attending", "Procedure aborted, field closed", "Aborted."))
    b.append(_c(rng, f"{_m('No leads', 'LEAD', '', 'negated')} or {_m('generator', 'PULSE_GENERATOR', '', 'negated')} implanted",
                f"Nothing implanted - {_m('no leads', 'LEAD', '', 'negated')} placed"))
    return b


# ----------------------------------------------------------------- note builders
def _header(rng: random.Random, proc: bool = True) -> str:
    if proc:
        return _c(rng, "EP Fellow Post-Procedure Note", "Brief Op Note - EP", "EP Lab Brief Procedure Note",
                  "Cardiology Fellow Progress Note", "POST-OP NOTE (EP)")
    return _c(rng, "Cardiology Fellow Clinic Note", "EP clinic f/u", "Progress Note - Cardiology")


def _day(rng: random.Random) -> str:
    return _c(rng, "POD0", "HD#1, POD0", "HD#2 / POD0", "Day of procedure (POD0)")


def _sign(rng: random.Random, proc: bool = True) -> str:
    fellow = _c(rng, "J. Patel", "M. Okafor", "S. Lindqvist", "R. Gomez", "A. Chen", "T. Nguyen")
    att = _c(rng, "Dr. Harmon", "Dr. Whitfield", "Dr. Russo", "Dr. Abara", "Dr. Kessler")
    return _c(rng, f"-- {fellow} MD, EP fellow. Seen and d/w {att}.",
              f"{fellow}, MD (cardiology fellow); attending {att} present for entire procedure" if proc
              else f"{fellow}, MD (cardiology fellow); pt seen/examined w/ {att}",
              f"Fellow: {fellow}   Attending: {att}")


def _proc_note(f: NoteFacts, kind: str, rng: random.Random) -> str:
    hx = _pt_line(f, rng) + _hx_icd(f, rng)
    og = f.old_generator
    if og and kind == "reposition" and f.original_implant_year is None:
        hx += f", s/p {_sys(rng, '', og.model, 'historical')} implant {rng.randrange(2, 7)} wks ago"
    elif og and og.implant_year and kind != "staged":
        hx += _c(rng, f", s/p {_sys(rng, '', og.model, 'historical')} ({og.implant_year})",
                 f", {_sys(rng, '', og.model, 'historical')} implanted {og.implant_year}")
    if kind == "staged":
        r = f.new_generator.reason or ""
        leads_hist = _m(_c(rng, "2 RV septal leads", "septal leads"), "VENTRICULAR_LEAD", "", "historical")
        if "infection" in r:
            hx += f", s/p {_gen(rng, '', None, 'prior', 'historical')} explant for pocket infection w/ {leads_hist} left in situ, abx completed"
        elif "maturation" in r:
            hx += f", {leads_hist} placed at stage 1, here for stage 2"
        else:
            hx += f", {leads_hist} placed at index procedure ({_m('no generator', 'PULSE_GENERATOR', '', 'negated')} available then)"
    if kind in ("genchange", "genchange_lead", "sysreplace") and og and og.reason:
        hx += f", {_gen(rng, 'none')} {_REASON.get(og.reason, og.reason)}"
    if kind == "reposition":
        hx += _c(rng, f", {_m('lead', 'LEAD', 'none')} dislodgement on f/u CXR w/ loss of sensing",
                 ", noted to have lead dislodgement (loss of sensing, CXR change)".replace("lead dislodgement", _m("lead", "LEAD", "none") + " dislodgement"))
    if kind == "explant" and og and og.reason == _TX:
        hx += ", listed for OHT, requests device removal (no longer wants therapy, MRI access)"
    elif kind == "explant" and og and og.reason:
        hx += f", now w/ {og.reason}"
    if kind == "pocket":
        hx += _c(rng, f", pocket discomfort / thinning skin over {_gen(rng, 'none')}",
                 ", device migration + pain at pocket site")

    lines = [_header(rng), _day(rng), ""]
    proc = "Procedure: " + _title(f, kind, rng)
    if rng.random() < 0.5:
        lines += [f"Pt: {hx}", proc]
    else:
        lines += [proc, f"Hx: {hx}"]
    if rng.random() < 0.6:
        lines.append(_c(rng, f"Indication: symptomatic HFrEF NYHA {f.nyha} despite GDMT, not CRT candidate (QRS {f.qrs_ms})",
                        "Indication: see prior notes / consent in chart", f"Indication: HFrEF, NYHA {f.nyha}"))
    lines.append(f"Anesthesia: {f.sedation}")
    lines += ["", _c(rng, "Details:", "Procedure details:", "Findings/details:")]
    lines += [("- " + _cap(s)) if not s.startswith("  ") else s for s in _steps(f, kind, rng)]
    lines.append("")
    r = f.stop_reason or ""
    comp = _c(rng, "Complications: none", "No immediate complications", "Complications: none apparent")
    if "pneumothorax" in r:
        comp = "Complications: small PTX"
    elif "hematoma" in r:
        comp = "Complications: pocket hematoma (see above)"
    elif "hemodynamic" in r or "hypotension" in r:
        comp = "Complications: hypotension, resolved"
    meta = [f"{_fluoro(rng)} time {f.fluoro_min} min", _c(rng, "EBL minimal", "EBL <20 mL", "EBL ~10 cc"), comp]
    rng.shuffle(meta)
    lines.append(" | ".join(meta))
    lines.append(_c(rng, "Pt tolerated well, to recovery in stable condition.", "Tolerated well. Transferred to tele.",
                    "Tolerated procedure well, no distress."))
    lines += ["", _c(rng, "Plan:", "A/P:", "Post-op plan:")]
    lines += ["- " + p for p in _plan(f, kind, rng)]
    lines += ["", _sign(rng)]
    return "\n".join(lines)


def _plan(f: NoteFacts, kind: str, rng: random.Random) -> list[str]:
    p = []
    side = _sd(f.side, rng)
    if kind == "aborted":
        if "pneumothorax" in (f.stop_reason or ""):
            p.append("Serial CXR q4-6h, chest tube if enlarging")
        p.append(_c(rng, f"Re-attempt {_sys(rng, '', None, 'hypothetical')} implant once resolved, ? contralateral access",
                     f"Will discuss re-scheduling {_sys(rng, '', None, 'hypothetical')} implant w/ attending"))
        p.append("Resume home meds")
        return p
    if kind == "partial":
        p.append(_c(rng, f"Return for staged {_gen(rng, '', None, '', 'hypothetical')} in 1-2 wks",
                     f"Staged {_gen(rng, '', None, '', 'hypothetical')} placement once stable"))
        p.append(_c(rng, f"{_m('Leads', 'LEAD', 'inserted')} capped in pocket for now", "Pocket check daily"))
    if kind == "explant" and f.old_generator.reason == _TX:
        p.append("F/u transplant team; no plan for re-implant")
    elif kind == "explant":
        p.append(_c(rng, "ID consult, f/u cultures, IV abx per ID", "Abx per ID, TTE/TEE to r/o residual vegetation"))
        p.append(_c(rng, f"No re-implant until clear - decision re new {_sys(rng, '', None, 'hypothetical')} later",
                     f"Discuss future {_sys(rng, '', None, 'hypothetical')} once infection cleared"))
    if kind not in ("explant",):
        p.append(_c(rng, f"CXR in AM (PA/lat) to r/o PTX, confirm {_m('lead', 'LEAD', 'none')} position", "CXR post-op and in AM",
                     "CXR tonight - no PTX on prelim read"))
    p.append(_c(rng, f"{side} arm: no lifting >10 lb / above shoulder x 4-6 wks", f"Sling + {side} arm precautions",
                 "Arm restrictions per protocol"))
    p.append(_c(rng, "Ancef x1 post-op", "Cefazolin 2 g IV q8h x 2 doses", "Post-op abx per protocol"))
    p.append(_c(rng, "Hold DOAC, restart POD2 if pocket ok", "Resume home meds incl GDMT", "Restart heparin gtt in 12h if no hematoma"))
    if f.settings and kind in ("newsys", "staged", "genchange", "genchange_lead", "sysreplace", "ccmd"):
        p.append(_c(rng, f"Charger teaching ({f.settings.charger}) w/ rep before d/c, charge weekly",
                     f"{f.settings.charger} teaching today"))
    p.append(_c(rng, "Wound check 7-10 d", "Device clinic 1-2 wk wound check + interrogation", "F/u EP clinic 4-6 wk"))
    p.append(_c(rng, "Likely d/c home in AM", "D/c home tomorrow if stable", "Obs overnight on tele"))
    return p


def _clinic(f: NoteFacts, rng: random.Random) -> str:
    og = f.old_generator
    s = f.settings
    lines = [_c(rng, "Device Clinic f/u", "EP Device Clinic Note", f"{_m('CCM device', 'CCM_SYSTEM', 'tested')} check (clinic)"), ""]
    hx = _pt_line(f, rng)
    hx += f", s/p {_sys(rng, '', og.model, 'historical')} ({og.implant_year})" + _hx_icd(f, rng)
    lines.append(f"Pt: {hx}")
    lines.append("S: " + _c(rng, "Feels better since device, walking ~2 blocks, no ICD shocks, charging weekly w/o issues",
                           "Stable, mild DOE, some sensation of pulses in chest at night", "No complaints, charging compliant",
                           f"Reports NYHA {f.nyha} sx, no syncope").replace("ICD shocks", "shocks"))
    lines.append("")
    lines.append(_c(rng, f"Interrogation ({s.programmer}):", f"Device interrogation via {s.programmer} -", "O: interrogation"))
    lines.append(f"- {_gen(rng, 'tested', og.model)}: battery OK, {rng.randrange(82, 99)}% of scheduled therapy delivered")
    for lead in f.leads:
        lines.append(f"- {_lead(lead, rng, 'tested')}: {_meas(lead, rng)}")
    lines.append(f"- Settings: {s.amplitude_v} V, train delay {s.train_delay_ms} ms, {s.hours_per_day} h/d")
    if f.evaluation == "programming":
        lines.append(_c(rng, "Changes made:", "Reprogrammed:"))
        lines += [f"- {c}" for c in f.programming_changes]
        lines.append("- Retested after changes, delivery OK")
    else:
        lines.append(_c(rng, "No changes made.", "No reprogramming.", "Settings unchanged."))
    lines += ["", "A/P:",
              f"- {_sys(rng, 'tested', og.model)} {_c(rng, 'functioning normally', 'normal function', 'OK')}",
              "- " + _c(rng, "Cont GDMT, HF clinic f/u", "Continue weekly charging", "Echo in 6 mo"),
              "- " + _c(rng, "RTC 3 mo / remote", "Device clinic 6 mo", "F/u 3 months"), "", _sign(rng, False)]
    return "\n".join(lines)


def _consult(f: NoteFacts, rng: random.Random) -> str:
    planned = f.planned or "CCM system implant"
    lines = [_c(rng, "EP Consult - Fellow Note", "Electrophysiology Consult", "EP consult (fellow)"), "",
             f"Reason: eval for {_sys(rng, '', None, 'hypothetical')} (referred by HF team)",
             f"HPI: {_pt_line(f, rng)}{_hx_icd(f, rng)}. "
             + _c(rng, "Persistent DOE w/ ADLs despite GDMT, 2 HF admits in past yr.",
                  "Limited by fatigue/dyspnea, 6MWT 280 m.", "Sx NYHA III despite meds, not CRT candidate (narrow QRS)."),
             f"ECG: {'NSR' if rng.random() < 0.7 else 'sinus w/ PVCs'}, QRS {f.qrs_ms} ms",
             f"TTE: EF {f.ef}%", ""]
    lines.append("A/P:")
    lines.append(f"- {f.age} yo w/ {_cm(f, rng)}, NYHA {f.nyha}, EF {f.ef}% - meets criteria (EF 25-45, narrow QRS)")
    plan_bits = []
    if "atrial" in planned:
        plan_bits.append(f"- Plan {_sys(rng, '', None, 'hypothetical')} implant: {_m('2 septal leads', 'VENTRICULAR_LEAD', '', 'hypothetical', n=2)} + {_m('RA lead', 'ATRIAL_LEAD', '', 'hypothetical')}")
    elif "echocardiogram" in planned:
        plan_bits.append(f"- Repeat TTE after GDMT titration, then consider {_sys(rng, '', None, 'hypothetical')}")
    else:
        plan_bits.append(f"- Plan {_sys(rng, '', None, 'hypothetical')} implant w/ {_m('2 RV septal leads', 'VENTRICULAR_LEAD', '', 'hypothetical', n=2)}")
    if _icd_present(f):
        plan_bits.append(f"- Existing {_icd(f, rng, 'none')} - would implant on contralateral side")
    plan_bits.append("- Risks/benefits d/w pt, wants to proceed; will schedule")
    lines += plan_bits + ["", _sign(rng, False)]
    return "\n".join(lines)


def _other_device_bullets(f: NoteFacts, d, rng: random.Random, ccm_present: bool) -> tuple[str, list[str]]:
    """Title and bullets for non-CCM device work (S16, S17)."""
    k, w = d.kind, d.work
    s = _sd(d.side, rng)
    od = lambda t, a: _m(t, "OTHER_DEVICE", a)
    pk = lambda t: _m(t, "POCKET")
    b = []
    if k == "leadless pacemaker":
        title = f"{od('leadless pacemaker', 'inserted')} implant"
        b += [f"{_m(_c(rng, 'R femoral vein', 'right femoral vein'), 'VENOUS_ACCESS')} access w/ US, 27 Fr sheath",
              f"{od(_c(rng, 'Micra', 'leadless PPM', 'leadless pacemaker'), 'inserted')} deployed at RV septum under {_fluoro(rng)}, tug test x2",
              f"R {rng.randrange(6, 15)} mV, thr {round(rng.uniform(0.3, 1.0), 2)} V, imp {rng.randrange(500, 900, 10)} ohms",
              "Figure-of-8 stitch at groin"]
    elif k == "loop recorder":
        title = f"{od('ILR', 'inserted')} insertion"
        b += [f"Small L parasternal incision, {od(_c(rng, 'loop recorder', 'ILR', 'Reveal LINQ'), 'inserted')} inserted w/ tool",
              "R waves 0.4 mV, steri-strips"]
    elif k == "Port-A-Cath":
        title = f"{od('Port-A-Cath', 'inserted')} placement (for home milrinone access)"
        b += [f"{_m(f'{s} internal jugular vein', 'VENOUS_ACCESS')} accessed under US",
              f"{od('port catheter', 'inserted')} tunneled, tip at cavoatrial jxn on {_fluoro(rng)}",
              f"{od('port', 'inserted')} in {pk('subcutaneous pocket')}, flushes/draws well"]
    elif k in ("spinal cord stimulator", "vagus nerve stimulator"):
        abbr = "SCS" if k.startswith("spinal") else "VNS"
        title = f"{od(abbr + ' generator', 'inserted')} change (ERI)"
        b += [f"Incision over existing {pk('generator pocket')}",
              f"Old {od(abbr + ' IPG', 'removed')} explanted, {od(abbr + ' leads', 'retained')} disconnected and checked (imp normal)",
              f"New {od(abbr + ' IPG', 'inserted')} connected, placed in pocket"]
    elif k == "hypoglossal nerve stimulator":
        title = f"{od('hypoglossal nerve stimulator', 'inserted')} implant (w/ ENT)"
        b += [f"{od('stimulation lead', 'inserted')} cuffed to HGN, {od('sensing lead', 'inserted')} intercostal",
              f"{od('IPG', 'inserted')} in {pk(f'{s} infraclavicular pocket')}, tongue protrusion confirmed"]
    elif k == "baroreflex activation system":
        title = f"{od('Barostim', 'inserted')} implant (w/ vasc surgery)"
        b += [f"{od('carotid sinus lead', 'inserted')} sutured at {s} carotid bifurcation after mapping",
              f"{od('IPG', 'inserted')} in {pk(f'{s} infraclavicular pocket')}, BP response confirmed"]
    else:
        acc = _m(f"{s} axillary vein", "VENOUS_ACCESS") if f.access != "cephalic" else _m(f"{s} cephalic vein", "VENOUS_ACCESS")
        dev = k if k != "ICD" else "ICD"
        if w == "new implant":
            title = f"{od(dev, 'inserted')} implant"
            b += [f"{pk(f'{s} prepectoral pocket')} created, access via {acc} under {_fluoro(rng)}",
                  f"{od('RV lead', 'inserted')} to RV apex/septum, R {rng.randrange(8, 20)} mV, thr {round(rng.uniform(0.4, 1.2), 1)} V",
                  f"{od('RA lead', 'inserted')} to RAA, P {round(rng.uniform(1.5, 4.0), 1)} mV",
                  f"{od(dev + ' generator', 'inserted')} connected, placed in pocket"]
            if "ICD" in dev:
                b[1] = b[1].replace("RV lead", "RV defib lead")
        elif w == "generator change":
            title = f"{od(dev + ' generator', 'inserted')} change (ERI)"
            b += [f"Opened {pk(f'{s} {dev} pocket')}, old {od(dev + ' generator', 'removed')} explanted",
                  f"{od(dev + ' leads', 'retained')} tested, imp/sensing/thresholds stable",
                  f"New {od(dev + ' generator', 'inserted')} connected, placed in pocket"]
        elif w == "upgrade":
            title = f"upgrade to {od('CRT-D', 'inserted')}"
            b += [f"Opened {pk(f'{s} pocket')}, old {od('ICD generator', 'removed')} removed",
                  f"CS cannulated via {acc}, {od('LV lead', 'inserted')} to lateral branch, no phrenic stim at 10 V",
                  f"{od('RA/RV leads', 'retained')} reconnected to new {od('CRT-D generator', 'inserted')}"]
        else:  # lead revision
            title = f"{od('ICD lead', 'inserted')} revision"
            b += [f"Opened {pk(f'{s} ICD pocket')}, {od('ICD generator', 'retained')} freed",
                  f"Failing {od('RV ICD lead', 'removed')} extracted w/ locking stylet",
                  f"New {od('RV defib lead', 'inserted')} via {acc} to RV septum under {_fluoro(rng)}, R {rng.randrange(8, 20)} mV",
                  f"Reconnected to {od('ICD generator', 'retained')}"]
    return title, b


def _other_note(f: NoteFacts, rng: random.Random) -> str:
    d = f.other_devices[-1]
    ccm = f.device_family == "ccm"
    title, bullets = _other_device_bullets(f, d, rng, ccm)
    hx = _pt_line(f, rng)
    if ccm:
        og = f.old_generator
        hx += f", s/p {_sys(rng, '', og.model, 'historical')} ({_sd(f.side, rng)} chest, {og.implant_year})"
    ind = {"new implant": _c(rng, "symptomatic bradycardia / indication per EP", "per EP eval, see consult note"),
           "generator change": "ERI on remote check", "upgrade": "HFrEF w/ LBBB, high RV pacing burden",
           "lead revision": f"{_m('ICD lead', 'OTHER_DEVICE', 'none')} noise / abnormal impedance on remote"}.get(d.work, "per EP")
    lines = [_header(rng), _day(rng), "", "Procedure: " + title, f"Pt: {hx}", f"Indication: {ind}",
             f"Anesthesia: {f.sedation}", _c(rng, "Abx: cefazolin 2 g IV pre-incision", "Pre-op abx given", "Ancef pre-op"),
             "", "Details:"]
    lines.append(f"- {_c(rng, 'Prepped/draped, lido local', 'Sterile prep, local anesthetic')}")
    lines += [f"- {x}" for x in bullets]
    if ccm:
        og = f.old_generator
        lines.append("- " + _c(rng, f"{_sys(rng, 'retained', og.model)} ({_sd(f.side, rng)} side) not touched; programmed off during case, back on after",
                               f"Existing {_sys(rng, 'retained')} and {_m('leads', 'LEAD', 'retained')} away from field, no interaction",
                               f"{_gen(rng, 'retained', og.model)} on contralateral side - left alone"))
        if f.evaluation == "interrogation":
            lines.append("- " + _c(rng, f"{_sys(rng, 'retained')} interrogated post-procedure: normal function, no crosstalk w/ new device",
                                   f"Post-op interrogation of {_sys(rng, 'retained')}: sensing/impedance stable, therapy on"))
    lines.append("- Closure layered, dressing")
    lines += ["", f"{_fluoro(rng)} {f.fluoro_min} min | EBL minimal | no complications", "Tolerated well.", "",
              "Plan:", "- " + _c(rng, "CXR in AM to r/o PTX", "CXR PA/lat in AM"),
              "- " + _c(rng, "Wound check 7-10 d", "Wound check 10 d + device clinic"),
              "- " + _c(rng, "Arm precautions x 4 wk", "No heavy lifting x 4-6 wk"),
              "- " + _c(rng, "Abx x1 post-op", "Resume home meds", "Hold anticoag 48h"),
              "- " + _c(rng, "Pain: APAP prn, ice to site", "Tylenol prn"),
              "- d/c home in AM if stable", "", _sign(rng)]
    return "\n".join(lines)


def _none_note(f: NoteFacts, rng: random.Random) -> str:
    hx = _pt_line(f, rng)
    icd = ""
    if f.other_devices:
        icd = _c(rng, f", has {_icd(f, rng, 'none')}", f", s/p {_icd(f, rng, '', 'historical')}")
    lines = [_header(rng, proc=False), ""]
    if f.ccm_meaning == "chronic care management":
        lines += [f"Pt: {hx}{icd}",
                  "S: " + _c(rng, "Enrolled in CCM (chronic care mgmt) program, RN calls monthly - weights logged daily, no gain",
                              "CCM (chronic care management) RN reports good med adherence, daily wts stable"),
                  "O: " + _c(rng, "BP 112/70, HR 68, no JVD, no edema", "Euvolemic, lungs clear, trace LE edema"),
                  "Meds: " + _c(rng, "sacubitril/valsartan, carvedilol, spironolactone, dapagliflozin, furosemide prn",
                                "metoprolol succ, losartan, eplerenone, empagliflozin, torsemide"),
                  "A/P:", f"- HFrEF, NYHA {f.nyha}: cont GDMT, titrate BB",
                  "- " + _c(rng, "Cont CCM enrollment, care plan updated (20 min non-face-to-face time)",
                            "CCM care plan reviewed w/ pt, billing per PCP office"),
                  "- Labs BMP 1 wk, RTC 3 mo"]
    else:
        lines += [f"Pt: {hx}{icd}, hx CCM (cerebral cavernous malformation, {_c(rng, 'R frontal', 'pontine', 'L temporal')}) followed by neurosurg",
                  "S: " + _c(rng, "No new neuro sx, no HF sx change", "Stable DOE, no headaches or sz"),
                  "O: " + _c(rng, "BP 118/72, HR 74, no JVD", "Euvolemic, nonfocal neuro exam"),
                  "Meds: " + _c(rng, "carvedilol, sacubitril/valsartan, spironolactone, dapagliflozin", "GDMT unchanged"),
                  "A/P:", f"- HFrEF, EF {f.ef}%: cont GDMT",
                  "- AF/anticoag: avoid anticoagulation given CCM bleed risk per neurosurg; LAAO discussion",
                  "- MRI brain per neurosurg for CCM surveillance", "- RTC 3 mo"]
    lines += ["", _sign(rng, False)]
    return "\n".join(lines)


_SPAN_RE = re.compile(r"\[[^\[\]\n]+\]\([A-Z_]+(?:\|[a-z]+)?(?:\|[a-z0-9=,]+)?\)")
_POCKET_RE = re.compile(r"\b((?:old |new |existing |same )?[Pp]ocket)\b")


def _tag_pockets(markup: str) -> str:
    """Mark the bare 'pocket' mentions the phrase banks leave in plain text."""
    out, pos = [], 0
    for m in _SPAN_RE.finditer(markup):
        out.append(_POCKET_RE.sub(r"[\1](POCKET)", markup[pos:m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_POCKET_RE.sub(r"[\1](POCKET)", markup[pos:]))
    return "".join(out)


_MOD_RE = re.compile(r"\b(Old|old|New|new|Chronic|chronic|Existing|existing|Dislodged|Failing|capped) \[")


def render(facts: NoteFacts, rng: random.Random) -> str:
    # modifiers belong inside the span they qualify (ANNOTATION.md)
    return _tag_pockets(_MOD_RE.sub(r"[\1 ", _render(facts, rng)))


def _render(facts: NoteFacts, rng: random.Random) -> str:
    kind = _kind(facts)
    if kind == "clinic":
        return _clinic(facts, rng)
    if kind == "consult":
        return _consult(facts, rng)
    if kind in ("other", "otherwork"):
        return _other_note(facts, rng)
    if kind == "none":
        return _none_note(facts, rng)
    return _proc_note(facts, kind, rng)


FAMILY = Family(
    name="resident_progress",
    style="terse",
    description="Cardiology fellow's fast post-procedure progress / brief op note with abbreviations, "
                "'-' bullets, POD0 framing and plan bullets; clinic and consult visits as short notes.",
    render=render,
)
