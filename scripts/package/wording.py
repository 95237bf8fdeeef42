"""The words by which articles attribute, hedge and qualify: one home for the lists that the
codebook prints and that `make suggest` drafts rows from.

Each list is the codebook's own reading of a word, so a curator who disagrees with a draft changes
the rule here and the codebook changes with it (`make docs`)."""

from __future__ import annotations

# Verbs of saying: speech after them, without quotation marks, is a `reported` quotation (codebook §5).
SAYING_VERBS = (
    "said",
    "says",
    "stated",
    "states",
    "told",
    "tells",
    "noted",
    "notes",
    "warned",
    "warns",
    "added",
    "adds",
    "argued",
    "argues",
    "confirmed",
    "confirms",
    "commented",
    "claimed",
    "claims",
    "announced",
    "announces",
    "explained",
    "insisted",
    "stressed",
    "emphasized",
    "emphasised",
    "acknowledged",
    "asserted",
    "declared",
    "wrote",
    "writes",
    "cautioned",
    "predicted",
    "replied",
    "recalled",
    "admitted",
    "conceded",
    "maintained",
    "suggested",
    "reiterated",
)

# Verbs that attribute a view or a finding without reporting speech: the sentence is someone's claim,
# but what follows them is not a quotation ("military analysts believe the soldiers …").
VIEW_VERBS = (
    "believe",
    "believes",
    "estimate",
    "estimates",
    "estimated",
    "assess",
    "assesses",
    "assessed",
    "think",
    "thinks",
    "expect",
    "expects",
    "described",
    "describing",
    "called",
    "calling",
    "voiced",
    "expressed",
    "reported",
)

# Words that attribute a whole sentence to someone the text names after them, or to no one.
ATTRIBUTION_PHRASES = ("according to", "reportedly", "allegedly", "in the opinion of", "in the view of")

# Hedges a claim must keep (codebook §1): a draft claim lists the ones its sentence holds.
HEDGES = (
    "could",
    "may",
    "might",
    "likely",
    "unlikely",
    "reportedly",
    "allegedly",
    "potentially",
    "possibly",
    "probably",
    "perhaps",
    "expected",
    "appears",
    "seems",
    "believed",
    "estimated",
    "would",
)

# Words before a number and the figures.qualifier they give (codebook §6): longest phrases first.
QUALIFIER_PHRASES = (
    ("as many as", "up_to"),
    ("as high as", "up_to"),
    ("as much as", "up_to"),
    ("no more than", "up_to"),
    ("at most", "up_to"),
    ("up to", "up_to"),
    ("no fewer than", "at_least"),
    ("no less than", "at_least"),
    ("at least", "at_least"),
    ("more than", "at_least"),
    ("upwards of", "at_least"),
    ("in excess of", "at_least"),
    ("over", "at_least"),
    ("close to", "close_to"),
    ("just under", "close_to"),
    ("nearly", "close_to"),
    ("almost", "close_to"),
    ("approximately", "approximately"),
    ("an estimated", "approximately"),
    ("roughly", "approximately"),
    ("around", "approximately"),
    ("about", "approximately"),
    ("some", "approximately"),
    ("could reach", "could_reach"),
    ("could rise to", "could_reach"),
    ("could grow to", "could_reach"),
    ("may reach", "could_reach"),
    ("potentially", "potentially"),
    ("possibly", "potentially"),
)

# Words joining the two ends of a range ("between 10,000 and 12,000", "10,000 to 12,000", "10,000-12,000").
RANGE_JOINERS = ("and", "to", "-", "–", "—")

# Words after a number and the figures.unit they give.
UNIT_WORDS = (
    ("troops", "soldiers"),
    ("soldiers", "soldiers"),
    ("fighters", "soldiers"),
    ("servicemen", "soldiers"),
    ("men", "soldiers"),
    ("personnel", "personnel"),
    ("dollars", "USD"),
    ("kilometers", "km"),
    ("kilometres", "km"),
    ("km", "km"),
    ("months", "months"),
    ("month", "months"),
)

# Words of a quantity word's noun that make it a share of a whole ("some of these troops", "most soldiers").
SHARE_WORDS = ("some", "most", "majority", "all", "few", "several", "many")

# Nouns that make a name an organisation, a government, a medium or a group, not a person.
ORGANIZATION_WORDS = (
    "Agency",
    "Center",
    "Centre",
    "College",
    "Committee",
    "Council",
    "Foundation",
    "Institute",
    "Institution",
    "Office",
    "Service",
    "Staff",
    "University",
)
GOVERNMENT_WORDS = ("Army", "Command", "Department", "Forces", "Government", "Ministry", "Pentagon", "Kremlin")
MEDIA_WORDS = ("News", "Times", "Post", "Journal", "Agency", "Television", "TV", "Radio", "Press", "Herald")
GROUP_WORDS = (
    "officials",
    "analysts",
    "experts",
    "sources",
    "diplomats",
    "lawmakers",
    "officers",
    "authorities",
    "intelligence",
    "military",
    "observers",
    "researchers",
)

# Words of rank or office before a name: they are the role, not the name ("Defense Minister Kim Yong-Hyun").
TITLE_WORDS = (
    "Maj.",
    "Gen.",
    "Col.",
    "Lt.",
    "Capt.",
    "Adm.",
    "Sgt.",
    "Dr.",
    "Mr.",
    "Mrs.",
    "Ms.",
    "Prof.",
    "Sen.",
    "Rep.",
    "President",
    "Prime",
    "Minister",
    "Secretary",
    "State",
    "Defense",
    "Defence",
    "Foreign",
    "Deputy",
    "Vice",
    "Ambassador",
    "Spokesman",
    "Spokeswoman",
    "Spokesperson",
    "General",
    "Colonel",
    "Admiral",
    "Chief",
    "Director",
    "Commander",
    "Press",
    "Senior",
    "Leader",
    "Chairman",
    "Senator",
    "Representative",
    "Lieutenant",
    "Major",
    "Captain",
)

# Kinds of cited venue a phrase names ("in an interview with", "told reporters at a briefing").
VENUE_KINDS = (
    ("interview", "interview"),
    ("statement", "statement"),
    ("press conference", "press_briefing"),
    ("news conference", "press_briefing"),
    ("briefing", "press_briefing"),
    ("commentary", "commentary"),
    ("op-ed", "commentary"),
    ("report", "report"),
    ("broadcast", "broadcast"),
)
