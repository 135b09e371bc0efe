"""TabRL in the browser: a router over the pages in pages/ (`streamlit run app.py`)."""

from tabrl_app import session

session.run_app()
