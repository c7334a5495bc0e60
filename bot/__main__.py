import gc
import sys

# Starting the bot creates some 250,000 objects that live as long as the process (aiogram's
# pydantic types, SQLAlchemy's models and mappers, the routers, the parsed locales); the cyclic
# collector would scan them again and again while they are being made: 0.6 s of a 3 s start,
# before the first answer. So it is off while the bot starts; bot.cli freezes what exists then
# (gc.freeze: never scanned again) and turns it back on (bot.app.settle_heap).
gc.disable()

from bot.cli import main  # noqa: E402

sys.exit(main())
