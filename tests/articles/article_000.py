"""article-000, "How Is Russia Benefiting From North Korean Soldiers?": what a reader finds in it."""

from tests.articles import Article

ARTICLE = Article(
    source_id="article-000",
    quotations=(
        ("North Korean troops will give Russia an immediate boost", "andrew-yeo"),
        ("Because the majority of people do not support mobilization", "volodymyr-zelenskyy"),
        ("free up Russian troops to lead on the offensives", "ramon-pacheco-pardo"),
        ("They may be useful in pushing Ukrainian troops", "andrew-yeo"),
        ("certainly better trained to fight than Russian conscripts", "andrew-yeo"),
        ("But it's unclear whether Kim Jong Un", "andrew-yeo"),
        ("Given this, it is likely that the North Korean troops", "park"),
        ("While some soldiers may be tasked with psychological warfare", "park"),
        ("cannon fodder.", "park"),
        ("If these troops are sent into direct combat", "park"),
        ("I will say frankly: the North Korean military", "volodymyr-zelenskyy"),
        ("inexperienced infantry.", "ukrainian-intelligence-officials"),
    ),
    utterances=(
        ("certainly better trained to fight", "But it's unclear whether Kim Jong Un"),
        ("Given this, it is likely", "While some soldiers may be tasked"),
    ),
    quotes_supporting=(("I will say frankly: the North Korean military", 4),),
    nested=(("While some soldiers", "expendable ‘cannon fodder.'", "cannon fodder."),),  # curly open, straight close
    figures=(
        ("8,000", "nk_troops_in_russia", 8000, "exact", "2024-10-31?", "antony-blinken"),
        ("3,000", "nk_troops_in_russia", 3000, "exact", "2024-10-28?", "unnamed-sources"),
        ("50", "distance_to_border_km", 50, "approximately", "2024-10-28?", "unnamed-sources"),
        ("700,000", "russian_casualties", 700000, "close_to", "", "unnamed-sources"),
    ),
    vague_words=("thousands",),
    venues={
        "kbs-interview-zelenskyy": ("interview", "kbs"),
        "newsweek-commentary-yeo": ("commentary", "newsweek"),
        "ft-statement-ukrainian-intelligence": ("statement", "financial-times"),
        "briefing-blinken-2024-10-31": ("press_briefing", ""),
    },
    figure_links=((("article-000", "8,000"), "updates", ("article-000", "3,000")),),
    # undated: the later reports of battles and losses do not update it, they stand in tension with it
    linked_claims=(("no combat clashes", "in_tension"),),
    troop_estimates=(
        ("3,000", "2024-10-28?", 3000.0, "Unnamed sources", None),  # "reportedly": the text names no source
        (
            "8,000",
            "2024-10-31?",
            8000.0,
            "Antony Blinken",
            "Briefing on October 31 at which US Secretary of State Antony Blinken spoke",
        ),
    ),
)
