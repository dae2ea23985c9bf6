"""WSGI entry point for gunicorn: ``gunicorn -c python:bot.gunicorn_conf bot.wsgi:app``."""

from bot.app import create_app

app = create_app()
