"""Entry point for `flask --app app run`, gunicorn (`app:app`) and the Procfile."""

from chat import create_app

app = create_app()
