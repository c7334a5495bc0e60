"""Mentoring bot: the aiogram application, its configuration and background work."""
