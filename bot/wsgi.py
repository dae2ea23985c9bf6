"""WSGI entry point for gunicorn: ``gunicorn -c python:bot.gunicorn_conf bot.wsgi:app``."""

import gc

from bot.app import create_app

app = create_app()
# What the app loaded lives as long as the process: keep it out of the collector's full passes, which otherwise walk
# a quarter-million objects and stop every request thread of the worker for a few hundred milliseconds.
gc.freeze()
