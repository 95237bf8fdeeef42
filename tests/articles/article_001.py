"""article-001 (no headline): what a reader finds in it."""

from tests.articles import Article

ARTICLE = Article(
    source_id="article-001",
    quotations=(
        ("indisputable", "volodymyr-zelenskyy"),
        ("cannon fodder.", "volodymyr-zelenskyy"),
        ("first battles with North Korean soldiers", "volodymyr-zelenskyy"),
        ("If I were North Korean military personnel management", "pat-ryder"),
        ("the most dangerous and difficult areas.", "kim-yong-hyun"),
        ("cannon fodder mercenaries,", "kim-yong-hyun"),
        ("invariable support", "kim-jong-un"),
    ),
    reported=(
        (
            "It might be enough to make a difference against Ukraine on a single front if that's how they are used",
            "mykola-bielieskov",
        ),
    ),
    figures=(
        ("12,000", "nk_troops_in_russia", 12000, "exact", "", "us-south-korean-ukrainian-intelligence"),
        ("15,000", "nk_troops_in_russia", 15000, "could_reach", "", "ukrainian-officials"),
        ("100,000", "nk_troops_rotated_per_year", 100000, "potentially", "", "ukrainian-officials"),
        ("$2,000", "payment_per_soldier_per_month", 2000, "approximately", "", "south-korean-intelligence"),
    ),
    vague_words=("few",),
    two_qualifiers=(("100,000", "potentially", "up_to", "100000"),),  # "potentially adding up to 100,000"
    venues={"kyodo-interview-zelensky": ("interview", "kyodo-news")},
    undated_quotes=(("the most dangerous", "last month"),),
    # Neither article dates the other's count: a tension, not an update and not a contradiction.
    figure_links=((("article-001", "12,000"), "in_tension", ("article-000", "8,000")),),
    speaker_of_quote=(
        (
            "indisputable",
            "Volodymyr Zelenskyy",
            "Volodymyr Zelenskyy's interview with Kyodo News",
            "Untitled news article (article-001)",
        ),
    ),
)
