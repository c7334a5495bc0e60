from aiogram import Router


def build_router() -> Router:
    return Router(name="monitoring")
