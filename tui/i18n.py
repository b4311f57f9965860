"""Interface strings in English and Dutch, picked by the scenario's locale.

    tr = Strings("nl")
    tr("status.unwatched")            # 'niemand kijkt mee'
    tr("prompt.left", left="0h45")    # placeholders with str.format
    tr.clock("2026-10-07T21:30", 2.5) # 'do 00:00'

A key missing in a language falls back to English, and a key missing in
English shows as the key itself, so a forgotten string is visible, not fatal.
Texts from the scenario file and from the feed renderer are shown as written.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

EN: dict[str, str] = {
    # flow screens
    "picker.title": "Choose a scenario",
    "picker.difficulty": "Difficulty",
    "picker.language": "Language",
    "picker.length": "Length",
    "picker.minutes": "{minutes} min",
    "picker.users": "Users",
    "picker.choose": "Choose",
    "picker.empty": "The scenario library is empty.",
    "difficulty.easy": "easy",
    "difficulty.medium": "medium",
    "difficulty.hard": "hard",
    "language.en": "English",
    "language.nl": "Dutch",
    "team.title": "Your team",
    "team.name": "Team name",
    "team.hint": "Who holds which role? (optional)",
    "team.continue": "Continue",
    "team.default": "Team",
    "role.monitor": "Monitor",
    "role.responder": "Responder",
    "role.approver": "Approver",
    "role.lead": "Lead",
    "briefing.title": "Briefing",
    "briefing.situation": "Situation",
    "briefing.brand": "Brand",
    "briefing.stakes": "Stakes",
    "briefing.objectives": "Learning objectives",
    "briefing.start_at": "The drill starts {clock}; {hours} simulated hours.",
    "briefing.begin": "Begin the drill",
    "briefing.none": "(not given)",
    # drill status and metrics
    "status.unwatched": "nobody is watching",
    "status.watching": "monitoring since {clock}",
    "status.paused": "paused",
    "status.running": "running",
    "status.finished": "finished",
    "status.speed": "x{speed}",
    "status.open_prompts": "{n} decision(s) open (p)",
    "metrics.title": "Situation",
    "metrics.negative": "negative posts/h",
    "metrics.reach": "reach",
    "metrics.reputation": "trust",
    "metrics.media": "media stories",
    "metrics.since_detection": "since detection",
    "metrics.since_update": "since last update",
    "metrics.clock": "clock",
    "metrics.rep_start": "{value} from {start}",
    "metrics.never": "never",
    "metrics.not_yet": "not yet",
    "chart.volume": "vol",
    "chart.reputation": "trust",
    "chart.actions": "act",
    "chart.title": "Per hour",
    "feed.title": "Feed",
    "feed.empty": "Nothing to see yet.",
    "feed.unwatched": "Nobody on the team is watching the channels yet.",
    # forecast
    "forecast.title": "Act now vs wait {hours} h",
    "forecast.hint": "Press w to forecast an empathetic acknowledgement now vs in {hours} h.",
    "forecast.running": "Forecasting over {n} paired futures...",
    "forecast.what": "acting now",
    "forecast.at": "(as of {clock})",
    "forecast.failed": "The forecast failed: {error}",
    # actions
    "action.title": "Post or act",
    "action.kind": "Action",
    "action.tone": "Tone",
    "action.text": "What the brand posts (empty: a standard text)",
    "action.post": "Post",
    "action.cancel": "Cancel",
    "action.done": "{kind} ({tone}) at {clock}",
    "kind.acknowledge": "Acknowledge and apologise",
    "kind.reply": "Reply to complainants",
    "kind.solution": "Offer a solution",
    "kind.compensation": "Offer compensation",
    "kind.update": "Post an update",
    "kind.delete": "Delete negative comments",
    "kind.brief_staff": "Brief staff",
    "kind.contradict": "Contradicting statement",
    "tone.empathetic": "empathetic",
    "tone.neutral": "neutral",
    "tone.defensive": "defensive",
    # prompts, facilitator, help, debrief
    "prompt.title": "Decision at {clock}",
    "prompt.left": "{left} left (simulated time)",
    "prompt.later": "Decide later",
    "prompt.timeout": "Deadline passed: {label}",
    "prompt.nothing": "nothing was done",
    "prompt.decided": "Decided: {label}",
    "prompt.none_open": "No decision is open.",
    "facilitator.title": "Facilitator: fire an inject now",
    "facilitator.none": "This scenario has no injects.",
    "facilitator.fired": "Inject fired: {kind}",
    "facilitator.close": "Close",
    "help.title": "Keys",
    "help.close": "Close",
    "debrief.title": "Debrief: {title}",
    "debrief.subtitle": "Team {team}, seed {seed}. The full report comes from `stormdrill report`.",
    "debrief.empty": "No decisions or actions were taken.",
    "debrief.analysing": "Measuring what each decision cost or saved (paired replicas)...",
    "debrief.decision": "Decision {n}: {label}",
    "debrief.timed_out": "{text} (deadline passed)",
    "debrief.inject": "Inject: {kind}",
    "debrief.quit": "Quit",
    "debrief.back": "Back to the feed",
    "saved": "Session saved to {path}",
    # key descriptions in the footer
    "key.pause": "Pause",
    "key.speed": "Speed",
    "key.skip": "Next",
    "key.act": "Act",
    "key.acknowledge": "Apologise",
    "key.reply": "Reply",
    "key.solution": "Solution",
    "key.compensation": "Compensate",
    "key.update": "Update",
    "key.delete": "Delete",
    "key.brief_staff": "Brief staff",
    "key.prompt": "Decision",
    "key.facilitator": "Inject",
    "key.forecast": "Forecast",
    "key.help": "Help",
    "key.quit": "Quit",
    "key.close": "Close",
    # command palette
    "cmd.pause": "Pause or resume the clock",
    "cmd.speed": "Speed: {speed} simulated seconds per second",
    "cmd.skip": "Skip to the next event",
    "cmd.act": "{kind} ({tone})",
    "cmd.act_help": "Open the action form with this action",
    "cmd.inject": "Fire inject: {kind} ({text})",
    "cmd.forecast": "Forecast: act now vs wait",
    "cmd.facilitator": "Open the facilitator panel",
}

NL: dict[str, str] = {
    "picker.title": "Kies een scenario",
    "picker.difficulty": "Moeilijkheid",
    "picker.language": "Taal",
    "picker.length": "Duur",
    "picker.users": "Gebruikers",
    "picker.choose": "Kiezen",
    "picker.empty": "De scenariobibliotheek is leeg.",
    "difficulty.easy": "makkelijk",
    "difficulty.medium": "gemiddeld",
    "difficulty.hard": "moeilijk",
    "language.en": "Engels",
    "language.nl": "Nederlands",
    "team.title": "Jullie team",
    "team.name": "Teamnaam",
    "team.hint": "Wie heeft welke rol? (optioneel)",
    "team.continue": "Verder",
    "role.monitor": "Monitoring",
    "role.responder": "Webcare",
    "role.approver": "Fiattering",
    "role.lead": "Crisisleider",
    "briefing.situation": "Situatie",
    "briefing.brand": "Merk",
    "briefing.stakes": "Wat staat er op het spel",
    "briefing.objectives": "Leerdoelen",
    "briefing.start_at": "De oefening begint {clock}; {hours} gesimuleerde uren.",
    "briefing.begin": "Start de oefening",
    "briefing.none": "(niet opgegeven)",
    "status.unwatched": "niemand kijkt mee",
    "status.watching": "monitoring sinds {clock}",
    "status.paused": "gepauzeerd",
    "status.running": "loopt",
    "status.finished": "afgelopen",
    "status.open_prompts": "{n} beslissing(en) open (p)",
    "metrics.title": "Stand van zaken",
    "metrics.negative": "negatief per uur",
    "metrics.reach": "bereik",
    "metrics.reputation": "vertrouwen",
    "metrics.media": "mediaberichten",
    "metrics.since_detection": "sinds detectie",
    "metrics.since_update": "sinds update",
    "metrics.clock": "klok",
    "metrics.rep_start": "{value} van {start}",
    "metrics.never": "nooit",
    "metrics.not_yet": "nog niet",
    "chart.volume": "vol",
    "chart.reputation": "vertr",
    "chart.actions": "act",
    "chart.title": "Per uur",
    "feed.title": "Tijdlijn",
    "feed.empty": "Nog niets te zien.",
    "feed.unwatched": "Niemand in het team houdt de kanalen al in de gaten.",
    "forecast.title": "Nu handelen vs {hours} u wachten",
    "forecast.hint": "Druk op w: een empathische erkenning nu vs over {hours} u.",
    "forecast.running": "Voorspelling over {n} gepaarde toekomsten...",
    "forecast.what": "nu handelen",
    "forecast.at": "(stand {clock})",
    "forecast.failed": "De voorspelling is mislukt: {error}",
    "action.title": "Plaatsen of handelen",
    "action.kind": "Actie",
    "action.tone": "Toon",
    "action.text": "Wat het merk plaatst (leeg: een standaardtekst)",
    "action.post": "Plaatsen",
    "action.cancel": "Annuleren",
    "action.done": "{kind} ({tone}) om {clock}",
    "kind.acknowledge": "Erkennen en excuses aanbieden",
    "kind.reply": "Klagers antwoorden",
    "kind.solution": "Oplossing bieden",
    "kind.compensation": "Compensatie bieden",
    "kind.update": "Update plaatsen",
    "kind.delete": "Negatieve reacties verwijderen",
    "kind.brief_staff": "Medewerkers instrueren",
    "kind.contradict": "Tegenstrijdige verklaring",
    "tone.empathetic": "empathisch",
    "tone.neutral": "neutraal",
    "tone.defensive": "defensief",
    "prompt.title": "Beslissing om {clock}",
    "prompt.left": "nog {left} (gesimuleerde tijd)",
    "prompt.later": "Later beslissen",
    "prompt.timeout": "Deadline verstreken: {label}",
    "prompt.nothing": "er is niets gedaan",
    "prompt.decided": "Besloten: {label}",
    "prompt.none_open": "Er staat geen beslissing open.",
    "facilitator.title": "Facilitator: start nu een inject",
    "facilitator.none": "Dit scenario heeft geen injects.",
    "facilitator.fired": "Inject gestart: {kind}",
    "facilitator.close": "Sluiten",
    "help.title": "Toetsen",
    "help.close": "Sluiten",
    "debrief.title": "Nabespreking: {title}",
    "debrief.subtitle": "Team {team}, seed {seed}. Het volledige rapport komt van "
                        "`stormdrill report`.",
    "debrief.empty": "Er zijn geen beslissingen of acties genomen.",
    "debrief.analysing": "We meten wat elke beslissing kostte of opleverde (gepaarde replica's)...",
    "debrief.decision": "Beslissing {n}: {label}",
    "debrief.timed_out": "{text} (deadline verstreken)",
    "debrief.quit": "Afsluiten",
    "debrief.back": "Terug naar de tijdlijn",
    "saved": "Sessie opgeslagen in {path}",
    "key.pause": "Pauze",
    "key.speed": "Snelheid",
    "key.skip": "Volgende",
    "key.act": "Handelen",
    "key.acknowledge": "Excuses",
    "key.reply": "Antwoorden",
    "key.solution": "Oplossing",
    "key.compensation": "Compensatie",
    "key.update": "Update",
    "key.delete": "Verwijderen",
    "key.brief_staff": "Instrueren",
    "key.prompt": "Beslissing",
    "key.facilitator": "Inject",
    "key.forecast": "Voorspel",
    "key.help": "Hulp",
    "key.quit": "Stoppen",
    "key.close": "Sluiten",
    "cmd.pause": "Klok pauzeren of hervatten",
    "cmd.speed": "Snelheid: {speed} gesimuleerde seconden per seconde",
    "cmd.skip": "Naar de volgende gebeurtenis",
    "cmd.act_help": "Open het actieformulier met deze actie",
    "cmd.inject": "Inject starten: {kind} ({text})",
    "cmd.forecast": "Voorspelling: nu handelen vs wachten",
    "cmd.facilitator": "Facilitatorpaneel openen",
}

LANGUAGES: dict[str, dict[str, str]] = {"en": EN, "nl": NL}
WEEKDAYS: dict[str, tuple[str, ...]] = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "nl": ("ma", "di", "wo", "do", "vr", "za", "zo"),
}


class Strings:
    """Interface strings for one locale, with English fallback."""

    def __init__(self, locale: str | None = "en") -> None:
        self.locale = locale if locale in LANGUAGES else "en"
        self._table = LANGUAGES[self.locale]

    def __call__(self, key: str, **values: Any) -> str:
        text = self._table.get(key) or EN.get(key) or key
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self._table or key in EN

    def clock(self, start: str, t: float) -> str:
        """Local time of simulation hour `t` for a run that starts at ISO time `start`."""
        at = datetime.fromisoformat(start) + timedelta(hours=t)
        return f"{WEEKDAYS[self.locale][at.weekday()]} {at:%H:%M}"


def duration(hours: float | None, never: str = "-") -> str:
    """'2h05', '0h40'; `never` for None."""
    if hours is None:
        return never
    minutes = max(0, round(hours * 60))
    return f"{minutes // 60}h{minutes % 60:02d}"
