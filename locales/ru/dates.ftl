## Слова, которыми можно написать дату вместо ДД.ММ.ГГГГ (domain/dates.py). Варианты — через «|».
## Бот понимает слова всех языков сразу, без учёта регистра; «ё» читается как «е».

date-word-today = сегодня
date-word-yesterday = вчера
date-word-day-before-yesterday = позавчера
date-word-tomorrow = завтра
date-word-day-after-tomorrow = послезавтра
