import pytest

from bot.config import DEFAULT_API_URL, ConfigError, load_settings

TOKEN = "123456789:" + "A" * 35


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in ("BOT_TOKEN", "TELEGRAM_API_URL", "DATABASE_URL", "ADMIN_IDS", "DEFAULT_LOCALE", "TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_missing_token_names_the_variable():
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert "BOT_TOKEN" in str(err.value)
    assert "required" in str(err.value)


@pytest.mark.parametrize("token", ["abc", "123:short", "12345:" + "Я" * 35, " "])
def test_malformed_token_names_the_variable(monkeypatch, token):
    monkeypatch.setenv("BOT_TOKEN", token)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert "BOT_TOKEN" in str(err.value) and "malformed" in str(err.value)


def test_defaults_and_sqlite_file_created(monkeypatch, tmp_path):
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    s = load_settings()
    assert s.telegram_api_url == DEFAULT_API_URL
    assert s.default_locale == "ru"
    assert s.timezone == "Europe/Moscow"
    assert s.admin_ids == []
    assert s.db_url == "sqlite+aiosqlite:///data/mentorbot.sqlite3"
    assert (tmp_path / "data").is_dir()


def test_env_file_and_lists(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text(
        f"BOT_TOKEN={TOKEN}\nADMIN_IDS=1, 2,3\nTELEGRAM_API_URL=http://127.0.0.1:8081/\n"
        "DATABASE_URL=postgresql://u@h/db\n"
    )
    s = load_settings()
    assert s.admin_ids == [1, 2, 3]
    assert s.is_admin(2) and not s.is_admin(4)
    assert s.telegram_api_url == "http://127.0.0.1:8081"
    assert s.db_url == "postgresql+asyncpg://u@h/db"


@pytest.mark.parametrize(
    "name,value",
    [("ADMIN_IDS", "1,x"), ("TIMEZONE", "Mars/Olympus"), ("DEFAULT_LOCALE", "de"), ("TELEGRAM_API_URL", "ftp://x")],
)
def test_bad_values_are_named(monkeypatch, name, value):
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert name in str(err.value)


def test_cli_reports_config_error(monkeypatch, capsys):
    from bot.cli import main

    assert main(["migrate"]) == 2
    assert "BOT_TOKEN" in capsys.readouterr().err
