"""How dates and times read in Danish: "tor. 3. dec. 2026", "tor. 3. dec. kl. 10:30" (N gives Danish month
abbreviations with their full stop where Danish writes one: "dec.", "maj", "juni")."""

DATE_FORMAT = r"D. j. N Y"
DATETIME_FORMAT = r"D. j. N Y \k\l. H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = r"D. j. N"
SHORT_DATE_FORMAT = r"j. N Y"
SHORT_DATETIME_FORMAT = r"D. j. N \k\l. H:i"
FIRST_DAY_OF_WEEK = 1
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
