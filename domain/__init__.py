"""Domain logic, free of aiogram: rules, validation and services over SQLAlchemy sessions."""
