## Shared by every dialog that asks questions (bot/questions.py).

dialog-question-stale = This question is no longer current: please answer the latest one below.
