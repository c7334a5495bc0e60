## Words that may be typed instead of a DD.MM.YYYY date (domain/dates.py). Variants are separated by "|".
## The bot reads the words of every language at once, whatever the case.

date-word-today = today
date-word-yesterday = yesterday
date-word-day-before-yesterday = the day before yesterday | day before yesterday
date-word-tomorrow = tomorrow
date-word-day-after-tomorrow = the day after tomorrow | day after tomorrow
